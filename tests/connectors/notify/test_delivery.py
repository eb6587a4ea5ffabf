"""Alerts end to end against real local receivers: an SMTP server for mailto:// and a JSON
webhook for json://, driven through apprise exactly as in production."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bidflow.db import session_scope
from bidflow.models import Alert, Event
from bidflow.store.inbox import acknowledge
from tests.connectors.notify.conftest import (
    ANA_AM,
    ANA_JOB,
    BEN_JOB,
    LEAD,
    T0,
    Agency,
    recipients,
)
from tests.connectors.notify.servers import smtp_server, webhook

HOSTILE = (
    "Great! <script>alert(1)</script> <!channel> @everyone **urgent** [click](http://evil.test)"
    " </blockquote><h1>fake</h1> &amp; \u202eevil"
)


def _alerts(agency: Agency) -> list[Alert]:
    with session_scope(agency.url) as session:
        return list(session.exec(select(Alert).order_by(Alert.id)).all())  # type: ignore[arg-type]


def test_a_reply_is_mailed_to_its_bidders_account_manager_with_title_delay_and_link(
    agency: Agency,
) -> None:
    with smtp_server() as mailbox, webhook() as others:
        environ = {"ANA_MAIL": mailbox.url("ana-am@agency.test"), "OTHERS": others.url()}
        notifier = agency.notifier(
            {"recipients": recipients(ANA_AM="ANA_MAIL", ANY_AM="OTHERS", LEAD="OTHERS")}, environ
        )
        agency.reply("Ana", "Could you start on Monday?", at=T0)

        summary = agency.run(notifier, T0 + timedelta(minutes=1))

        assert (summary.queued, summary.sent, summary.failed) == (1, 1, 0)
        assert others.payloads == []  # neither the catch-all manager nor the lead
        (to, mail) = mailbox.mails[0]
        assert to == [ANA_AM]
        assert mail["Subject"] == "Client reply"
        body = mailbox.html_of(0)
        assert ANA_JOB in body and "(Ana)" in body
        assert "Could you start on Monday?" in body
        assert "3 h after sending" in body
        assert 'href="https://desk.agency.test/inbox"' in body
        (alert,) = _alerts(agency)
        assert (alert.recipient, alert.status, alert.sent_at) == (
            ANA_AM,
            "sent",
            T0 + timedelta(minutes=1),
        )


def test_a_bidder_nobody_manages_goes_to_the_unassigned_account_manager(agency: Agency) -> None:
    with webhook() as hook:
        environ = {"ANA": hook.url("/ana"), "ANY": hook.url("/any"), "LEAD": hook.url("/lead")}
        notifier = agency.notifier(
            {"recipients": recipients(ANA_AM="ANA", ANY_AM="ANY", LEAD="LEAD")}, environ
        )
        agency.reply("Ben", "Is the budget flexible?", at=T0)

        agency.run(notifier, T0)

        assert [r.path for r in hook.server.requests] == ["/any"]
        assert BEN_JOB in hook.payloads[0]["message"]


def test_without_account_managers_the_sales_leads_get_the_reply(agency: Agency) -> None:
    with webhook() as hook:
        notifier = agency.notifier({"recipients": recipients(LEAD="LEAD")}, {"LEAD": hook.url()})
        agency.reply("Ben", "Is the budget flexible?", at=T0)

        agency.run(notifier, T0)

        assert [alert.recipient for alert in _alerts(agency)] == [LEAD]
        assert len(hook.payloads) == 1


def test_the_same_reply_by_email_and_by_api_alerts_once(agency: Agency) -> None:
    with webhook() as hook:
        notifier = agency.notifier({"recipients": recipients(ANA_AM="HOOK")}, {"HOOK": hook.url()})
        agency.reply("Ana", "Could you start on Monday?\nThanks, Jo", at=T0, source="upwork-api")
        # The email copy: rewrapped, different case, the quoted proposal below it.
        agency.reply(
            "Ana",
            "could you start  on Monday? Thanks,\r\nJo\r\n\r\nOn Mon, Ana wrote:\r\n> Hi, I can",
            at=T0 + timedelta(minutes=4),
            source="upwork-mail",
        )

        agency.run(notifier, T0 + timedelta(minutes=5))
        agency.run(notifier, T0 + timedelta(minutes=6))  # a second pass changes nothing

        assert len(_alerts(agency)) == 1
        assert len(hook.payloads) == 1


def test_the_same_words_again_after_the_window_are_a_new_reply(agency: Agency) -> None:
    with webhook() as hook:
        notifier = agency.notifier({"recipients": recipients(ANA_AM="HOOK")}, {"HOOK": hook.url()})
        agency.reply("Ana", "Thanks!", at=T0)
        agency.run(notifier, T0)
        agency.reply("Ana", "Thanks!", at=T0 + timedelta(hours=5))
        agency.run(notifier, T0 + timedelta(hours=5))

        assert len(hook.payloads) == 2
        keys = [alert.dedupe_key for alert in _alerts(agency)]
        assert len(set(keys)) == 2


def test_a_failing_channel_is_retried_with_growing_waits_then_succeeds(agency: Agency) -> None:
    config = {
        "recipients": recipients(ANA_AM="HOOK"),
        "retry": {"attempts": 4, "backoff": "1s", "max_wait": "8s"},
    }
    with webhook([503, 502]) as hook:
        notifier = agency.notifier(config, {"HOOK": hook.url()})
        agency.reply("Ana", "Could you start on Monday?", at=T0)

        summary = agency.run(notifier, T0)

        assert len(hook.payloads) == 3  # two failures, then delivered
        assert summary.sent == 1
        # Full jitter: each wait is at most its doubling ceiling.
        assert len(agency.sleeps) == 2
        assert 0 <= agency.sleeps[0] <= 1 and 0 <= agency.sleeps[1] <= 2
        (alert,) = _alerts(agency)
        assert alert.status == "sent"


def test_a_channel_failing_every_try_of_a_run_leaves_the_alert_to_the_next_run(
    agency: Agency,
) -> None:
    config = {"recipients": recipients(ANA_AM="HOOK"), "retry": {"attempts": 3}}
    with webhook([500, 500, 500, 500]) as hook:
        notifier = agency.notifier(config, {"HOOK": hook.url()})
        agency.reply("Ana", "Hello?", at=T0)

        summary = agency.run(notifier, T0)

        assert len(hook.payloads) == 3
        assert (summary.sent, summary.retrying, summary.failed) == (0, 1, 0)
        (alert,) = _alerts(agency)
        assert (alert.status, alert.attempts) == ("pending", 1)
        assert alert.next_attempt_at == T0 + timedelta(minutes=1)
        assert alert.last_error is not None and "500" in alert.last_error
        with session_scope(agency.url) as session:
            event = session.exec(select(Event).where(Event.action == "alert_retrying")).one()
        assert "500" in event.data["errors"]["HOOK"]


def test_an_unset_variable_fails_at_once_without_retries(agency: Agency) -> None:
    notifier = agency.notifier({"recipients": recipients(ANA_AM="MISSING_URL")}, {})
    agency.reply("Ana", "Hello?", at=T0)

    agency.run(notifier, T0)

    assert agency.sleeps == []
    (alert,) = _alerts(agency)
    assert alert.status == "failed"


def test_quiet_hours_hold_alerts_and_send_one_digest_when_they_end(agency: Agency) -> None:
    person = {"email": ANA_AM, "channels": ["HOOK"], "quiet_hours": "22:00-07:00"}
    night = T0.replace(hour=23)
    with webhook() as hook:
        notifier = agency.notifier({"recipients": [person]}, {"HOOK": hook.url()})
        agency.reply("Ana", "First question", at=night)
        agency.run(notifier, night)
        agency.reply("Ana", "Second question", at=night + timedelta(hours=2))
        agency.run(notifier, night + timedelta(hours=2))
        assert hook.payloads == []
        assert {a.status for a in _alerts(agency)} == {"held"}

        summary = agency.run(notifier, night + timedelta(hours=8, minutes=1))  # 07:01

        assert summary.digests == 1
        (digest,) = hook.payloads
        assert digest["title"] == "2 client replies while you were away"
        assert "First question" in digest["message"] and "Second question" in digest["message"]
        assert {a.status for a in _alerts(agency)} == {"sent"}


def test_quiet_hours_follow_the_recipients_timezone(agency: Agency) -> None:
    person = {
        "email": ANA_AM,
        "channels": ["HOOK"],
        "quiet_hours": "22:00-07:00",
        "timezone": "Asia/Tokyo",  # noon UTC is 21:00 in Tokyo; 13:30 UTC is 22:30 there
    }
    with webhook() as hook:
        notifier = agency.notifier({"recipients": [person]}, {"HOOK": hook.url()})
        agency.reply("Ana", "Before their night", at=T0)
        agency.run(notifier, T0)
        agency.reply("Ana", "During their night", at=T0 + timedelta(minutes=90))
        agency.run(notifier, T0 + timedelta(minutes=90))

        assert len(hook.payloads) == 1
        assert [a.status for a in _alerts(agency)] == ["sent", "held"]


def test_an_unacknowledged_alert_escalates_to_the_sales_lead_after_the_window(
    agency: Agency,
) -> None:
    config = {"recipients": recipients(ANA_AM="AM", LEAD="LEAD"), "escalate_after": "15m"}
    with webhook() as am, webhook() as lead:
        notifier = agency.notifier(config, {"AM": am.url(), "LEAD": lead.url()})
        agency.reply("Ana", "Could you start on Monday?", at=T0)
        agency.run(notifier, T0)

        agency.run(notifier, T0 + timedelta(minutes=14))
        assert lead.payloads == []

        summary = agency.run(notifier, T0 + timedelta(minutes=15))

        assert summary.escalated == 1
        (escalation,) = lead.payloads
        assert escalation["title"] == "Reply not acknowledged"
        assert f"Not acknowledged by {ANA_AM} within 15 min." in escalation["message"]
        assert "Could you start on Monday?" in escalation["message"]
        agency.run(notifier, T0 + timedelta(minutes=30))
        assert len(lead.payloads) == 1  # escalated once
        assert [a.status for a in _alerts(agency)] == ["escalated", "sent"]


def test_acknowledging_the_reply_in_the_inbox_stops_the_escalation(agency: Agency) -> None:
    config = {"recipients": recipients(ANA_AM="AM", LEAD="LEAD"), "escalate_after": "15m"}
    with webhook() as am, webhook() as lead:
        notifier = agency.notifier(config, {"AM": am.url(), "LEAD": lead.url()})
        agency.reply("Ana", "Could you start on Monday?", at=T0, source="upwork-api")
        copy = agency.reply("Ana", "Could you start on Monday?", at=T0, source="upwork-mail")
        agency.run(notifier, T0)
        with session_scope(agency.url) as session:
            # The manager acknowledges the email copy, which has no alert of its own.
            acknowledge(session=session, key=f"message-{copy}", actor=ANA_AM, now=T0)

        agency.run(notifier, T0 + timedelta(minutes=20))

        assert lead.payloads == []
        (alert,) = _alerts(agency)
        assert alert.acknowledged_at == T0


def test_a_hostile_reply_cannot_break_the_email_html(agency: Agency) -> None:
    with smtp_server() as mailbox:
        notifier = agency.notifier(
            {"recipients": recipients(ANA_AM="MAIL")}, {"MAIL": mailbox.url(ANA_AM)}
        )
        agency.reply("Ana", HOSTILE, at=T0)

        agency.run(notifier, T0)

        body = mailbox.html_of(0)
        assert "<script>" not in body and "<h1>" not in body
        assert body.count("</blockquote>") == 1  # only ours
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "&amp;amp;" in body  # the client's literal "&amp;" shows as typed
        assert "\u202e" not in body  # no right-to-left override reordering the text


def test_a_hostile_reply_reaches_a_markdown_chat_escaped_and_without_mentions(
    agency: Agency,
) -> None:
    # json:// with format=markdown is a chat service as apprise sees one (Slack, Teams,
    # Discord): the body apprise posts is the Markdown those services would render.
    with webhook() as hook:
        notifier = agency.notifier(
            {"recipients": recipients(ANA_AM="CHAT")}, {"CHAT": hook.url() + "?format=markdown"}
        )
        agency.reply("Ana", HOSTILE, at=T0)

        agency.run(notifier, T0)

        text = hook.payloads[0]["message"]
        assert "<script>" not in text and "<!channel>" not in text
        assert "@everyone" not in text  # broken by a zero-width space: no one is pinged
        assert "@\u200beveryone" in text
        assert "**urgent**" not in text and r"\*\*urgent\*\*" in text
        assert "[click](http://evil.test)" not in text
        assert "[Open the inbox](<https://desk.agency.test/inbox>)" in text  # ours still is


def test_a_text_webhook_gets_the_reply_verbatim_inside_valid_json(agency: Agency) -> None:
    with webhook() as hook:
        notifier = agency.notifier({"recipients": recipients(ANA_AM="HOOK")}, {"HOOK": hook.url()})
        agency.reply("Ana", 'He said "hi"\n}{ <b>', at=T0)

        agency.run(notifier, T0)

        message = hook.payloads[0]["message"]
        assert '> He said "hi" }{ <b>' in message  # one line, as typed
        assert message.endswith("Inbox: https://desk.agency.test/inbox")
