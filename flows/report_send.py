"""Sending the weekly report to its recipients: the email carries the page itself (its charts
as inline images, since many mail readers block data URIs) with the PDF and CSVs attached;
each apprise channel gets the headline as text and the PDF."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from analytics.charts import Chart
from analytics.render import render_report_html, report_summary_text, report_title
from analytics.report_model import WeeklyReport
from bidflow.config import AgencyConfig
from bidflow.settings import Settings
from connectors.report_delivery import DeliveryOutcome, deliver_report
from connectors.report_mail import InlineImage, ReportMail, SmtpServer
from flows.report_files import ReportFiles


def report_mail(
    report: WeeklyReport, charts: Sequence[Chart], files: ReportFiles, agency: str
) -> ReportMail:
    """The email of ``report``: subject, text and HTML parts, inline charts, attachments."""
    attached = [path.name for path in files.attachments]
    text = report_summary_text(report, agency)
    if attached:
        text += "\n\nAttached: " + ", ".join(attached) + "."
    html = render_report_html(
        report, agency=agency, charts=charts, image_source=lambda chart: f"cid:{chart.content_id}"
    )
    return ReportMail(
        subject=report_title(report, agency),
        text=text,
        html=html,
        images=[InlineImage(chart.content_id, chart.png) for chart in charts],
        attachments=files.attachments,
    )


def send_report(
    report: WeeklyReport,
    charts: Sequence[Chart],
    files: ReportFiles,
    *,
    agency: AgencyConfig,
    settings: Settings,
    environ: Mapping[str, str] | None = None,
) -> DeliveryOutcome:
    """Deliver the written report as the config's ``reports:`` section says."""
    reports = agency.reports
    return deliver_report(
        report_mail(report, charts, files, agency.agency.name),
        config=reports,
        recipients=reports.recipients_among(agency.users),
        smtp=SmtpServer.from_settings(settings),
        pdf=files.pdf,
        environ=environ,
    )
