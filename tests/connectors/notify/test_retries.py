"""A delivery no channel took is tried again by later runs, waiting longer each time, and is
only marked failed after ``retry.runs`` runs; a failed digest goes out again as a digest."""

from __future__ import annotations

from datetime import timedelta

from bidflow.store.alert_delivery import retry_delay
from tests.connectors.notify.conftest import ANA_AM, T0, Agency, recipients
from tests.connectors.notify.servers import webhook

ONE_TRY_PER_RUN = {"attempts": 1}


def test_a_failed_alert_is_sent_by_a_later_run_once_its_wait_is_over(agency: Agency) -> None:
    config = {"recipients": recipients(ANA_AM="HOOK"), "retry": ONE_TRY_PER_RUN}
    with webhook([503, 502]) as hook:
        notifier = agency.notifier(config, {"HOOK": hook.url()})
        agency.reply("Ana", "Could you start on Monday?", at=T0)

        first = agency.run(notifier, T0)  # 503: next attempt 1 min later
        agency.run(notifier, T0 + timedelta(seconds=30))  # not due yet
        agency.run(notifier, T0 + timedelta(minutes=1))  # 502: next attempt 2 min later
        agency.run(notifier, T0 + timedelta(minutes=2))  # not due yet
        last = agency.run(notifier, T0 + timedelta(minutes=3))

        assert len(hook.payloads) == 3
        assert (first.retrying, last.sent) == (1, 1)
        (alert,) = agency.alerts()
        assert (alert.status, alert.attempts, alert.next_attempt_at) == ("sent", 3, None)
        assert alert.sent_at == T0 + timedelta(minutes=3)
        assert len(agency.events("alert_retrying")) == 2
        assert len(agency.events("alert_sent")) == 1


def test_an_alert_is_failed_after_the_configured_number_of_runs(agency: Agency) -> None:
    config = {"recipients": recipients(ANA_AM="HOOK"), "retry": {**ONE_TRY_PER_RUN, "runs": 3}}
    with webhook([500] * 10) as hook:
        notifier = agency.notifier(config, {"HOOK": hook.url()})
        agency.reply("Ana", "Hello?", at=T0)

        summaries = [agency.run(notifier, T0 + timedelta(minutes=m)) for m in (0, 1, 3, 7, 60)]

        assert len(hook.payloads) == 3  # the runs at 0, 1 and 3 min; none after failing
        assert [s.failed for s in summaries] == [0, 0, 1, 0, 0]
        (alert,) = agency.alerts()
        assert (alert.status, alert.attempts, alert.next_attempt_at) == ("failed", 3, None)
        (failed,) = agency.events("alert_failed")
        assert failed.data["attempt"] == 3 and "500" in failed.data["errors"]["HOOK"]


def test_the_default_keeps_trying_for_about_an_hour() -> None:
    waits = [retry_delay(attempt) for attempt in range(1, 8)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 30, 30)]
    # Seven runs by default: the last try is 61 minutes after the first.
    assert sum(waits[:6], timedelta()) == timedelta(minutes=61)


def test_a_missing_variable_fails_the_alert_without_waiting_for_later_runs(
    agency: Agency,
) -> None:
    notifier = agency.notifier({"recipients": recipients(ANA_AM="MISSING_URL")}, {})
    agency.reply("Ana", "Hello?", at=T0)

    summary = agency.run(notifier, T0)

    assert summary.failed == 1
    (alert,) = agency.alerts()
    assert alert.status == "failed"
    assert alert.last_error == "MISSING_URL: environment variable MISSING_URL is not set"


def test_one_working_channel_of_two_sends_the_alert(agency: Agency) -> None:
    person = {"email": ANA_AM, "channels": ["BROKEN", "HOOK"]}
    with webhook() as hook:
        notifier = agency.notifier({"recipients": [person]}, {"HOOK": hook.url()})
        agency.reply("Ana", "Hello?", at=T0)

        agency.run(notifier, T0)

        (alert,) = agency.alerts()
        assert alert.status == "sent"
        (sent,) = agency.events("alert_sent")
        assert sent.data["channels"] == ["HOOK"]
        assert "BROKEN" in sent.data["errors"]


def test_a_failed_digest_is_sent_again_as_one_digest(agency: Agency) -> None:
    person = {"email": ANA_AM, "channels": ["HOOK"], "quiet_hours": "22:00-07:00"}
    config = {"recipients": [person], "retry": ONE_TRY_PER_RUN}
    night = T0.replace(hour=23)
    morning = night + timedelta(hours=8, minutes=1)  # 07:01
    with webhook([500]) as hook:
        notifier = agency.notifier(config, {"HOOK": hook.url()})
        agency.reply("Ana", "First question", at=night)
        agency.reply("Ana", "Second question", at=night + timedelta(hours=1))
        agency.run(notifier, night + timedelta(hours=1))

        failed = agency.run(notifier, morning)
        assert (failed.digests, failed.retrying) == (0, 2)
        assert {(a.status, a.attempts) for a in agency.alerts()} == {("held", 1)}
        agency.run(notifier, morning + timedelta(seconds=30))  # not due yet
        again = agency.run(notifier, morning + timedelta(minutes=1))

        assert again.digests == 1
        assert len(hook.payloads) == 2
        assert hook.payloads[0] == hook.payloads[1]  # the same digest, not two alerts
        assert hook.payloads[1]["title"] == "2 client replies while you were away"
        assert {a.status for a in agency.alerts()} == {"sent"}


def test_a_retry_that_falls_in_quiet_hours_waits_for_the_digest(agency: Agency) -> None:
    person = {"email": ANA_AM, "channels": ["HOOK"], "quiet_hours": "22:00-07:00"}
    config = {"recipients": [person], "retry": ONE_TRY_PER_RUN}
    evening = T0.replace(hour=21, minute=59, second=30)
    with webhook([500]) as hook:
        notifier = agency.notifier(config, {"HOOK": hook.url()})
        agency.reply("Ana", "Last question today", at=evening)
        agency.run(notifier, evening)  # fails; its retry is due at 22:00:30
        held = agency.run(notifier, evening + timedelta(minutes=1))

        assert held.held == 1 and len(hook.payloads) == 1
        morning = agency.run(notifier, T0.replace(hour=7, minute=1) + timedelta(days=1))

        assert morning.digests == 1
        assert hook.payloads[1]["title"] == "1 client reply while you were away"
        (alert,) = agency.alerts()
        assert (alert.status, alert.attempts) == ("sent", 2)
