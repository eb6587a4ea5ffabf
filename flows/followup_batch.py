"""One batch of the follow-ups flow: claim due follow-ups, write each letter outside any
transaction, run the content checks, and queue each draft for review in its own transaction.

A draft is queued only if its follow-up is still drafting under this claim: a client answer
(or a later status) stored while the letter was being written cancelled it, and wins; the
draft is then dropped, counted and logged."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bidflow import db
from bidflow.config import AgencyConfig, BidderConfig
from bidflow.models import Bidder, FollowUp, Job, Proposal
from bidflow.store.followups import (
    FollowUpDraft,
    claim_due_follow_ups,
    queue_follow_up_draft,
    release_follow_up,
)
from connectors.llm import DraftRequest, DraftResult, draft_all
from connectors.llm_cost import cost_usd
from connectors.llm_followup import follow_up_drafter
from flows.context import FlowContext
from prompts.assemble import followup_prompt
from rules.followup_content import check_follow_up

ACTOR = "followup-drafter"
BATCH_SIZE = 20

log = logging.getLogger("bidflow.followups")


@dataclass
class BatchResult:
    """What one batch did with the follow-ups it claimed."""

    claimed: int = 0
    queued: int = 0
    offline: int = 0  # of the queued, written by the offline drafter
    dropped: int = 0  # cancelled while being drafted: the draft was not stored
    failed: int = 0  # could not be drafted; handed back to be tried on a later run


@dataclass(frozen=True)
class Claim:
    """Which follow-up this worker claimed, and when: its draft is stored under this claim."""

    follow_up_id: int
    claimed_at: datetime


@dataclass(frozen=True)
class Claimed:
    """A claimed follow-up and what its prompt needs, read before any LLM call."""

    claim: Claim
    job: Job
    bidder: BidderConfig
    letter: str  # the proposal as it was sent
    sent_at: datetime


def draft_batch(context: FlowContext, *, now: datetime, size: int = BATCH_SIZE) -> BatchResult:
    """Claim up to ``size`` follow-ups due at ``now`` and queue a reviewed-to-be draft of each."""
    result = BatchResult()
    with db.session_scope(context.url, write=True) as session:
        claimed = claim_due_follow_ups(session=session, now=now, limit=size, actor=ACTOR)
        result.claimed = len(claimed)
        ready = [(_claim(f), _read(session, f, context.agency)) for f in claimed]
    sources: list[Claimed] = []
    for claim, source in ready:
        if isinstance(source, str):
            _give_back(context, claim, source, result)
        else:
            sources.append(source)
    if not sources:
        return result
    try:
        requests = [_request(source, context.agency, now) for source in sources]
        drafter = follow_up_drafter(context.settings)
        concurrency = context.settings.llm_concurrency
        drafts = asyncio.run(draft_all(requests, drafter, concurrency=concurrency))
    except Exception as exc:  # a bug, not the LLM (it falls back): hand the batch back, say why
        log.exception("follow-ups: a batch of %d could not be drafted", len(sources))
        for source in sources:
            _give_back(
                context, source.claim, f"drafting failed: {type(exc).__name__}: {exc}", result
            )
        return result
    for source, drafted in zip(sources, drafts, strict=True):
        _queue(context, source, drafted, result)
    return result


def _claim(follow_up: FollowUp) -> Claim:
    if follow_up.id is None or follow_up.claimed_at is None:
        raise ValueError("a claimed follow-up has an id and a claim time")
    return Claim(follow_up_id=follow_up.id, claimed_at=follow_up.claimed_at)


def _read(session: Session, follow_up: FollowUp, agency: AgencyConfig) -> Claimed | str:
    """What drafting ``follow_up`` needs, or why it cannot be drafted now."""
    proposal = session.get(Proposal, follow_up.proposal_id)
    job = None if proposal is None else session.get(Job, proposal.job_id)
    row = None if proposal is None else session.get(Bidder, proposal.bidder_id)
    if proposal is None or job is None or row is None or proposal.sent_at is None:
        return f"proposal {follow_up.proposal_id} or its job or bidder is missing"
    try:
        bidder = agency.bidder(row.name)
    except KeyError:
        return f"bidder '{row.name}' is no longer in the agency config"
    return Claimed(
        claim=_claim(follow_up),
        job=job,
        bidder=bidder,
        letter=proposal.final_text or proposal.draft_text,
        sent_at=proposal.sent_at,
    )


def _request(source: Claimed, agency: AgencyConfig, now: datetime) -> DraftRequest:
    prompt = followup_prompt(
        source.job, source.bidder, agency, letter=source.letter, sent_at=source.sent_at, now=now
    )
    return DraftRequest(
        key=source.claim.follow_up_id,
        system=prompt.system,
        user=prompt.user,
        # The same day count as the prompt's, for prompts/offline_followup.j2.
        offline_variables={
            "job": source.job,
            "bidder": source.bidder,
            "sent_days_ago": max(0, (now - source.sent_at).days),
        },
    )


def _queue(
    context: FlowContext, source: Claimed, drafted: DraftResult, result: BatchResult
) -> None:
    flags = [{"check": "offline", "reason": drafted.error}] if drafted.error else []
    flags += check_follow_up(drafted.text, source.job, source.bidder, context.agency)
    draft = FollowUpDraft(
        text=drafted.text,
        model=drafted.model,
        offline=drafted.offline,
        flags=flags,
        tokens_in=drafted.tokens_in,
        tokens_out=drafted.tokens_out,
        tokens_cached=drafted.tokens_cached,
        cost_usd=cost_usd(drafted, context.agency.llm),
    )
    with db.session_scope(context.url, write=True) as session:
        stored = queue_follow_up_draft(
            session=session,
            follow_up_id=source.claim.follow_up_id,
            claimed_at=source.claim.claimed_at,
            draft=draft,
            actor=ACTOR,
        )
    if stored:
        result.queued += 1
        result.offline += int(drafted.offline)
        return
    result.dropped += 1
    log.info(
        "follow-up %d: draft dropped; it stopped drafting while being written (a client"
        " answer or status change cancelled it, or its stuck claim was handed back)",
        source.claim.follow_up_id,
    )


def _give_back(context: FlowContext, claim: Claim, reason: str, result: BatchResult) -> None:
    """Hand a follow-up this batch could not draft back to ``scheduled`` for a later run."""
    with db.session_scope(context.url, write=True) as session:
        release_follow_up(
            session=session,
            follow_up_id=claim.follow_up_id,
            claimed_at=claim.claimed_at,
            reason=reason,
            actor=ACTOR,
        )
    result.failed += 1
    log.warning("follow-up %d: not drafted, tried on a later run: %s", claim.follow_up_id, reason)
