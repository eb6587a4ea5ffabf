"""Reviewing drafted follow-ups, like proposals: a person edits the letter, approves it (with a
reason when it is flagged) or rejects it, then sends it on the marketplace themselves and marks
it sent here. bidflow never sends anything. Every action is an event (entity ``followup``) with
the person as actor, and is written by an UPDATE that requires the status the action was
checked against, so a reply that cancelled the follow-up a moment earlier always wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from bidflow.errors import NotFoundError, TransitionError
from bidflow.models import Bidder, FollowUp, Job, Proposal
from bidflow.store.events import record_event
from bidflow.store.followups import (
    APPROVED,
    ENTITY,
    QUEUED,
    REJECTED,
    SENT,
    UNDER_REVIEW,
)
from bidflow.store.review_rules import edited_letter, narrowed, override_reason_for
from bidflow.types import utcnow

# What a person may do to a drafted follow-up; sent and rejected are ends (a rejected one does
# not stop the later ones: the next is drafted when it is due).
MOVES: dict[str, frozenset[str]] = {
    QUEUED: frozenset({APPROVED, REJECTED}),
    APPROVED: frozenset({SENT, REJECTED}),
}
# A follow-up has no client cooldown; the offline drafter's letter is the only notice that
# informs without blocking approval (a proposal's also include client_cooldown).
NOTICE_CHECKS = frozenset({"offline"})


def get_follow_up(*, session: Session, follow_up_id: int) -> FollowUp:
    follow_up = session.get(FollowUp, follow_up_id, populate_existing=True)
    if follow_up is None:
        raise NotFoundError(f"follow-up {follow_up_id} not found")
    return follow_up


def letter_of(follow_up: FollowUp) -> str:
    """The letter as it stands: the reviewer's version if there is one, else the draft."""
    return follow_up.final_text or follow_up.draft_text or ""


def blocking_flags(follow_up: FollowUp) -> list[dict[str, str]]:
    """The flags that block approval without an override: problems found in the text."""
    return [flag for flag in follow_up.flags if flag.get("check") not in NOTICE_CHECKS]


def edit_follow_up(*, session: Session, follow_up_id: int, text: str, actor: str) -> FollowUp:
    """Replace the letter a person will send; only while it is under review."""
    follow_up = get_follow_up(session=session, follow_up_id=follow_up_id)
    if follow_up.status not in UNDER_REVIEW:
        raise TransitionError(
            f"{_name(follow_up)} is {follow_up.status}; it can no longer be edited"
        )
    cleaned = edited_letter(text, what="the follow-up")
    return _write(
        session,
        follow_up,
        to=follow_up.status,
        values={"final_text": cleaned},
        action="edited",
        actor=actor,
        data={"chars": len(cleaned)},
    )


def approve_follow_up(
    *,
    session: Session,
    follow_up_id: int,
    actor: str,
    text: str | None = None,
    override_reason: str | None = None,
) -> FollowUp:
    """Approve the drafted follow-up with the letter as the reviewer last saw it (``text``,
    when given and different, is saved first as an edit). A flagged letter needs
    ``override_reason``, recorded as an ``override`` event naming the flags."""
    follow_up = get_follow_up(session=session, follow_up_id=follow_up_id)
    _check_move(follow_up, APPROVED)
    flags = blocking_flags(follow_up)
    reason = override_reason_for(flags, override_reason, what="the follow-up")
    if text is not None and text.strip() != letter_of(follow_up):
        follow_up = edit_follow_up(
            session=session, follow_up_id=follow_up_id, text=text, actor=actor
        )
    approved = _write(
        session,
        follow_up,
        to=APPROVED,
        values={"final_text": letter_of(follow_up), "reviewer": actor},
        action=APPROVED,
        actor=actor,
    )
    if flags:
        record_event(
            session=session,
            entity=ENTITY,
            entity_id=follow_up_id,
            action="override",
            actor=actor,
            data={"flags": flags, "reason": reason},
        )
    return approved


