"""Volume guardrails: whether a bidder may queue another proposal now, and why not if not.

Every count comes from the database inside the caller's transaction. ``queue_within_guardrails``
locks, re-checks and inserts in one transaction, so the limits hold across workers; the
drafting flow also asks ``bidder_capacity`` before any LLM call so that normally no draft is
written only to be parked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bidflow.config import AgencyConfig, BidderConfig
from bidflow.models import Decision, Job, Proposal
from bidflow.store.decisions import park, unpark
from bidflow.store.proposals import (
    connects_since,
    last_proposal_to_client,
    last_queued_at,
    lock_for_queueing,
    proposals_since,
    queue_proposal,
)
from bidflow.types import utcnow
from bidflow.wording import span

# How long a routed job stays worth drafting when its ruleset sets no freshness.max_age.
DEFAULT_FRESHNESS = timedelta(hours=24)


@dataclass(frozen=True)
class Capacity:
    """How many more proposals may be queued now, the guardrail that binds, and in plain words
    why nothing more may be queued when ``remaining`` is 0."""

    remaining: int
    binding: str
    reason: str


def freshness_limit(bidder: BidderConfig, agency: AgencyConfig) -> timedelta:
    """How old a job may be and still be drafted for this bidder."""
    return agency.rulesets[bidder.ruleset].freshness.max_age or DEFAULT_FRESHNESS


def connects_estimate(agency: AgencyConfig) -> int:
    """The Connects a proposal is expected to take when it is queued."""
    return agency.agency.connects_per_job


def bidder_capacity(
    *, session: Session, bidder_id: int, bidder: BidderConfig, agency: AgencyConfig, now: datetime
) -> Capacity:
    """The smallest headroom among the bidder's guardrails (quiet hours, spacing, hourly, daily
    and weekly caps, weekly Connects) and the agency's daily cap."""
    limits = bidder_limits(session, bidder_id, bidder, agency, now)
    agency_limit = agency_capacity(session=session, agency=agency, now=now)
    if agency_limit is not None:
        limits.append(agency_limit)
    tightest = min(limits, key=lambda limit: (limit.remaining, _LASTING.index(limit.binding)))
    return Capacity(max(0, tightest.remaining), tightest.binding, tightest.reason)


def agency_capacity(*, session: Session, agency: AgencyConfig, now: datetime) -> Capacity | None:
    """Headroom under the agency-wide daily cap (agency calendar day); None without a cap."""
    cap = agency.agency.daily_cap
    if cap is None:
        return None
    zone = agency.agency.timezone
    used, _ = proposals_since(session=session, bidder_id=None, since=local_day_start(now, zone))
    reason = f"the agency's daily cap ({cap}) is used up; resumes tomorrow 00:00 {zone}"
    return Capacity(cap - used, "agency daily cap", reason)


def client_cooldown_hold(
    *, session: Session, job: Job, agency: AgencyConfig, now: datetime
) -> str | None:
    """Why this job's client may not get a proposal yet, or None if it may. A job without a
    client key cannot be checked and is let through (the draft is flagged instead)."""
    days = agency.agency.client_cooldown_days
    if days == 0 or job.client_key is None:
        return None
    cooldown = timedelta(days=days)
    previous = last_proposal_to_client(
        session=session, client_key=job.client_key, since=now - cooldown
    )
    if previous is None:
        return None
    when, title = previous
    return (
        f"this client got a proposal on {when:%Y-%m-%d} (for '{title}'); the {days}-day client"
        f" cooldown ends {when + cooldown:%Y-%m-%d %H:%M} UTC"
    )


def unchecked_client_flag(job: Job, agency: AgencyConfig) -> dict[str, str] | None:
    """A review flag for a draft whose client cooldown could not be checked."""
    if job.client_key is not None or agency.agency.client_cooldown_days == 0:
        return None
    days = agency.agency.client_cooldown_days
    return {
        "check": "client_cooldown",
        "reason": f"the job does not identify its client, so the {days}-day cooldown was not"
        " checked; make sure this client has not had a proposal recently",
    }


