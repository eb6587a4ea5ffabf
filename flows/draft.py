"""Draft: write a letter for every routed job, within each bidder's guardrails, into the review
queue. Jobs a guardrail holds back are parked with the reason and retried on later runs while
they are fresh."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from time import perf_counter

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from bidflow import db
from bidflow.models import Proposal
from bidflow.store.decisions import claim_for_drafting, release_draft_claims
from bidflow.store.versions import record_letter
from bidflow.types import utcnow
from connectors.llm import DraftResult, draft_all, drafter_for
from connectors.llm_cost import cost_usd
from flows.context import FlowContext, flow_context
from flows.draft_plan import PlannedDraft, plan_drafts, prepare_drafts
from flows.drafting_lock import sqlite_drafting_lock
from flows.progress import report
from flows.run_health import summarise, tracked
from rules.content import DraftContent, check_draft
from rules.guardrails import queue_within_guardrails, unchecked_client_flag

ACTOR = "drafter"


@dataclass
class DraftSummary:
    """What one drafting run did, per bidder."""

    drafted: Counter[str] = field(default_factory=Counter)
    offline: int = 0
    llm_failures: int = 0
    parked: Counter[str] = field(default_factory=Counter)  # bidder -> jobs left for later
    binding_caps: dict[str, str] = field(default_factory=dict)  # bidder -> the guardrail that binds
    expired: int = 0  # parked or waiting jobs that went stale and are no longer retried


Claim = Callable[[Sequence[int]], list[int]]


def _claim_nothing(_ids: Sequence[int]) -> list[int]:
    return []


@contextmanager
def _draft_claims(url: str) -> Iterator[Claim]:
    """Claims on routed decisions that last the whole run, LLM calls included, so concurrent
    workers draft different jobs (PostgreSQL session advisory locks on a connection held open
    outside any transaction). SQLite has no such locks: one drafting run at a time holds a
    lock file beside the database (SQLite lives on one machine), and claims every decision."""
    engine = db.get_engine(url)
    if engine.dialect.name != "postgresql":
        with sqlite_drafting_lock(engine.url.database) as held:
            # Another run on this machine holds the database's drafting: claim nothing, so
            # no letter is paid for twice; the next run drafts what is left.
            yield list if held else _claim_nothing
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        try:
            yield lambda ids: claim_for_drafting(connection=connection, decision_ids=ids)
        finally:
            release_draft_claims(connection=connection)


def draft_backlog(context: FlowContext, *, now: datetime | None = None) -> DraftSummary:
    """Draft every routed job the guardrails leave room for; park the rest with the reason.

    ``now`` anchors planning (freshness, capacity); queueing re-checks at the current time
    unless ``now`` is given (tests pin it)."""
    summary = DraftSummary()
    with _draft_claims(context.url) as claim:
        with db.session_scope(context.url, write=True) as session:
            plan = plan_drafts(session=session, context=context, claim=claim, now=now or utcnow())
        summary.parked.update(plan.parked)
        summary.binding_caps.update(plan.binding)
        summary.expired = plan.expired
        if plan.chosen:
            # Prompts are written after planning's transaction: ranking proof may call a server.
            _draft_and_queue(context, prepare_drafts(plan.chosen, context), summary, now)
    return summary


def _draft_and_queue(
    context: FlowContext,
    planned: list[PlannedDraft],
    summary: DraftSummary,
    now: datetime | None,
) -> None:
    done = 0
    by_key = {item.request.key: item for item in planned}

    def queue_as_it_arrives(result: DraftResult) -> None:
        # A letter joins the review queue the moment it is written, not when the batch's
        # slowest one is: the first minutes after a posting decide whether it is read.
        nonlocal done
        _queue(context, by_key[result.key], result, summary, now)
        done += 1
        report("draft", done, len(planned))

    # The LLM calls run outside any transaction; each result is queued in its own.
    asyncio.run(
        draft_all(
            [item.request for item in planned],
            drafter_for(context.settings),
            concurrency=context.settings.llm_concurrency,
            on_done=queue_as_it_arrives,
        )
    )


def _queue(
    context: FlowContext,
    item: PlannedDraft,
    result: DraftResult,
    summary: DraftSummary,
    now: datetime | None,
) -> None:
    """Queue one written letter within the guardrails (or park it), counting what happened."""
    proposal = draft_proposal(item, result, context)
    # One transaction per proposal: it locks one bidder, then re-checks every guardrail.
    with db.session_scope(context.url, write=True) as session:
        outcome = queue_within_guardrails(
            session=session,
            decision=item.decision,
            job=item.job,
            bidder=item.bidder,
            agency=context.agency,
            proposal=proposal,
            actor=ACTOR,
            now=now,
        )
        if isinstance(outcome, Proposal):
            # The first version lands with the proposal: never one without the other.
            record_letter(
                session=session,
                proposal=outcome,
                text=outcome.draft_text,
                kind="draft",
                actor=ACTOR,
                model=outcome.model,
                flags=list(outcome.flags),
            )
    if outcome is None:
        return  # drafted by another worker meanwhile
    if isinstance(outcome, str):
        summary.parked[item.bidder.name] += 1  # a concurrent worker took the room
        return
    summary.drafted[item.bidder.name] += 1
    summary.offline += int(result.offline)
    summary.llm_failures += int(result.error is not None)


def draft_proposal(item: PlannedDraft, result: DraftResult, context: FlowContext) -> Proposal:
    """The proposal to queue for ``result``: the letter and its structured extras, what it
    cost, and a flag for each content check it fails (offline letters are checked too)."""
    answers = [{"question": q, "answer": a} for q, a in result.screening_answers]
    content = DraftContent(
        letter=result.text,
        screening_answers=answers,
        client_questions=list(result.client_questions),
    )
    flags = [{"check": "offline", "reason": result.error}] if result.error else []
    flags += check_draft(content, item.job, item.bidder, context.agency)
    if flag := unchecked_client_flag(item.job, context.agency):
        flags.append(flag)
    return Proposal(
        job_id=item.decision.job_id,
        bidder_id=item.decision.bidder_id,
        draft_text=result.text,
        model=result.model,
        offline=result.offline,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        tokens_cached=result.tokens_cached,
        cost_usd=cost_usd(result, context.agency.llm),
        template_variant=item.variant,
        flags=flags,
        screening_answers=answers,
        client_questions=list(result.client_questions),
        suggested_bid=result.suggested_bid,
        rationale=result.rationale,
    )


@task(name="draft-backlog", cache_policy=NO_CACHE)
def draft_task(context: FlowContext) -> DraftSummary:
    return draft_backlog(context)


@tracked
@flow(name="draft")
def draft_flow(config_path: str | None = None) -> DraftSummary:
    """Draft letters for routed jobs into the review queue; nothing is ever sent."""
    started = perf_counter()
    summary = draft_task(flow_context(config_path))
    queued, parked = sum(summary.drafted.values()), sum(summary.parked.values())
    summarise(
        "draft",
        took_in=f"{queued + parked + summary.expired} routed jobs",
        gave_out=f"{queued} drafts queued",
        errors=summary.llm_failures,  # each still got the offline letter, flagged
        started=started,
        details=f"{summary.offline} offline, {parked} parked by guardrails,"
        f" {summary.expired} expired",
    )
    return summary
