"""A feed failing poll after poll alerts the owners who are notify recipients (else the sales
leads): once per run of failures, with the alert's text, in quiet hours through the digest."""

from __future__ import annotations

from datetime import timedelta

from tests.connectors.notify.conftest import LEAD, OWNER, T0, Agency, recipients
from tests.connectors.notify.servers import smtp_server, webhook


def test_a_failing_feed_alerts_the_owner_with_its_text_and_the_sources_page(
    agency: Agency,
) -> None:
    with webhook() as hook:
        environ = {"OWNER": hook.url("/owner"), "LEAD": hook.url("/lead")}
        notifier = agency.notifier({"recipients": recipients(OWNER="OWNER", LEAD="LEAD")}, environ)
        agency.fail_feed("upwork-rss", polls=3, at=T0)

        summary = agency.run(notifier, T0 + timedelta(minutes=1))

        assert (summary.queued, summary.sent) == (1, 1)
        assert [request.path for request in hook.server.requests] == ["/owner"]
        (payload,) = hook.payloads
        assert payload["title"] == "Feed failing"
        assert payload["message"] == (
            "Feed 'upwork-rss' has failed 3 polls in a row (last success: never)."
            " Last error: HTTP 503 from feeds.test"
            "\n\nSources: https://desk.agency.test/sources"
        )
        group, person = agency.alerts()
        assert (group.recipient, group.status) == ("owners", "routed")
        assert (person.recipient, person.kind, person.status) == (OWNER, "source_failing", "sent")


def test_further_failures_of_the_same_run_alert_nobody_again(agency: Agency) -> None:
    with webhook() as hook:
        notifier = agency.notifier({"recipients": recipients(OWNER="HOOK")}, {"HOOK": hook.url()})
        agency.fail_feed("upwork-rss", polls=3, at=T0)
        agency.run(notifier, T0)
        agency.fail_feed("upwork-rss", polls=2, at=T0 + timedelta(minutes=5))  # same key

        again = agency.run(notifier, T0 + timedelta(minutes=6))

        assert (again.queued, again.sent) == (0, 0)
        assert len(hook.payloads) == 1
        assert len(agency.alerts()) == 2  # the group alert and the owner's


def test_without_a_reachable_owner_the_sales_leads_get_it(agency: Agency) -> None:
    with smtp_server() as mailbox:
        notifier = agency.notifier(
            {"recipients": recipients(LEAD="MAIL")}, {"MAIL": mailbox.url(LEAD)}
        )
        agency.fail_feed("upwork-rss", polls=3, at=T0)

        agency.run(notifier, T0)

        (to, mail) = mailbox.mails[0]
        assert to == [LEAD] and mail["Subject"] == "Feed failing"
        body = mailbox.html_of(0)
        assert "Feed &#x27;upwork-rss&#x27; has failed 3 polls in a row" in body
        assert 'href="https://desk.agency.test/sources"' in body


def test_with_nobody_to_tell_the_feed_alert_waits_for_someone(agency: Agency) -> None:
    agency.fail_feed("upwork-rss", polls=3, at=T0)
    nobody = agency.notifier({"recipients": []}, {})
    assert agency.run(nobody, T0).queued == 0
    with webhook() as hook:
        notifier = agency.notifier({"recipients": recipients(OWNER="HOOK")}, {"HOOK": hook.url()})

        summary = agency.run(notifier, T0 + timedelta(hours=1))

        assert (summary.queued, summary.sent) == (1, 1)
        assert "upwork-rss" in hook.payloads[0]["message"]


def test_a_feed_alert_in_the_owners_quiet_hours_comes_with_the_morning_digest(
    agency: Agency,
) -> None:
    owner = {"email": OWNER, "channels": ["HOOK"], "quiet_hours": "22:00-07:00"}
    night = T0.replace(hour=23)
    with webhook() as hook:
        notifier = agency.notifier({"recipients": [owner]}, {"HOOK": hook.url()})
        agency.fail_feed("upwork-rss", polls=3, at=night)
        assert agency.run(notifier, night).held == 1
        assert hook.payloads == []

        morning = agency.run(notifier, night + timedelta(hours=8, minutes=1))

        assert morning.digests == 1
        (digest,) = hook.payloads
        assert digest["title"] == "1 alert while you were away"
        assert "Feed 'upwork-rss' has failed 3 polls in a row" in digest["message"]
        assert digest["message"].endswith("Sources: https://desk.agency.test/sources")


def test_a_feed_alert_older_than_a_day_is_history_not_news(agency: Agency) -> None:
    agency.fail_feed("upwork-rss", polls=3, at=T0)
    with webhook() as hook:
        notifier = agency.notifier({"recipients": recipients(OWNER="HOOK")}, {"HOOK": hook.url()})

        summary = agency.run(notifier, T0 + timedelta(days=2))

        assert (summary.queued, hook.payloads) == (0, [])