def reject_follow_up(*, session: Session, follow_up_id: int, actor: str, reason: str) -> FollowUp:
    """Reject the drafted follow-up for a stated reason. Later follow-ups of the proposal stay
    scheduled: the next one is drafted when it is due."""
    reason = reason.strip()
    if not reason:
        raise TransitionError("say why the follow-up is rejected; the reason is required")
    follow_up = get_follow_up(session=session, follow_up_id=follow_up_id)
    _check_move(follow_up, REJECTED)
    return _write(
        session,
        follow_up,
        to=REJECTED,
        values={"reject_reason": reason, "reviewer": actor},
        action=REJECTED,
        actor=actor,
        data={"reason": reason},
    )


def mark_follow_up_sent(*, session: Session, follow_up_id: int, actor: str) -> FollowUp:
    """Record that a person sent the approved follow-up on the marketplace themselves. Later
    follow-ups of the proposal stay scheduled, due on their cadence."""
    follow_up = get_follow_up(session=session, follow_up_id=follow_up_id)
    _check_move(follow_up, SENT)
    return _write(
        session, follow_up, to=SENT, values={"sent_at": utcnow()}, action=SENT, actor=actor
    )


ReviewRow = tuple[FollowUp, Proposal, Job, Bidder]


def follow_ups_for_review(
    *,
    session: Session,
    statuses: Sequence[str] = UNDER_REVIEW,
    bidder_id: int | None = None,
    bidder_name: str | None = None,
    source: str | None = None,
    limit: int = 200,
) -> Sequence[ReviewRow]:
    """Drafted follow-ups waiting for a person (``statuses``: queued or approved) with their
    proposal, job and bidder, the longest due first; only ``bidder_id``'s or ``bidder_name``'s,
    and only for jobs from ``source``, when given."""
    query = (
        select(FollowUp, Proposal, Job, Bidder)
        .join(Proposal, col(Proposal.id) == col(FollowUp.proposal_id))
        .join(Job, col(Job.id) == col(Proposal.job_id))
        .join(Bidder, col(Bidder.id) == col(Proposal.bidder_id))
        .where(col(FollowUp.status).in_(list(statuses)))
        .order_by(col(FollowUp.due_at), col(FollowUp.id))
        .limit(limit)
    )
    narrow = narrowed(query, bidder_id=bidder_id, bidder_name=bidder_name, source=source)
    return session.exec(narrow).all()


def _check_move(follow_up: FollowUp, target: str) -> None:
    allowed = MOVES.get(follow_up.status, frozenset())
    if target not in allowed:
        can = ", ".join(sorted(allowed)) or "nothing (it has ended)"
        raise TransitionError(
            f"{_name(follow_up)} is {follow_up.status} and cannot become {target}; it can"
            f" become {can}"
        )


def _write(
    session: Session,
    follow_up: FollowUp,
    *,
    to: str,
    values: dict[str, Any],
    action: str,
    actor: str,
    data: dict[str, Any] | None = None,
) -> FollowUp:
    """Set ``values`` and status ``to`` in one UPDATE that also requires the status the caller
    checked, so a reply that cancelled the follow-up since (or another reviewer) wins; the
    event names the proposal and the sequence. Raises TransitionError when the row moved."""
    follow_up_id = _id(follow_up)
    checked = follow_up.status
    statement = (
        update(FollowUp)
        .where(col(FollowUp.id) == follow_up_id, col(FollowUp.status) == checked)
        .values(status=to, **values)
        .returning(col(FollowUp.id))
        .execution_options(synchronize_session=False)
    )
    if session.execute(statement).first() is None:
        now = get_follow_up(session=session, follow_up_id=follow_up_id).status
        raise TransitionError(
            f"{_name(follow_up)} became {now} meanwhile; reload the page to see it as it is"
        )
    record_event(
        session=session,
        entity=ENTITY,
        entity_id=follow_up_id,
        action=action,
        actor=actor,
        data={"proposal_id": follow_up.proposal_id, "sequence": follow_up.sequence, **(data or {})},
    )
    return get_follow_up(session=session, follow_up_id=follow_up_id)


def _name(follow_up: FollowUp) -> str:
    return f"follow-up #{follow_up.sequence} of proposal {follow_up.proposal_id}"


def _id(follow_up: FollowUp) -> int:
    if follow_up.id is None:
        raise ValueError("the follow-up has not been stored")
    return follow_up.id
