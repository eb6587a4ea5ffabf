"""Proposals: queueing drafts, the review queue, and every status change with its event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bidflow.errors import NotFoundError, TransitionError
from bidflow.lifecycle import check_transition
from bidflow.models import Bidder, Job, Proposal, ProposalStatus
from bidflow.store.events import record_event
from bidflow.store.upsert import insert_ignoring_duplicates
from bidflow.types import utcnow

REVIEWABLE = (ProposalStatus.QUEUED, ProposalStatus.APPROVED)


def queue_proposal(*, session: Session, proposal: Proposal, actor: str) -> Proposal | None:
    """Queue a draft for review; None if the job already has a proposal (drafting is idempotent)."""
    values = proposal.model_dump(exclude={"id"})
    statement = insert_ignoring_duplicates(session, Proposal).returning(Proposal.__table__.c.id)  # type: ignore[attr-defined]
    new_id = session.execute(statement, [values]).scalar_one_or_none()
    if new_id is None:
        return None
    record_event(
        session=session,
        entity="proposal",
        entity_id=new_id,
        action=ProposalStatus.QUEUED,
        actor=actor,
        data={"job_id": proposal.job_id, "bidder_id": proposal.bidder_id, "model": proposal.model},
    )
    return session.get(Proposal, new_id)


def get_proposal(*, session: Session, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFoundError(f"proposal {proposal_id} not found")
    return proposal


def transition(
    *,
    session: Session,
    proposal_id: int,
    to: str,
    actor: str,
    data: dict[str, Any] | None = None,
) -> Proposal:
    """Move a proposal to ``to`` if the lifecycle allows it, recording who did it and when.

    The row is locked first (FOR UPDATE on PostgreSQL) so two reviewers cannot both act on it.
    """
    query = select(Proposal).where(Proposal.id == proposal_id).with_for_update()
    proposal = session.exec(query).first()
    if proposal is None:
        raise NotFoundError(f"proposal {proposal_id} not found")
    target = check_transition(proposal.status, to)
    now = utcnow()
    proposal.status = target
    proposal.updated_at = now
    if target is ProposalStatus.SENT:
        proposal.sent_at = now
    session.add(proposal)
    record_event(
        session=session,
        entity="proposal",
        entity_id=proposal_id,
        action=target,
        actor=actor,
        data=data,
        at=now,
    )
    return proposal


def edit_text(*, session: Session, proposal_id: int, text: str, actor: str) -> Proposal:
    """Replace the letter a reviewer will send; only drafts still under review can be edited."""
    proposal = get_proposal(session=session, proposal_id=proposal_id)
    if proposal.status not in REVIEWABLE:
        raise TransitionError(
            f"proposal {proposal_id} is {proposal.status}; it can no longer be edited"
        )
    cleaned = text.strip()
    if not cleaned:
        raise TransitionError("the letter is empty; write something or reject the draft")
    proposal.final_text = cleaned
    proposal.updated_at = utcnow()
    session.add(proposal)
    record_event(
        session=session,
        entity="proposal",
        entity_id=proposal_id,
        action="edited",
        actor=actor,
        data={"chars": len(cleaned)},
    )
    return proposal


def review_queue(
    *, session: Session, statuses: Sequence[str] = REVIEWABLE, limit: int = 200
) -> Sequence[tuple[Proposal, Job, Bidder]]:
    """Proposals waiting for a person, freshest job first (fresh jobs convert best)."""
    query = (
        select(Proposal, Job, Bidder)
        .join(Job, col(Job.id) == Proposal.job_id)
        .join(Bidder, col(Bidder.id) == Proposal.bidder_id)
        .where(col(Proposal.status).in_(list(statuses)))
        .order_by(col(Job.posted_at).desc().nulls_last(), col(Proposal.id))
        .limit(limit)
    )
    return session.exec(query).all()


def proposals_since(*, session: Session, bidder_id: int | None, since: datetime) -> int:
    """How many proposals were queued since ``since`` (for one bidder, or the whole agency)."""
    query = select(func.count()).select_from(Proposal).where(Proposal.created_at >= since)
    if bidder_id is not None:
        query = query.where(Proposal.bidder_id == bidder_id)
    return int(session.exec(query).one())


def approve(*, session: Session, proposal_id: int, actor: str, text: str | None = None) -> Proposal:
    """Approve a draft with the letter as the reviewer last saw it (``text``, when given, is
    saved first as an edit if it differs), so an unsaved edit is never lost."""
    proposal = get_proposal(session=session, proposal_id=proposal_id)
    if text is not None and text.strip() != (proposal.final_text or proposal.draft_text):
        edit_text(session=session, proposal_id=proposal_id, text=text, actor=actor)
    proposal = transition(
        session=session, proposal_id=proposal_id, to=ProposalStatus.APPROVED, actor=actor
    )
    proposal.final_text = proposal.final_text or proposal.draft_text
    proposal.reviewer = actor
    session.add(proposal)
    return proposal


def reject(*, session: Session, proposal_id: int, actor: str, reason: str) -> Proposal:
    """Reject a draft for a stated reason (reasons show later which jobs to stop drafting)."""
    reason = reason.strip()
    if not reason:
        raise TransitionError("say why the draft is rejected; the reason is required")
    proposal = transition(
        session=session,
        proposal_id=proposal_id,
        to=ProposalStatus.REJECTED,
        actor=actor,
        data={"reason": reason},
    )
    proposal.reject_reason = reason
    proposal.reviewer = actor
    session.add(proposal)
    return proposal


def mark_sent(
    *, session: Session, proposal_id: int, actor: str, bid: float | None, connects: int | None
) -> Proposal:
    """Record that a person submitted the approved proposal on the marketplace themselves."""
    proposal = transition(
        session=session,
        proposal_id=proposal_id,
        to=ProposalStatus.SENT,
        actor=actor,
        data={"bid": bid, "connects": connects},
    )
    proposal.bid_amount = bid
    proposal.connects = connects
    session.add(proposal)
    return proposal
