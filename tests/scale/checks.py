"""What must hold in bidflow's database once several workers (one of them killed) are done: each
problem found is one readable line, so a failing test says everything that is wrong at once."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bidflow import db
from bidflow.config import AgencyConfig, BidderConfig
from bidflow.models import Bidder, Decision, Event, Job, Proposal, ProposalVersion
from bidflow.types import utcnow
from rules.guardrails import bidder_capacity

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Snapshot:
    """The rows the checks read, in one transaction."""

    jobs: dict[int, Job]
    decisions: list[Decision]
    proposals: list[Proposal]
    bidders: dict[str, int]  # name -> id
    queued_events: Counter[int]  # proposal id -> "queued" events
    versions: Counter[int]  # proposal id -> letter versions


def snapshot(url: str) -> Snapshot:
    with db.session_scope(url) as session:
        events = session.exec(
            select(Event.entity_id).where(Event.entity == "proposal", Event.action == "queued")
        ).all()
        return Snapshot(
            jobs={job.id: job for job in session.exec(select(Job)).all() if job.id is not None},
            decisions=list(session.exec(select(Decision)).all()),
            proposals=list(session.exec(select(Proposal)).all()),
            bidders={b.name: b.id for b in session.exec(select(Bidder)).all() if b.id},
            queued_events=Counter(events),
            versions=Counter(session.exec(select(ProposalVersion.proposal_id)).all()),
        )


def unfinished(url: str, bidders: int) -> int:
    """Jobs not yet in a terminal state: undecided for some bidder, or routed and neither
    drafted nor parked with a reason. Zero when the work is done."""
    data = snapshot(url)
    decided = Counter(d.job_id for d in data.decisions)
    drafted = {p.job_id for p in data.proposals}
    waiting = {
        d.job_id
        for d in data.decisions
        if d.routed and d.job_id not in drafted and not d.parked_reason
    }
    return sum(1 for job_id in data.jobs if decided[job_id] < bidders) + len(waiting)


def problems(url: str, agency: AgencyConfig, external_ids: Iterable[str]) -> list[str]:
    """Everything wrong with the final state: lost or duplicated jobs, jobs not in exactly one
    terminal state, duplicate drafts, broken caps or budgets, room left while jobs wait."""
    data = snapshot(url)
    found = _jobs(data, set(external_ids)) + _terminal(data, len(agency.bidders))
    found += _drafts(data)
    by_id = {bidder_id: name for name, bidder_id in data.bidders.items()}
    mine: defaultdict[str, list[Proposal]] = defaultdict(list)
    for proposal in data.proposals:
        mine[by_id[proposal.bidder_id]].append(proposal)
    for bidder in agency.bidders:
        found += _caps(bidder, mine[bidder.name])
    found += _room_left(url, agency, data)
    return found


def _jobs(data: Snapshot, published: set[str]) -> list[str]:
    stored = Counter(job.external_id for job in data.jobs.values())
    found = []
    if lost := published - set(stored):
        found.append(f"{len(lost)} published jobs were never stored, e.g. {sorted(lost)[:3]}")
    if twice := [key for key, count in stored.items() if count > 1]:
        found.append(f"{len(twice)} jobs stored twice, e.g. {twice[:3]}")
    if extra := set(stored) - published:
        found.append(f"{len(extra)} jobs stored that were never published")
    return found


def _terminal(data: Snapshot, bidders: int) -> list[str]:
    found = []
    per_job: defaultdict[int, list[Decision]] = defaultdict(list)
    for decision in data.decisions:
        per_job[decision.job_id].append(decision)
    drafted = {p.job_id: p for p in data.proposals}
    for job_id in data.jobs:
        decisions = per_job[job_id]
        routed = [d for d in decisions if d.routed]
        proposal = drafted.get(job_id)
        if len(decisions) != bidders or len({d.bidder_id for d in decisions}) != bidders:
            found.append(f"job {job_id}: {len(decisions)} decisions, not one per bidder")
        elif len(routed) > 1:
            found.append(f"job {job_id}: routed to {len(routed)} bidders")
        elif not routed and proposal is not None:
            found.append(f"job {job_id}: drafted although routed to nobody")
        elif routed and proposal is None and not routed[0].parked_reason:
            found.append(f"job {job_id}: routed, but neither drafted nor parked with a reason")
        elif routed and proposal is not None and routed[0].parked_reason:
            found.append(f"job {job_id}: drafted and still parked ({routed[0].parked_reason})")
        elif routed and proposal is not None and proposal.bidder_id != routed[0].bidder_id:
            found.append(f"job {job_id}: drafted for a bidder it was not routed to")
    return found


def _drafts(data: Snapshot) -> list[str]:
    found = []
    jobs = Counter(p.job_id for p in data.proposals)
    found += [f"job {job_id}: {n} proposals" for job_id, n in jobs.items() if n > 1]
    for proposal in data.proposals:
        assert proposal.id is not None
        if data.queued_events[proposal.id] != 1 or data.versions[proposal.id] != 1:
            found.append(
                f"proposal {proposal.id}: {data.queued_events[proposal.id]} queued events and"
                f" {data.versions[proposal.id]} versions, not one of each"
            )
    clients = Counter(
        data.jobs[p.job_id].client_key for p in data.proposals if data.jobs[p.job_id].client_key
    )
    found += [f"client {key}: {n} proposals in cooldown" for key, n in clients.items() if n > 1]
    return found


def _caps(bidder: BidderConfig, proposals: list[Proposal]) -> list[str]:
    """Every cap in every window the guardrails count in: the rolling hour, the bidder's local
    day and week, and the week's Connects."""
    caps, zone = bidder.caps, ZoneInfo(bidder.timezone)
    times = sorted(p.created_at for p in proposals)
    hours = Counter({t: _within(times, t - HOUR, t) for t in times})
    days = Counter(t.astimezone(zone).date() for t in times)
    weeks = Counter(t.astimezone(zone).isocalendar()[:2] for t in times)
    connects: Counter[tuple[int, int]] = Counter()
    for p in proposals:
        connects[p.created_at.astimezone(zone).isocalendar()[:2]] += p.connects_estimate or 0
    found = _over(f"{bidder.name}: drafts in the hour to", hours, caps.per_hour)
    found += _over(f"{bidder.name}: drafts on", days, caps.per_day)
    found += _over(f"{bidder.name}: drafts in week", weeks, caps.per_week)
    if caps.connects_per_week is not None:
        found += _over(f"{bidder.name}: Connects in week", connects, caps.connects_per_week)
    return found


