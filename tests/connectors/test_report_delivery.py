"""The weekly report delivered to real receivers on 127.0.0.1: an SMTP server (aiosmtpd) gets
the email with the page, its inline charts, the PDF and the CSVs; a JSON webhook gets the
summary with the PDF through apprise. Failures name what to fix and stop nothing else."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from analytics.charts import Chart, report_charts
from analytics.report_model import TABLE_SLUGS, WeeklyReport
from bidflow.config import AgencyConfig
from bidflow.settings import Settings
from connectors.report_mail import ReportMail, build_email
from flows.report_files import ReportFiles, write_report_files
from flows.report_send import send_report
from tests.analytics.report_fixtures import sample_report
from tests.connectors.notify.servers import Mailbox, smtp_server, webhook
from tests.connectors.servers import unused_port
from tests.factories import agency_config

pytestmark = pytest.mark.browser  # the report's PDF is printed by Chromium once per module

OWNERS = ("owner@agency.test", "cofounder@agency.test")
USERS = [
    {"email": OWNERS[0], "name": "Olga", "role": "owner"},
    {"email": "lead@agency.test", "name": "Lee", "role": "sales_lead"},
    {"email": OWNERS[1], "name": "Carl", "role": "owner"},
]


@dataclass(frozen=True)
class Written:
    report: WeeklyReport
    charts: list[Chart]
    files: ReportFiles


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Written:
    """The sample report written once in every format (Chromium prints the PDF)."""
    report = sample_report()
    charts = report_charts(report)
    directory = tmp_path_factory.mktemp("report")
    files = write_report_files(
        report,
        agency="Northwind",
        directory=directory,
        formats=["html", "pdf", "csv"],
        charts=charts,
    )
    assert files.problems == [] and files.pdf is not None
    return Written(report, charts, files)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


def _agency(reports: dict[str, Any] | None = None) -> AgencyConfig:
    return agency_config(
        agency={"name": "Northwind", "timezone": "Europe/Berlin"},
        users=USERS,
        reports=reports or {},
    )


def _smtp(port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_from": "reports@agency.test",
    }
    return Settings(**{**values, **overrides})


def test_the_owners_get_an_email_with_the_page_charts_pdf_and_csvs(
    written: Written, mailbox: Mailbox
) -> None:
    outcome = send_report(
        written.report,
        written.charts,
        written.files,
        agency=_agency(),
        settings=_smtp(mailbox.port),
    )

    assert outcome.failures == []
    assert outcome.delivered == [f"email to {OWNERS[0]}, {OWNERS[1]}"]
    ((envelope, mail),) = mailbox.mails
    assert envelope == list(OWNERS)  # the owners, not the sales lead
    assert mail["Subject"] == "Northwind — Weekly report 2026-W47 · 16–22 Nov 2026"
    assert mail["From"] == "reports@agency.test"
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None and "Reply rate: 22% (▲ +3.0 pts vs 19%)" in text.get_content()
    html = mailbox.html_of(0)
    assert '<img src="cid:funnel-by-bidder@bidflow.report"' in html and "data:image" not in html
    inline = {part["Content-ID"]: part for part in mail.walk() if part["Content-ID"]}
    assert set(inline) == {f"<{chart.content_id}>" for chart in written.charts}
    assert inline["<weekly-trend@bidflow.report>"].get_content() == written.charts[2].png
    attachments = {part.get_filename(): part for part in mail.iter_attachments()}
    pdf = attachments.pop("weekly-report-2026-W47.pdf")
    assert pdf.get_content_type() == "application/pdf"
    assert (
        pdf.get_content() == (written.files.directory / "weekly-report-2026-W47.pdf").read_bytes()
    )
    assert set(attachments) == {"headline.csv", *(f"{slug}.csv" for slug in TABLE_SLUGS)}
    assert "Ana Ribeiro" in attachments["funnel_by_bidder.csv"].get_content()


def test_a_json_channel_gets_the_summary_with_the_pdf_attached(
    written: Written, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = _agency({"email": False, "channels": ["REPORTS_HOOK_URL"]})
    with webhook() as hook:
        environ = {"REPORTS_HOOK_URL": hook.url("/reports")}
        outcome = send_report(
            written.report,
            written.charts,
            written.files,
            agency=agency,
            settings=_smtp(unused_port()),
            environ=environ,
        )

        assert (outcome.delivered, outcome.failures) == (["REPORTS_HOOK_URL"], [])
        (payload,) = hook.payloads
    assert payload["title"] == "Northwind — Weekly report 2026-W47 · 16–22 Nov 2026"
    assert "Proposals sent: 50 (▲ +25% vs 40)" in payload["message"]
    (attachment,) = payload["attachments"]
    assert attachment["filename"] == "weekly-report-2026-W47.pdf"
    assert base64.b64decode(attachment["base64"]).startswith(b"%PDF-")


def test_missing_smtp_settings_and_channel_variables_are_named(written: Written) -> None:
    agency = _agency({"channels": ["REPORTS_SLACK_URL"]})
    outcome = send_report(
        written.report,
        written.charts,
        written.files,
        agency=agency,
        settings=Settings(smtp_host=None),
        environ={},
    )

    assert outcome.delivered == []
    assert outcome.failures[0].startswith("email: BIDFLOW_SMTP_HOST is not set;")
    assert "reports.email: false" in outcome.failures[0]
    assert outcome.failures[1].startswith("channel REPORTS_SLACK_URL: the environment variable")


def test_an_unreachable_server_fails_the_email_but_the_channel_still_gets_it(
    written: Written,
) -> None:
    agency = _agency({"channels": ["REPORTS_HOOK_URL"]})
    with webhook() as hook:
        outcome = send_report(
            written.report,
            written.charts,
            written.files,
            agency=agency,
            settings=_smtp(unused_port()),
            environ={"REPORTS_HOOK_URL": hook.url()},
        )
        assert len(hook.payloads) == 1

    assert outcome.delivered == ["REPORTS_HOOK_URL"]
    (failure,) = outcome.failures
    assert failure.startswith("email: could not send through 127.0.0.1:")
    assert failure.endswith("check BIDFLOW_SMTP_HOST and BIDFLOW_SMTP_PORT")


def test_listed_recipients_replace_the_owners_and_nobody_is_an_error(
    written: Written, mailbox: Mailbox
) -> None:
    listed = _agency({"recipients": ["accounts@agency.test"]})
    send_report(
        written.report, written.charts, written.files, agency=listed, settings=_smtp(mailbox.port)
    )
    assert [to for to, _ in mailbox.mails] == [["accounts@agency.test"]]

    nobody = agency_config(users=[USERS[1]])  # a sales lead, no owner
    outcome = send_report(
        written.report, written.charts, written.files, agency=nobody, settings=_smtp(mailbox.port)
    )
    assert outcome.failures == [
        "email: nobody to send to; the config has no user with role owner and"
        " reports.recipients is empty: add one, or set reports.email: false"
    ]
    assert len(mailbox.mails) == 1


def test_a_server_that_wants_tls_is_explained(written: Written, mailbox: Mailbox) -> None:
    outcome = send_report(
        written.report,
        written.charts,
        written.files,
        agency=_agency(),
        settings=_smtp(mailbox.port, smtp_security="starttls"),
    )
    (failure,) = outcome.failures
    assert "does not offer STARTTLS" in failure and "BIDFLOW_SMTP_SECURITY" in failure
    assert mailbox.mails == []


def test_a_line_break_in_a_name_cannot_add_mail_headers() -> None:
    mail = ReportMail(
        subject="Evil\r\nBcc: all@evil.test\nWeekly report", text="t", html="<p>h</p>"
    )
    message = build_email(mail, sender="reports@agency.test", recipients=["owner@agency.test"])
    assert message["Subject"] == "Evil Bcc: all@evil.test Weekly report"
    assert message["Bcc"] is None
    assert b"\nBcc:" not in message.as_bytes()
