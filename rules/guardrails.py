"""Volume guardrails: how many more proposals a bidder may queue now without risking the account.

Counts come from the database inside the caller's transaction, so they hold across workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bidflow.config import AgencyConfig, BidderConfig
from bidflow.store.proposals import proposals_since


@dataclass(frozen=True)
class Capacity:
    """How many proposals may still be queued, and the cap that binds (for the parked reason)."""

    remaining: int
    binding: str


def _start_of_day(now: datetime, timezone: str) -> datetime:
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def bidder_capacity(
    *, session: Session, bidder_id: int, bidder: BidderConfig, agency: AgencyConfig, now: datetime
) -> Capacity:
    """The smallest headroom among the bidder's hourly, daily and weekly caps and the agency's
    daily cap; days and weeks are the bidder's local calendar days."""
    day_start = _start_of_day(now, bidder.timezone)
    week_start = day_start - timedelta(days=day_start.weekday())
    limits: list[tuple[str, int, datetime, int | None]] = [
        ("hourly cap", bidder.caps.per_hour, now - timedelta(hours=1), bidder_id),
        ("daily cap", bidder.caps.per_day, day_start, bidder_id),
        ("weekly cap", bidder.caps.per_week, week_start, bidder_id),
    ]
    if agency.agency.daily_cap is not None:
        agency_day = _start_of_day(now, agency.agency.timezone)
        limits.append(("agency daily cap", agency.agency.daily_cap, agency_day, None))
    headroom = [
        (cap - proposals_since(session=session, bidder_id=who, since=since), name)
        for name, cap, since, who in limits
    ]
    remaining, binding = min(headroom)
    return Capacity(remaining=max(0, remaining), binding=binding)
