"""Rules tried against stored jobs without writing: a ruleset's pass rate and routing over a
window of history, and one job's decisions explained. Backs ``bidflow rules test|explain``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bidflow.config import AgencyConfig
from bidflow.errors import NotFoundError
from bidflow.models import Bidder, Decision, Job, Proposal
from bidflow.types import utcnow
from rules.triage import BidderSlot, triage_jobs

_PAGE = 5_000  # jobs judged at a time, so a long window never holds every job in memory


@dataclass
class RulesetTrial:
    """What a ruleset would have done over a window of stored jobs."""

    ruleset: str
    bidders: list[str]
    everyone: bool  # no bidder uses the ruleset, so every bidder was judged by it
    jobs: int = 0
    passed: int = 0
    routed: Counter[str] = field(default_factory=Counter)
    # (rule, jobs it failed, an example sentence), most frequent first
    failed_rules: list[tuple[str, int, str]] = field(default_factory=list)


def bidder_slots(session: Session, agency: AgencyConfig) -> list[BidderSlot]:
    """The config's bidders with their stored ids, read without syncing; a bidder not stored yet
    gets a stand-in negative id."""
    stored = {b.name: b.id for b in session.exec(select(Bidder)).all()}
    return [
        BidderSlot(id=stored.get(bidder.name) or -number, config=bidder)
        for number, bidder in enumerate(agency.bidders, start=1)
    ]


def try_ruleset(
    *, session: Session, agency: AgencyConfig, ruleset: str, since: timedelta
) -> RulesetTrial:
    """Judge the jobs posted within ``since`` by ``ruleset``'s bidders (all bidders, under that
    ruleset, when none uses it yet). Reads only; caps are not applied to the routing."""
    users = [b for b in agency.bidders if b.ruleset == ruleset]
    everyone = not users
    if everyone:
        moved = [b.model_copy(update={"ruleset": ruleset}) for b in agency.bidders]
        agency = agency.model_copy(update={"bidders": moved})
        users = list(agency.bidders)
    names = {b.name for b in users}
    slots = [slot for slot in bidder_slots(session, agency) if slot.config.name in names]
    trial = RulesetTrial(ruleset=ruleset, bidders=[s.config.name for s in slots], everyone=everyone)
    now = utcnow()
    posted = func.coalesce(col(Job.posted_at), col(Job.first_seen_at))
    failures: Counter[str] = Counter()
    examples: dict[str, str] = {}
    last_id = 0
    while True:
        page = session.exec(
            select(Job)
            .where(posted >= now - since, col(Job.id) > last_id)
            .order_by(col(Job.id))
            .limit(_PAGE)
        ).all()
        if not page:
            break
        last_id = page[-1].id or last_id
        rows = triage_jobs(page, slots, agency, now=now).rows
        _tally(trial, rows, {s.id: s.config.name for s in slots}, failures, examples)
    trial.failed_rules = [(rule, n, examples[rule]) for rule, n in failures.most_common()]
    return trial


def _tally(
    trial: RulesetTrial,
    rows: Sequence[dict[str, Any]],
    names: dict[int, str],
    failures: Counter[str],
    examples: dict[str, str],
) -> None:
    by_job: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_job.setdefault(row["job_id"], []).append(row)
    for decisions in by_job.values():
        trial.jobs += 1
        if any(d["passed"] for d in decisions):
            trial.passed += 1
            trial.routed.update(names[d["bidder_id"]] for d in decisions if d["routed"])
            continue
        # Why the job missed: the failed rules of the bidder it came closest for.
        closest = max(decisions, key=lambda d: d["score"])
        for reason in closest["reasons"]:
            if reason["status"] == "failed":
                failures[reason["rule"]] += 1
                examples.setdefault(reason["rule"], reason["message"])


@dataclass(frozen=True)
class JobStory:
    """One job and its decision per bidder (stored, or as the rules stand now)."""

    job: Job
    stored: bool
    decisions: list[dict[str, Any]]


def job_with_decisions(*, session: Session, agency: AgencyConfig, job_id: int) -> JobStory:
    """The stored decisions for ``job_id`` with bidder names, parking and proposal; a job not
    triaged yet is judged now, without storing anything."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFoundError(f"job {job_id} not found; `bidflow status` shows what is stored")
    stored = session.exec(
        select(Decision, Bidder)
        .join(Bidder, col(Bidder.id) == Decision.bidder_id)
        .where(Decision.job_id == job_id)
        .order_by(col(Decision.routed).desc(), col(Decision.score).desc())
    ).all()
    proposal = session.exec(select(Proposal).where(Proposal.job_id == job_id)).first()
    if stored:
        decisions = [
            {
                "bidder": bidder.name,
                "ruleset": decision.ruleset,
                "passed": decision.passed,
                "score": decision.score,
                "routed": decision.routed,
                "reasons": decision.reasons,
                "parked_reason": decision.parked_reason,
                "proposal": _proposal_line(proposal) if decision.routed else None,
            }
            for decision, bidder in stored
        ]
        return JobStory(job=job, stored=True, decisions=decisions)
    slots = bidder_slots(session, agency)
    names = {slot.id: slot.config.name for slot in slots}
    rows = triage_jobs([job], slots, agency, now=utcnow()).rows
    rows.sort(key=lambda row: (not row["routed"], -row["score"]))
    return JobStory(
        job=job, stored=False, decisions=[row | {"bidder": names[row["bidder_id"]]} for row in rows]
    )


def _proposal_line(proposal: Proposal | None) -> str | None:
    if proposal is None:
        return None
    return f"#{proposal.id} {proposal.status}" + (" (offline draft)" if proposal.offline else "")
