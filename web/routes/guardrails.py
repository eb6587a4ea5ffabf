"""The Guardrails page: per bidder, how much of each cap is used and left right now, Connects
against the weekly budget, the agency's daily cap, and who is in quiet hours.

Every number comes from ``rules.guardrails`` (the limits drafting obeys) and the store functions
it counts with, so the page can never disagree with what drafting does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from sqlmodel import Session, select

from bidflow.config import AgencyConfig, BidderConfig
from bidflow.errors import ConfigError
from bidflow.models import Bidder
from bidflow.store.proposals import connects_since
from bidflow.types import utcnow
from rules.guardrails import (
    Capacity,
    agency_capacity,
    bidder_capacity,
    bidder_limits,  # the per-guardrail headroom bidder_capacity takes the minimum of
    local_week_start,
)
from web.auth import REVIEWERS
from web.config_file import AgencyConfigFile, one_line
from web.deps import SessionDep
from web.templating import templates

router = APIRouter(tags=["guardrails"])

# The labels ``rules.guardrails`` gives its limits.
_HOURLY, _DAILY, _WEEKLY, _QUIET = "hourly cap", "daily cap", "weekly cap", "quiet hours"


@dataclass(frozen=True)
class Usage:
    """How much of a limit is taken and how much is left (never below 0)."""

    used: int
    limit: int
    remaining: int


@dataclass(frozen=True)
class BidderGuardrails:
    """One bidder's row; the counts are None for a bidder not yet in the database."""

    name: str
    timezone: str
    local_time: str
    hour: Usage | None
    day: Usage | None
    week: Usage | None
    connects_used: int | None
    connects_budget: int | None
    quiet_hours: str | None  # the configured window
    quiet_now: str | None  # why nothing is queued now, when inside the window
    headroom: Capacity | None  # what bidder_capacity allows right now


@router.get("/guardrails", dependencies=[REVIEWERS])
def guardrails_page(request: Request, session: SessionDep) -> Response:
    """Caps used and left for every configured bidder, as of now."""
    now = utcnow()
    config_file: AgencyConfigFile = request.app.state.agency_config
    agency: AgencyConfig | None = None
    config_error: str | None = None
    try:
        agency = config_file.load()
    except ConfigError as exc:
        config_error = one_line(exc)
    rows = [] if agency is None else _rows(session, agency, now)
    agency_usage = None if agency is None else _agency_usage(session, agency, now)
    context = {
        "rows": rows,
        "in_quiet_hours": [row for row in rows if row.quiet_now],
        "agency_usage": agency_usage,
        "agency_timezone": agency.agency.timezone if agency else "UTC",
        "config_error": config_error,
        "config_path": str(config_file.path),
        "now_iso": now.isoformat(timespec="seconds"),
    }
    return templates.TemplateResponse(request, "guardrails.html", context)


def _rows(session: Session, agency: AgencyConfig, now: datetime) -> list[BidderGuardrails]:
    ids = {bidder.name: bidder.id for bidder in session.exec(select(Bidder)).all()}
    return [
        _bidder_row(session, bidder, ids.get(bidder.name), agency, now) for bidder in agency.bidders
    ]


def _bidder_row(
    session: Session,
    bidder: BidderConfig,
    bidder_id: int | None,
    agency: AgencyConfig,
    now: datetime,
) -> BidderGuardrails:
    caps, zone = bidder.caps, bidder.timezone
    local_time = f"{now.astimezone(ZoneInfo(zone)):%a %H:%M}"
    window = str(caps.quiet_hours) if caps.quiet_hours is not None else None
    if bidder_id is None:
        # Configured but not synced to the database yet: no proposal can have been drafted for
        # it, and none will be until `bidflow check` (or a flow run) adds it.
        return BidderGuardrails(
            name=bidder.name,
            timezone=zone,
            local_time=local_time,
            hour=None,
            day=None,
            week=None,
            connects_used=None,
            connects_budget=caps.connects_per_week,
            quiet_hours=window,
            quiet_now=None,
            headroom=None,
        )
    limits = {
        limit.binding: limit for limit in bidder_limits(session, bidder_id, bidder, agency, now)
    }
    quiet_limit = limits.get(_QUIET)
    return BidderGuardrails(
        name=bidder.name,
        timezone=zone,
        local_time=local_time,
        hour=_usage(limits[_HOURLY], caps.per_hour),
        day=_usage(limits[_DAILY], caps.per_day),
        week=_usage(limits[_WEEKLY], caps.per_week),
        connects_used=connects_since(
            session=session, bidder_id=bidder_id, since=local_week_start(now, zone)
        ),
        connects_budget=caps.connects_per_week,
        quiet_hours=window,
        quiet_now=quiet_limit.reason if quiet_limit else None,
        headroom=bidder_capacity(
            session=session, bidder_id=bidder_id, bidder=bidder, agency=agency, now=now
        ),
    )


def _agency_usage(session: Session, agency: AgencyConfig, now: datetime) -> Usage | None:
    cap = agency.agency.daily_cap
    capacity = agency_capacity(session=session, agency=agency, now=now)
    if cap is None or capacity is None:
        return None
    return _usage(capacity, cap)


def _usage(capacity: Capacity, limit: int) -> Usage:
    # A limit's headroom is its cap minus what its window counted, so the count is recovered
    # exactly (also when a lowered cap leaves the headroom negative).
    return Usage(used=limit - capacity.remaining, limit=limit, remaining=max(0, capacity.remaining))
