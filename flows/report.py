"""Reports: the owners' weekly win-rate report (HTML, PDF, CSV; emailed and sent to channels),
and the all-time per-bidder conversion table as CSV."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from time import perf_counter

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from analytics.charts import Chart, report_charts
from analytics.conversion import conversion_by_bidder
from analytics.report import build_weekly_report
from analytics.report_model import WeeklyReport
from analytics.weekly import IsoWeek, last_week, parse_iso_week
from bidflow import db
from bidflow.config.reports import ReportFormat, parse_formats
from bidflow.errors import BidflowError, ConfigError
from bidflow.types import utcnow
from connectors.report_delivery import DeliveryOutcome
from flows.context import FlowContext, flow_context
from flows.report_files import ReportFiles, write_report_files
from flows.report_retry import send_report_with_retries
from flows.run_health import summarise, tracked


@dataclass(frozen=True)
class WeeklyReportRun:
    """What one run wrote and sent, as plain text for logs, the CLI and Prefect's UI."""

    week: str
    directory: str
    paths: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class ReportIncomplete(BidflowError):
    """The report was written, but a format or a delivery failed; ``run`` says what was done."""

    def __init__(self, run: WeeklyReportRun) -> None:
        lines = [f"the report for {run.week} is in {run.directory}, but:", *run.problems]
        super().__init__("\n  ".join(lines))
        self.run = run


def build_report(context: FlowContext, week: IsoWeek, now: datetime) -> WeeklyReport:
    """The week's numbers from the event log, as ``analytics.report`` computes them."""
    with db.session_scope(context.url) as session:
        return build_weekly_report(
            session=session, week=week, timezone=context.agency.agency.timezone, now=now
        )


def choose_week(text: str | None, timezone: str, now: datetime) -> IsoWeek:
    """The week named by ``text`` ("2026-W47"), else last week on the agency's clock;
    ValueError saying how to write a week when ``text`` is not one."""
    return parse_iso_week(text) if text else last_week(now, timezone)


@task(name="weekly-report-files", cache_policy=NO_CACHE)
def write_report_task(
    context: FlowContext, week: IsoWeek, formats: list[ReportFormat], directory: Path
) -> tuple[WeeklyReport, list[Chart], ReportFiles]:
    report = build_report(context, week, utcnow())
    charts = report_charts(report)
    files = write_report_files(
        report,
        agency=context.agency.agency.name,
        directory=directory,
        formats=formats,
        charts=charts,
    )
    return report, charts, files


@task(name="weekly-report-send", cache_policy=NO_CACHE)
def send_report_task(
    context: FlowContext, report: WeeklyReport, charts: list[Chart], files: ReportFiles
) -> DeliveryOutcome:
    # No Prefect retries: an email that went out would go again. Failed ways are retried.
    return send_report_with_retries(
        report, charts, files, agency=context.agency, settings=context.settings
    )


@tracked
@flow(name="weekly-report")
def weekly_report(
    config_path: str | None = None,
    week: str | None = None,
    formats: list[str] | None = None,
    send: bool = False,
    out_dir: str | None = None,
) -> WeeklyReportRun:
    """Build the week's report (default: last week in the agency's timezone), write it in
    ``formats`` (default: the config's ``reports.formats``) under ``out_dir`` (default:
    $BIDFLOW_HOME/reports/<week>/) and, with ``send``, deliver it as ``reports:`` says.

    Raises ReportIncomplete after writing and sending whatever could be, if anything failed."""
    started = perf_counter()
    context = flow_context(config_path)
    try:
        chosen = choose_week(week, context.agency.agency.timezone, utcnow())
    except ValueError as exc:
        raise ConfigError(f"week {week!r}: {exc}") from None
    try:
        wanted = parse_formats(",".join(formats)) if formats else context.agency.reports.formats
    except ValueError as exc:
        raise ConfigError(f"formats {formats!r}: {exc}") from None
    directory = Path(out_dir) if out_dir else context.settings.home / "reports" / str(chosen)
    report, charts, files = write_report_task(context, chosen, wanted, directory)
    outcome = send_report_task(context, report, charts, files) if send else DeliveryOutcome()
    run = WeeklyReportRun(
        week=str(chosen),
        directory=str(directory),
        paths=[str(path) for path in files.paths],
        delivered=outcome.delivered,
        problems=[*files.problems, *outcome.failures],
    )
    summarise(
        "weekly-report",
        took_in=f"week {run.week}",
        gave_out=f"{len(run.paths)} files, {len(run.delivered)} deliveries",
        errors=len(run.problems),
        started=started,
        details=f"in {run.directory}; sent: {', '.join(run.delivered) or 'nothing'}",
    )
    if run.problems:
        raise ReportIncomplete(run)
    return run


def conversion_report(
    context: FlowContext, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    with db.session_scope(context.url) as session:
        return conversion_by_bidder(session=session, since=since, until=until)


@task(name="conversion-report", cache_policy=NO_CACHE)
def report_task(context: FlowContext, csv_path: str | None) -> pd.DataFrame:
    table = conversion_report(context)
    if csv_path:
        Path(csv_path).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(csv_path, index=False)
    return table


@tracked
@flow(name="report")
def report_flow(config_path: str | None = None, csv_path: str | None = None) -> pd.DataFrame:
    """Compute the all-time per-bidder conversion table (and write it as CSV when a path is
    given): ``bidflow report --csv``."""
    started = perf_counter()
    table = report_task(flow_context(config_path), csv_path)
    summarise(
        "report",
        took_in=f"{table['drafted'].sum()} proposals drafted",
        gave_out=f"{len(table)} bidder rows",
        errors=0,
        started=started,
        details=f"CSV at {csv_path}" if csv_path else "",
    )
    return table
