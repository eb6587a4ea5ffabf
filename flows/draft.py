"""Draft: write a letter for every routed job, within each bidder's caps, into the review queue."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from bidflow import db
from bidflow.models import Decision, Proposal
from bidflow.store.decisions import routed_without_proposal
from bidflow.store.proposals import queue_proposal
from bidflow.types import utcnow
from connectors.llm import DraftRequest, DraftResult, draft_all, drafter_for
from flows.context import FlowContext, flow_context
from flows.progress import report
from prompts.assemble import proposal_prompt
from rules.guardrails import bidder_capacity

BACKLOG_LIMIT = 1_000
ACTOR = "drafter"


@dataclass
class DraftSummary:
    """What one drafting run did, per bidder."""

    drafted: Counter[str] = field(default_factory=Counter)
    offline: int = 0
    llm_failures: int = 0
    parked: Counter[str] = field(default_factory=Counter)  # bidder -> jobs left for later
    binding_caps: dict[str, str] = field(default_factory=dict)  # bidder -> the cap that binds


def _plan(context: FlowContext, summary: DraftSummary) -> list[tuple[DraftRequest, Decision]]:
    """Requests for routed jobs without a draft, as many per bidder as its caps still allow."""
    configs = {slot.id: slot.config for slot in context.bidders}
    planned: list[tuple[DraftRequest, Decision]] = []
    with db.session_scope(context.url) as session:
        pending = routed_without_proposal(session=session, limit=BACKLOG_LIMIT)
        room: dict[int, int] = {}
        now = utcnow()
        for decision, job, bidder in pending:
            config = configs.get(decision.bidder_id)
            if config is None:
                continue  # bidder removed from the config since triage
            if decision.bidder_id not in room:
                capacity = bidder_capacity(
                    session=session,
                    bidder_id=decision.bidder_id,
                    bidder=config,
                    agency=context.agency,
                    now=now,
                )
                room[decision.bidder_id] = capacity.remaining
                summary.binding_caps[bidder.name] = capacity.binding
            if room[decision.bidder_id] <= 0:
                # Parked, not dropped: the decision stays routed and is drafted when room frees.
                summary.parked[bidder.name] += 1
                continue
            room[decision.bidder_id] -= 1
            prompt = proposal_prompt(job, config, context.agency)
            request = DraftRequest(
                key=decision.id or 0,
                system=prompt.system,
                user=prompt.user,
                offline_variables=prompt.offline_variables,
            )
            planned.append((request, decision))
    return planned


def draft_backlog(context: FlowContext) -> DraftSummary:
    """Draft every routed job that has room under its bidder's caps; returns what was queued."""
    summary = DraftSummary()
    planned = _plan(context, summary)
    if not planned:
        return summary
    decisions = {request.key: decision for request, decision in planned}
    names = {slot.id: slot.config.name for slot in context.bidders}
    done = 0

    def progress(_: DraftResult) -> None:
        nonlocal done
        done += 1
        report("draft", done, len(planned))

    results = asyncio.run(
        draft_all(
            [request for request, _ in planned],
            drafter_for(context.settings),
            concurrency=context.settings.llm_concurrency,
            on_done=progress,
        )
    )
    with db.session_scope(context.url) as session:
        for result in results:
            decision = decisions[result.key]
            proposal = Proposal(
                job_id=decision.job_id,
                bidder_id=decision.bidder_id,
                draft_text=result.text,
                model=result.model,
                offline=result.offline,
                tokens_in=result.tokens_in,
                tokens_out=result.tokens_out,
                tokens_cached=result.tokens_cached,
                flags=[{"check": "offline", "reason": result.error}] if result.error else [],
            )
            if queue_proposal(session=session, proposal=proposal, actor=ACTOR) is not None:
                summary.drafted[names[decision.bidder_id]] += 1
                summary.offline += int(result.offline)
                summary.llm_failures += int(result.error is not None)
    return summary


@task(name="draft-backlog", cache_policy=NO_CACHE)
def draft_task(context: FlowContext) -> DraftSummary:
    return draft_backlog(context)


@flow(name="draft")
def draft_flow(config_path: str | None = None) -> DraftSummary:
    """Draft letters for routed jobs into the review queue; nothing is ever sent."""
    summary = draft_task(flow_context(config_path))
    logger = get_run_logger()
    logger.info(
        "draft: %d queued (%d offline, %d LLM failures), %d parked by caps",
        sum(summary.drafted.values()),
        summary.offline,
        summary.llm_failures,
        sum(summary.parked.values()),
    )
    return summary
