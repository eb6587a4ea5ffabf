"""When each follow-up of a sent proposal is due: pure planning, no database and no clock.

Follow-up ``n`` (the first ``rules.limit`` delays of ``rules.after``) is due at:

1. its earliest moment: the send plus its delay, counted in elapsed time (``2d`` is 48 hours,
   whatever a clock change does meanwhile), and never less than the previous follow-up's due
   time plus the gap between their delays. A weekend can push the first follow-up to Monday
   morning; the second then still comes its configured gap later instead of at the same moment.
2. that moment itself if it falls within business hours on a business day in the client's
   timezone; otherwise the next opening: ``business_hours.start`` of the next business day
   (of the same day if its hours have not begun yet). Openings are local wall-clock times, so
   09:00 stays 09:00 across a DST change. A day whose window a DST change removes is skipped.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from bidflow.config import AgencyConfig, BidderConfig
from bidflow.config.followups import FollowUpRules
from bidflow.config.rulesets import normal_timezone
from bidflow.models import JobBase

# Two weeks always hold a business day whose window exists, even in a week with a DST change.
_SEARCH_DAYS = 15
_OFFSET = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")


def plan_follow_ups(sent_at: datetime, rules: FollowUpRules, client_tz: tzinfo) -> list[datetime]:
    """The due times (UTC) of a proposal's follow-ups, first to last; [] when follow-ups are off."""
    if sent_at.tzinfo is None:
        raise ValueError(f"naive send time {sent_at!r}: give it a timezone (bidflow stores UTC)")
    sent = sent_at.astimezone(UTC)
    due_times: list[datetime] = []
    previous_delay = timedelta(0)
    for delay in rules.after[: rules.limit]:
        earliest = sent + delay
        if due_times:
            earliest = max(earliest, due_times[-1] + (delay - previous_delay))
        due_times.append(next_business_moment(earliest, rules, client_tz))
        previous_delay = delay
    return due_times


def next_business_moment(moment: datetime, rules: FollowUpRules, zone: tzinfo) -> datetime:
    """``moment`` (UTC) if the client's business is open then, else the next opening (UTC)."""
    moment = moment.astimezone(UTC)
    first_day = moment.astimezone(zone).date()
    for day in (first_day + timedelta(days=n) for n in range(_SEARCH_DAYS)):
        if day.weekday() not in rules.weekdays:
            continue
        opening = _utc_at(day, rules.business_hours.start, zone)
        closing = _utc_at(day, rules.business_hours.end, zone)
        candidate = max(moment, opening)
        # A window inside a DST gap maps to wall-clock times outside it; those do not count.
        if candidate < closing and is_business_moment(candidate, rules, zone):
            return candidate
    raise ValueError(
        f"no business hours ({rules.business_hours}) on any business day within"
        f" {_SEARCH_DAYS} days of {moment:%Y-%m-%d %H:%M} UTC in {zone}"
    )


def is_business_moment(moment: datetime, rules: FollowUpRules, zone: tzinfo) -> bool:
    """Whether ``moment`` is within business hours on a business day in ``zone``."""
    local = moment.astimezone(zone)
    return local.weekday() in rules.weekdays and rules.business_hours.contains(local.time())


def _utc_at(day: date, clock: time, zone: tzinfo) -> datetime:
    # Comparing aware datetimes that share a tzinfo ignores DST folds; UTC values compare right.
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def timezone_named(name: str) -> tzinfo:
    """A config or feed spelling of a timezone ("UTC+5:30", "Europe/Berlin") as a tzinfo;
    ValueError when it is neither an IANA name nor a UTC offset."""
    spelled = normal_timezone(name)
    offset = _OFFSET.match(spelled)
    if offset is None:
        return ZoneInfo(spelled)
    sign = -1 if offset[1] == "-" else 1
    shift = timedelta(hours=int(offset[2]), minutes=int(offset[3]))
    return timezone(sign * shift, spelled)


def follow_up_zone(*names: str | None) -> tzinfo:
    """The first of ``names`` that is a readable timezone (most specific first), else UTC."""
    for name in names:
        if not name:
            continue
        try:
            return timezone_named(name)
        except ValueError:
            continue  # a feed's unreadable client timezone: fall back, do not fail the send
    return UTC


def client_zone(job: JobBase, bidder: BidderConfig, agency: AgencyConfig) -> tzinfo:
    """The timezone a job's follow-ups keep business hours in: the client's; when the job does
    not say (or says something unreadable), the bidder's if the config sets one, else the
    agency's. A bidder's timezone defaults to UTC, which says nothing about their clients."""
    bidder_zone = bidder.timezone if "timezone" in bidder.model_fields_set else None
    return follow_up_zone(job.client_timezone, bidder_zone, agency.agency.timezone)