def queue_within_guardrails(
    *,
    session: Session,
    decision: Decision,
    job: Job,
    bidder: BidderConfig,
    agency: AgencyConfig,
    proposal: Proposal,
    actor: str,
    now: datetime | None = None,
) -> Proposal | str | None:
    """Queue ``proposal`` if every guardrail still allows it, else park ``decision``.

    Call inside ``db.session_scope(url, write=True)`` with one proposal per transaction: the
    locks are taken first, then every guardrail is counted afresh, then the row is inserted,
    so a concurrent worker that took the room in the meantime is seen. Returns the queued
    proposal, the parked reason, or None when the job already has a proposal.
    """
    checks_client = job.client_key is not None and agency.agency.client_cooldown_days > 0
    lock_for_queueing(
        session=session,
        bidder_id=decision.bidder_id,
        agency_wide=checks_client or agency.agency.daily_cap is not None,
    )
    moment = now or utcnow()  # read after the locks, so queue times follow lock order
    capacity = bidder_capacity(
        session=session, bidder_id=decision.bidder_id, bidder=bidder, agency=agency, now=moment
    )
    hold = capacity.reason if capacity.remaining <= 0 else None
    hold = hold or client_cooldown_hold(session=session, job=job, agency=agency, now=moment)
    if hold is not None:
        park(session=session, decision_ids=[_id(decision)], reason=hold, now=moment)
        return hold
    proposal.created_at = proposal.updated_at = moment
    proposal.connects_estimate = connects_estimate(agency)
    queued = queue_proposal(session=session, proposal=proposal, actor=actor)
    if queued is not None:
        unpark(session=session, decision_id=_id(decision))
    return queued


def bidder_limits(
    session: Session, bidder_id: int, bidder: BidderConfig, agency: AgencyConfig, now: datetime
) -> list[Capacity]:
    name, caps, zone = bidder.name, bidder.caps, bidder.timezone
    day_start = local_day_start(now, zone)
    week_start = local_week_start(now, zone)
    limits: list[Capacity] = []
    local = now.astimezone(ZoneInfo(zone))
    if caps.quiet_hours is not None and caps.quiet_hours.contains(local.time()):
        window = caps.quiet_hours
        reason = f"{name}'s quiet hours ({window} {zone}); resumes at {window.end:%H:%M} {zone}"
        limits.append(Capacity(0, "quiet hours", reason))
    if caps.min_spacing is not None:
        last = last_queued_at(session=session, bidder_id=bidder_id)
        if last is not None and now - last < caps.min_spacing:
            reason = (
                f"{name}'s drafts are spaced {span(caps.min_spacing)} apart; the next may be"
                f" queued at {clock(last + caps.min_spacing, zone)}"
            )
            limits.append(Capacity(0, "spacing", reason))
        else:  # one now; the next must wait its turn
            reason = (
                f"{name}'s drafts are spaced {span(caps.min_spacing)} apart; the next may be"
                f" queued {span(caps.min_spacing)} after the one just drafted"
            )
            limits.append(Capacity(1, "spacing", reason))
    hourly, oldest = proposals_since(session=session, bidder_id=bidder_id, since=now - _HOUR)
    resumes = f"at {clock(oldest + _HOUR, zone)}" if oldest else "within the hour"
    if caps.per_hour == 0:
        resumes = "when the cap is raised"
    limits.append(
        Capacity(
            caps.per_hour - hourly,
            "hourly cap",
            f"{name}'s hourly cap ({caps.per_hour}) is used up; resumes {resumes}",
        )
    )
    for label, cap, since, resumes in (
        ("daily", caps.per_day, day_start, "tomorrow"),
        ("weekly", caps.per_week, week_start, "Monday"),
    ):
        used, _ = proposals_since(session=session, bidder_id=bidder_id, since=since)
        reason = f"{name}'s {label} cap ({cap}) is used up; resumes {resumes} 00:00 {zone}"
        limits.append(Capacity(cap - used, f"{label} cap", reason))
    estimate = connects_estimate(agency)
    if caps.connects_per_week is not None and estimate > 0:
        left = caps.connects_per_week - connects_since(
            session=session, bidder_id=bidder_id, since=week_start
        )
        reason = (
            f"{name}'s weekly Connects budget ({caps.connects_per_week}) has {max(0, left)} left"
            f" and a proposal takes about {estimate}; resumes Monday 00:00 {zone}"
        )
        limits.append(Capacity(left // estimate, "weekly Connects", reason))
    return limits


_HOUR = timedelta(hours=1)
# When several guardrails are used up, the reason names the one that lasts longest.
_LASTING = (
    "quiet hours",
    "weekly Connects",
    "weekly cap",
    "agency daily cap",
    "daily cap",
    "hourly cap",
    "spacing",
)


def clock(moment: datetime, timezone: str) -> str:
    """A moment as a wall-clock time in ``timezone``: "14:05 Europe/Berlin"."""
    return f"{moment.astimezone(ZoneInfo(timezone)):%H:%M} {timezone}"


def local_day_start(now: datetime, timezone: str) -> datetime:
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _id(decision: Decision) -> int:
    if decision.id is None:
        raise ValueError("the decision has not been stored")
    return decision.id


def local_week_start(now: datetime, timezone: str) -> datetime:
    """Monday 00:00 of the current week in ``timezone``: when weekly caps and budgets reset."""
    day_start = local_day_start(now, timezone)
    return day_start - timedelta(days=day_start.weekday())
