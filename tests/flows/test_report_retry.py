"""The weekly report's failed ways are sent again with backoff, against a real SMTP server and
webhook on 127.0.0.1: what was delivered never goes twice, and a missing setting is reported
at once instead of waited on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics.charts import report_charts
from bidflow.config import AgencyConfig
from bidflow.settings import Settings
from connectors.report_delivery import DeliveryOutcome
from flows.report_files import write_report_files
from flows.report_retry import DELAYS, JITTER, send_report_with_retries
from tests.analytics.report_fixtures import sample_report
from tests.connectors.notify.servers import Mailbox, smtp_server, webhook
from tests.connectors.servers import unused_port
from tests.factories import agency_config

OWNER = "owner@agency.test"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


def _send(
    tmp_path: Path, agency: AgencyConfig, settings: Settings, sleeps: list[float]
) -> DeliveryOutcome:
    report = sample_report()
    charts = report_charts(report)
    # HTML and CSV only: printing the PDF needs Chromium, and retrying does not care.
    files = write_report_files(
        report, agency="Northwind", directory=tmp_path, formats=["html", "csv"], charts=charts
    )
    return send_report_with_retries(
        report, charts, files, agency=agency, settings=settings, sleep=sleeps.append
    )


def _agency(reports: dict[str, Any]) -> AgencyConfig:
    return agency_config(users=[{"email": OWNER, "name": "Olga", "role": "owner"}], reports=reports)


def _smtp(port: int) -> Settings:
    return Settings(
        smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", smtp_from="r@agency.test"
    )


def _within_jitter(sleeps: list[float], delays: tuple[float, ...]) -> bool:
    return len(sleeps) == len(delays) and all(
        d * (1 - JITTER) <= s <= d * (1 + JITTER) for s, d in zip(sleeps, delays, strict=True)
    )


def test_a_channel_that_failed_gets_it_again_and_the_email_goes_once(
    tmp_path: Path, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    with webhook(statuses=[503]) as hook:
        monkeypatch.setenv("REPORTS_HOOK_URL", hook.url())
        agency = _agency({"channels": ["REPORTS_HOOK_URL"]})

        outcome = _send(tmp_path, agency, _smtp(mailbox.port), sleeps)

        assert len(hook.payloads) == 2  # the 503, then the delivery
    assert outcome.delivered == [f"email to {OWNER}", "REPORTS_HOOK_URL"]
    assert outcome.failures == []
    assert len(mailbox.mails) == 1
    assert _within_jitter(sleeps, DELAYS[:1])


def test_a_mail_server_that_stays_down_is_tried_after_each_delay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    with webhook() as hook:
        monkeypatch.setenv("REPORTS_HOOK_URL", hook.url())
        agency = _agency({"channels": ["REPORTS_HOOK_URL"]})

        outcome = _send(tmp_path, agency, _smtp(unused_port()), sleeps)

        assert len(hook.payloads) == 1  # delivered at the first try, never again
    assert outcome.delivered == ["REPORTS_HOOK_URL"]
    (failure,) = outcome.failures
    assert failure.startswith("email: could not send through 127.0.0.1:")
    assert _within_jitter(sleeps, DELAYS)


def test_missing_settings_are_reported_without_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPORTS_SLACK_URL", raising=False)
    sleeps: list[float] = []
    agency = _agency({"channels": ["REPORTS_SLACK_URL"]})

    outcome = _send(tmp_path, agency, Settings(smtp_host=None), sleeps)

    assert sleeps == []
    assert outcome.delivered == []
    assert outcome.failures[0].startswith("email: BIDFLOW_SMTP_HOST is not set;")
    assert outcome.failures[1].startswith("channel REPORTS_SLACK_URL: the environment variable")