def _over(what: str, counts: Counter[Any], cap: int) -> list[str]:
    return [f"{what} {window}: {n}, over {cap}" for window, n in counts.items() if n > cap]


def _within(times: list[datetime], start: datetime, end: datetime) -> int:
    return sum(1 for t in times if start < t <= end)


def _room_left(url: str, agency: AgencyConfig, data: Snapshot) -> list[str]:
    """Nothing lost to a dead worker: a bidder with parked jobs has no room left now (every
    bidder here is routed far more jobs than its caps allow)."""
    parked = Counter(d.bidder_id for d in data.decisions if d.routed and d.parked_reason)
    found = []
    with Session(db.get_engine(url)) as session:
        for bidder in agency.bidders:
            bidder_id = data.bidders[bidder.name]
            room = bidder_capacity(
                session=session, bidder_id=bidder_id, bidder=bidder, agency=agency, now=utcnow()
            ).remaining
            if parked[bidder_id] and room > 0:
                found.append(f"{bidder.name}: {parked[bidder_id]} jobs parked with room for {room}")
    return found


def drafted_per_bidder(url: str) -> dict[str, int]:
    data = snapshot(url)
    by_id = {bidder_id: name for name, bidder_id in data.bidders.items()}
    return dict(Counter(by_id[p.bidder_id] for p in data.proposals))
