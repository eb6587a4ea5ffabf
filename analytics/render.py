"""The weekly report as one self-contained HTML page (inline CSS, charts as data URIs) that
prints well on A4, and as a short plain-text summary for email and chat.

Every name in a report (bidders, categories, variants) comes from the config or from jobs, so
the template escapes every value (Jinja autoescape); nothing here marks text as safe.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from analytics import report_format as fmt
from analytics.charts import Chart, report_charts
from analytics.report_model import Change, ReportTable, WeeklyReport
from analytics.report_tables import TableView, table_view

TEMPLATES = Path(__file__).parent / "templates"
# The page's sections, each starting on a new printed page; a table whose slug is not listed
# here still appears, in a last section, so a new table is never silently left out.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Funnel by bidder", ("funnel_by_bidder",)),
    (
        "Where replies and wins come from",
        (
            "funnel_by_variant",
            "funnel_by_category",
            "funnel_by_source",
            "funnel_by_proposals_bucket",
            "funnel_by_client_spend",
            "funnel_by_send_hour",
        ),
    ),
    ("Speed and cost", ("speed_to_send", "costs")),
    ("A/B tests and trend", ("ab_tests", "weekly_trend")),
)
ImageSource = Callable[[Chart], str]


@dataclass(frozen=True)
class HeadlineView:
    label: str
    value: str
    previous: str
    change: fmt.ChangeText


@dataclass(frozen=True)
class TableBlock:
    table: TableView
    charts: list[Chart]


@dataclass(frozen=True)
class SectionView:
    title: str
    blocks: list[TableBlock]


def report_title(report: WeeklyReport, agency: str = "") -> str:
    """ "Weekly report 2026-W47 · 16–22 Nov 2026" (with the agency's name in front if given)."""
    title = f"Weekly report {report.week} · {fmt.week_dates(report.start, report.end)}"
    return f"{agency} — {title}" if agency else title


def render_report_html(
    report: WeeklyReport,
    *,
    agency: str = "",
    charts: Sequence[Chart] | None = None,
    image_source: ImageSource | None = None,
) -> str:
    """The whole report as HTML. ``charts`` defaults to :func:`report_charts`; ``image_source``
    says how the page refers to a chart (default: a data URI; an email uses ``cid:``)."""
    drawn = list(report_charts(report) if charts is None else charts)
    source = image_source or (lambda chart: chart.data_uri)
    generated = report.generated_at.astimezone(ZoneInfo(report.timezone))
    return (
        _environment()
        .get_template("weekly_report.html.j2")
        .render(
            title=report_title(report, agency),
            agency=agency,
            week=str(report.week),
            dates=fmt.week_dates(report.start, report.end),
            timezone=report.timezone,
            generated=f"{generated:%Y-%m-%d %H:%M} {report.timezone}",
            headline=[headline_view(change) for change in report.headline],
            verdicts=report.verdicts,
            sections=sections(report.tables, drawn),
            image_source=source,
        )
    )


def headline_view(change: Change) -> HeadlineView:
    return HeadlineView(
        label=change.label,
        value=fmt.figure(change.kind, change.value),
        previous=fmt.figure(change.kind, change.previous),
        change=fmt.change(change),
    )


def sections(tables: Sequence[ReportTable], charts: Sequence[Chart]) -> list[SectionView]:
    """The tables grouped into the page's sections (empty sections dropped), each table with
    the charts that illustrate it."""
    by_slug = {table.slug: table for table in tables}
    placed = {slug for _, slugs in SECTIONS for slug in slugs}
    layout = [*SECTIONS, ("More", tuple(t.slug for t in tables if t.slug not in placed))]
    result = []
    for title, slugs in layout:
        blocks = [
            TableBlock(table_view(by_slug[slug]), [c for c in charts if c.slug == slug])
            for slug in slugs
            if slug in by_slug
        ]
        if blocks:
            result.append(SectionView(title, blocks))
    return result


def report_summary_text(report: WeeklyReport, agency: str = "") -> str:
    """The headline and the A/B verdicts as plain text: the email's text part, a chat message."""
    lines = [report_title(report, agency), f"Times in {report.timezone}.", ""]
    for change in report.headline:
        view = headline_view(change)
        moved = "" if view.change.tone == "none" else f" ({view.change} vs {view.previous})"
        lines.append(f"{view.label}: {view.value}{moved}")
    if report.verdicts:
        lines += ["", "A/B tests:"]
        lines += [f"- {v.a} vs {v.b}: {v.text}" for v in report.verdicts]
    return "\n".join(lines)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value, whatever the template's file name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["percent"] = fmt.percent
    environment.filters["points"] = fmt.points
    return environment
