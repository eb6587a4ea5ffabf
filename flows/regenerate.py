"""Regenerate: a new version of a proposal's letter, written again with a reviewer's instruction
("shorter", "mention the Shopify migration"); every earlier version stays in its history."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlmodel import select

from bidflow import db
from bidflow.config import AgencyConfig, BidderConfig
from bidflow.config.schema import proposal_variants
from bidflow.errors import NotFoundError, TransitionError
from bidflow.models import Bidder, Job, Proposal, ProposalStatus
from bidflow.settings import Settings
from bidflow.store.events import record_event
from bidflow.store.jobs import get_job
from bidflow.store.proposals import REVIEWABLE, get_proposal, transition
from bidflow.store.versions import record_letter
from connectors.embeddings import ranked_proofs
from connectors.llm import Drafter, DraftRequest, DraftResult, draft_all, drafter_for
from prompts.assemble import Revision, proposal_prompt
from rules.content import DraftContent, check_draft
from rules.guardrails import unchecked_client_flag

MAX_INSTRUCTION = 2000


@dataclass(frozen=True)
class _Source:
    """What the new version is written from, read before the LLM call (no transaction open)."""

    proposal: Proposal
    job: Job
    bidder: BidderConfig


def regenerate_proposal(
    *,
    settings: Settings,
    agency: AgencyConfig,
    url: str,
    proposal_id: int,
    instruction: str,
    actor: str,
    drafter: Drafter | None = None,
) -> Proposal:
    """Write the proposal's letter again following ``instruction`` and make it the current
    version. An approved proposal goes back to the queue; any other status is refused.

    The LLM is called outside any transaction; the new version, the proposal's text and flags,
    and the "regenerated" event are then written in one."""
    instruction = instruction.strip()
    if not instruction:
        raise TransitionError("say what to change; the instruction is required")
    if len(instruction) > MAX_INSTRUCTION:
        raise TransitionError(
            f"the instruction is too long; keep it under {MAX_INSTRUCTION} characters"
        )
    source = _read(url, proposal_id, agency)
    variant = source.proposal.template_variant
    proofs = ranked_proofs(settings, [(source.job, source.bidder.portfolio)])
    prompt = proposal_prompt(
        source.job,
        source.bidder,
        agency,
        # The proposal keeps its A/B variant unless that template has since been removed.
        variant=variant if variant in proposal_variants() else None,
        revision=Revision(instruction, source.proposal.final_text or source.proposal.draft_text),
        proof=proofs[0] if proofs is not None else None,  # None: word overlap picks
    )
    request = DraftRequest(
        key=proposal_id,
        system=prompt.system,
        user=prompt.user,
        offline_variables=prompt.offline_variables,
    )
    result = asyncio.run(draft_all([request], drafter or drafter_for(settings), concurrency=1))[0]
    flags = _flags(result, source, agency)
    with db.session_scope(url, write=True) as session:
        proposal = session.exec(
            select(Proposal).where(Proposal.id == proposal_id).with_for_update()
        ).one()
        _check_reviewable(proposal)  # again: a reviewer may have acted during the LLM call
        if proposal.status == ProposalStatus.APPROVED:
            transition(
                session=session, proposal_id=proposal_id, to=ProposalStatus.QUEUED, actor=actor
            )
        number = record_letter(
            session=session,
            proposal=proposal,
            text=result.text,
            kind="regenerated",
            actor=actor,
            instruction=instruction,
            model=result.model,
            flags=flags,
        )
        proposal.draft_text, proposal.final_text = result.text, None
        proposal.flags = flags
        proposal.model, proposal.offline = result.model, result.offline
        proposal.template_variant = prompt.variant
        session.add(proposal)
        record_event(
            session=session,
            entity="proposal",
            entity_id=proposal_id,
            action="regenerated",
            actor=actor,
            data={"version": number, "instruction": instruction, "model": result.model},
        )
    return proposal


def _read(url: str, proposal_id: int, agency: AgencyConfig) -> _Source:
    with db.session_scope(url) as session:
        proposal = get_proposal(session=session, proposal_id=proposal_id)
        _check_reviewable(proposal)
        job = get_job(session=session, job_id=proposal.job_id)
        row = session.get(Bidder, proposal.bidder_id)
    if row is None:
        raise NotFoundError(f"bidder {proposal.bidder_id} not found")
    try:
        bidder = agency.bidder(row.name)
    except KeyError:
        raise NotFoundError(
            f"bidder '{row.name}' is no longer in the agency config; add them back to regenerate"
        ) from None
    return _Source(proposal=proposal, job=job, bidder=bidder)


def _check_reviewable(proposal: Proposal) -> None:
    if proposal.status not in REVIEWABLE:
        raise TransitionError(
            f"proposal {proposal.id} is {proposal.status}; only a queued or approved draft can be"
            " regenerated"
        )


def _flags(result: DraftResult, source: _Source, agency: AgencyConfig) -> list[dict[str, str]]:
    """The new letter's review flags: how it was written, the job's, and the content checks."""
    flags: list[dict[str, str]] = []
    if result.offline:
        why = f"the LLM failed ({result.error})" if result.error else "no LLM is configured"
        flags.append(
            {
                "check": "offline",
                "reason": f"{why}, so this is the offline letter and the instruction was not"
                " applied; edit the letter by hand",
            }
        )
    if flag := unchecked_client_flag(source.job, agency):
        flags.append(flag)
    content = DraftContent(letter=result.text)
    flags.extend(check_draft(content, source.job, source.bidder, agency))
    return flags
