"""The Reports page (owners): the weekly per-bidder funnel, a win-rate chart and a CSV download.

The numbers come from ``analytics.weekly``; this module picks the week and renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter, Request, Response
from starlette.exceptions import HTTPException

from analytics.weekly import (
    RATES,
    STAGES,
    IsoWeek,
    funnel_csv,
    funnel_records,
    last_week,
    parse_iso_week,
    weekly_funnel,
)
from bidflow.errors import ConfigError
from bidflow.types import utcnow
from web.auth import OWNERS
from web.config_file import AgencyConfigFile, one_line
from web.deps import SessionDep
from web.templating import templates

router = APIRouter(tags=["reports"])


@dataclass(frozen=True)
class Calendar:
    """The agency's timezone, and why it is UTC when the config cannot say."""

    timezone: str
    problem: str | None


@router.get("/reports", dependencies=[OWNERS])
def reports_page(request: Request, session: SessionDep, week: str | None = None) -> Response:
    """The funnel of one ISO week (default: last week on the agency's calendar)."""
    calendar = _calendar(request)
    chosen = _week(week, calendar.timezone)
    table = weekly_funnel(session=session, week=chosen, timezone=calendar.timezone)
    context = {
        "week": str(chosen),
        "previous_week": str(chosen.shifted(-1)),
        "next_week": str(chosen.shifted(1)),
        "first_day": chosen.monday,
        "last_day": chosen.monday + timedelta(days=6),
        "timezone": calendar.timezone,
        "config_problem": calendar.problem,
        "rows": funnel_records(table),
        "stages": STAGES,
        "rates": [(name, f"{top} ÷ {bottom}") for name, top, bottom in RATES],
    }
    return templates.TemplateResponse(request, "reports.html", context)


@router.get("/reports/funnel.csv", dependencies=[OWNERS])
def funnel_download(request: Request, session: SessionDep, week: str | None = None) -> Response:
    """The same funnel as a CSV file, named after its week."""
    timezone = _calendar(request).timezone
    chosen = _week(week, timezone)
    table = weekly_funnel(session=session, week=chosen, timezone=timezone)
    filename = f"bidflow-funnel-{chosen}.csv"
    return Response(
        funnel_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _week(value: str | None, timezone: str) -> IsoWeek:
    """The week asked for, or last week; a malformed value is the caller's mistake (400)."""
    if value is None or not value.strip():
        return last_week(utcnow(), timezone)
    try:
        return parse_iso_week(value)
    except ValueError as problem:
        raise HTTPException(400, f"the week parameter is wrong: {problem}") from None


def _calendar(request: Request) -> Calendar:
    # Reports stay readable while the config is broken: weeks then follow UTC, and say so.
    config_file: AgencyConfigFile = request.app.state.agency_config
    try:
        return Calendar(config_file.load().agency.timezone, None)
    except ConfigError as exc:
        return Calendar("UTC", one_line(exc))
