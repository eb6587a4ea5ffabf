"""Planning a drafting run: which routed jobs get a draft now, which are parked and why, and
which have gone stale. Planning counts capacity as it stands, so normally no draft is written
only to be parked; the queueing transaction re-checks anyway."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bidflow.config import BidderConfig, PortfolioItem
from bidflow.models import Decision, Job
from bidflow.store.decisions import EXPIRED, expire_stale, park, routed_without_proposal
from bidflow.store.proposals import jobs_with_proposal
from bidflow.wording import span
from connectors.embeddings import ranked_proofs
from connectors.llm import DraftRequest
from flows.context import FlowContext
from prompts import screening_questions
from prompts.assemble import proposal_prompt
from rules.guardrails import (
    Capacity,
    agency_capacity,
    bidder_capacity,
    client_cooldown_hold,
    freshness_limit,
)

# Every routed job waiting for a draft is considered each run, so each gets drafted or a reason.
BACKLOG_LIMIT = 20_000


@dataclass(frozen=True)
class PlannedDraft:
    """A routed job to draft now: the request for the drafter, and what queueing it needs."""

    request: DraftRequest
    decision: Decision
    job: Job
    bidder: BidderConfig
    variant: str  # the proposal template variant the prompt was written from


@dataclass(frozen=True)
class Chosen:
    """A routed job planning chose to draft now, before its prompt is written."""

    decision: Decision
    job: Job
    bidder: BidderConfig


@dataclass
class DraftPlan:
    """A run's plan: jobs to draft; per bidder, how many jobs wait and the binding guardrail."""

    chosen: list[Chosen] = field(default_factory=list)
    parked: Counter[str] = field(default_factory=Counter)
    binding: dict[str, str] = field(default_factory=dict)
    expired: int = 0


def plan_drafts(
    *,
    session: Session,
    context: FlowContext,
    claim: Callable[[Sequence[int]], list[int]],
    now: datetime,
) -> DraftPlan:
    """Expire stale routed jobs, then plan drafts for the fresh ones this worker could claim,
    as many per bidder as its guardrails allow now; park the others with the reason."""
    plan = DraftPlan()
    configs = {slot.id: slot.config for slot in context.bidders}
    limits = {bidder_id: freshness_limit(c, context.agency) for bidder_id, c in configs.items()}
    for bidder_id, limit in limits.items():
        plan.expired += expire_stale(
            session=session,
            bidder_id=bidder_id,
            posted_before=now - limit,
            reason=f"{EXPIRED}posted more than {span(limit)} ago before a guardrail let it"
            " through; no longer retried",
            now=now,
        )
    if not limits:
        return plan
    pending = routed_without_proposal(
        session=session, limit=BACKLOG_LIMIT, posted_after=now - max(limits.values())
    )
    claimed = set(claim([_id(decision) for decision, _, _ in pending]))
    # Read after claiming: a worker that held a claim until now has committed its proposals.
    drafted = jobs_with_proposal(session=session, job_ids=[d.job_id for d, _, _ in pending])
    capacities: dict[int, Capacity] = {}
    room: dict[int, int] = {}
    agency_room = agency_capacity(session=session, agency=context.agency, now=now)
    agency_left = agency_room.remaining if agency_room else None
    clients: set[str] = set()
    holds: defaultdict[str, list[int]] = defaultdict(list)
    for decision, job, _ in pending:
        config = configs.get(decision.bidder_id)
        if config is None or _id(decision) not in claimed or decision.job_id in drafted:
            continue  # bidder removed since triage, or another worker has the job
        if _posted(job) < now - limits[decision.bidder_id]:
            continue  # stale for this bidder's ruleset (expired above unless just gone stale)
        if decision.bidder_id not in capacities:
            capacity = bidder_capacity(
                session=session,
                bidder_id=decision.bidder_id,
                bidder=config,
                agency=context.agency,
                now=now,
            )
            capacities[decision.bidder_id] = capacity
            room[decision.bidder_id] = capacity.remaining
            plan.binding[config.name] = capacity.binding
        if room[decision.bidder_id] <= 0:
            hold: str | None = capacities[decision.bidder_id].reason
        elif agency_room is not None and agency_left is not None and agency_left <= 0:
            hold = agency_room.reason
        elif job.client_key is not None and job.client_key in clients:
            hold = "this client gets another proposal in this run; one per client cooldown"
        else:
            hold = client_cooldown_hold(session=session, job=job, agency=context.agency, now=now)
        if hold is not None:
            holds[hold].append(_id(decision))
            plan.parked[config.name] += 1
            continue
        room[decision.bidder_id] -= 1
        agency_left = None if agency_left is None else agency_left - 1
        if job.client_key is not None and context.agency.agency.client_cooldown_days > 0:
            clients.add(job.client_key)
        plan.chosen.append(Chosen(decision, job, config))
    for reason, decision_ids in holds.items():
        park(session=session, decision_ids=decision_ids, reason=reason, now=now)
    return plan


def prepare_drafts(chosen: Sequence[Chosen], context: FlowContext) -> list[PlannedDraft]:
    """The draft requests for the chosen jobs. With embeddings configured, every job's proof is
    ranked in one batch first (one request to the server); else, or when that fails, by word
    overlap. Call it outside any transaction: it may wait on the embeddings server."""
    proofs = ranked_proofs(context.settings, [(c.job, c.bidder.portfolio) for c in chosen])
    return [
        _planned(c, context, proofs[n] if proofs is not None else None)
        for n, c in enumerate(chosen)
    ]


def _planned(
    chosen: Chosen, context: FlowContext, proof: Sequence[PortfolioItem] | None
) -> PlannedDraft:
    decision, job, bidder = chosen.decision, chosen.job, chosen.bidder
    prompt = proposal_prompt(job, bidder, context.agency, proof=proof)
    request = DraftRequest(
        key=_id(decision),
        system=prompt.system,
        user=prompt.user,
        offline_variables=prompt.offline_variables,
        screening_questions=tuple(screening_questions(job)),
    )
    return PlannedDraft(
        request=request, decision=decision, job=job, bidder=bidder, variant=prompt.variant
    )


def _posted(job: Job) -> datetime:
    # A job without a posting time is as old as its first sighting (as in the store's queries).
    return job.posted_at or job.first_seen_at


def _id(decision: Decision) -> int:
    if decision.id is None:
        raise ValueError("the decision has not been stored")
    return decision.id
