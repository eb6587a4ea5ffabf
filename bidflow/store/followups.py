"""Follow-ups in the database: scheduled after a send, stopped as soon as the client answers or
the proposal moves on, each due one handed to exactly one drafting worker, and its draft
queued for review (reviewing it: ``bidflow.store.followup_review``).

A follow-up is *due* when its time has come, its proposal is still ``sent`` or ``viewed``, no
client message about the proposal arrived since the send, and no earlier follow-up of the same
proposal is still in progress. That whole condition is one SQL query, read in the same
statement that claims the row, so a reply stored before the claim always wins, however close
to the due time it came.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bidflow.errors import NotFoundError
from bidflow.models import FollowUp, Message, Proposal, ProposalStatus
from bidflow.store.events import record_event
from bidflow.store.upsert import insert_ignoring_duplicates

SCHEDULED = "scheduled"
DRAFTING = "drafting"
QUEUED = "queued"  # drafted, waiting for a reviewer
APPROVED = "approved"  # waiting for a person to send it on the marketplace
SENT = "sent"
REJECTED = "rejected"
CANCELLED = "cancelled"
# Follow-ups not finished yet: a reply or a status change cancels them (a letter drafted or
# approved but not sent must not go out after the client answered), and while one of them is
# ahead of a later one, the later one waits (a client never gets two nudges at once).
IN_PROGRESS: tuple[str, ...] = (SCHEDULED, DRAFTING, QUEUED, APPROVED)
UNDER_REVIEW: tuple[str, ...] = (QUEUED, APPROVED)
# While a proposal is sent or viewed the client has not answered: follow-ups may still go out.
AWAITING_ANSWER: tuple[str, ...] = (ProposalStatus.SENT, ProposalStatus.VIEWED)
# Message kinds that report what the marketplace saw rather than what the client said; any
# other kind (reply, invite, one a connector invents later) stops the follow-ups.
NOTICE_KINDS: tuple[str, ...] = ("view", "viewed")
ENTITY = "followup"  # the events' entity, as the table is named

_Earlier = aliased(FollowUp)


def schedule_follow_ups(
    *,
    session: Session,
    proposal_id: int,
    due_times: Sequence[datetime],
    actor: str = "scheduler",
) -> int:
    """Store follow-ups 1..n of a proposal due at ``due_times``; how many were new.

    Idempotent: a sequence number already stored is skipped by the unique (proposal_id,
    sequence) key, so scheduling again never duplicates one. Nothing is scheduled for a
    proposal the client has already answered, or that is no longer sent or viewed.
    """
    _check_increasing(due_times)
    if not _lock_if_awaiting_answer(session, proposal_id) or not due_times:
        return 0
    rows = [
        {"proposal_id": proposal_id, "sequence": number, "due_at": due, "status": SCHEDULED}
        for number, due in enumerate(due_times, start=1)
    ]
    table = FollowUp.__table__  # type: ignore[attr-defined]
    statement = insert_ignoring_duplicates(session, FollowUp).returning(table.c.sequence)
    added = sorted(session.execute(statement, rows).scalars().all())
    if added:
        record_event(
            session=session,
            entity="proposal",
            entity_id=proposal_id,
            action="follow_ups_scheduled",
            actor=actor,
            data={"due": {str(n): due_times[n - 1].isoformat() for n in added}},
        )
    return len(added)


def due_follow_ups(*, session: Session, now: datetime, limit: int = 100) -> Sequence[FollowUp]:
    """Follow-ups due at ``now`` (see the module's docstring), the longest overdue first."""
    query = _due(now).order_by(col(FollowUp.due_at), col(FollowUp.id)).limit(limit)
    return session.exec(query).all()


def count_due_follow_ups(*, session: Session, now: datetime) -> int:
    """How many follow-ups are due at ``now``: the follow-ups flow's backlog."""
    return int(session.exec(select(func.count()).select_from(_due(now).subquery())).one())


def claim_due_follow_up(
    *, session: Session, follow_up_id: int, now: datetime, actor: str
) -> FollowUp | None:
    """Move one follow-up from scheduled to drafting if it is due at ``now``; None if it is
    not (not due yet, answered, stopped, or another worker has it)."""
    claimed = _claim(session, _due(now).where(col(FollowUp.id) == follow_up_id), now, actor)
    return claimed[0] if claimed else None


def claim_due_follow_ups(
    *, session: Session, now: datetime, limit: int, actor: str
) -> list[FollowUp]:
    """Claim up to ``limit`` due follow-ups for this worker, the longest overdue first;
    concurrent workers get different ones."""
    query = _due(now).order_by(col(FollowUp.due_at), col(FollowUp.id)).limit(limit)
    return _claim(session, query, now, actor)


def cancel_follow_ups(
    *, session: Session, proposal_id: int, reason: str, at: datetime, actor: str
) -> list[int]:
    """Cancel every unfinished follow-up of a proposal (scheduled, being drafted, or drafted
    but not sent: a letter written after the client answered must not go out), one event
    each; the ids cancelled."""
    statement = (
        update(FollowUp)
        .where(col(FollowUp.proposal_id) == proposal_id, col(FollowUp.status).in_(IN_PROGRESS))
        .values(status=CANCELLED)
        .returning(col(FollowUp.id), col(FollowUp.sequence))
        .execution_options(synchronize_session=False)
    )
    cancelled = sorted(session.execute(statement).tuples().all())
    for follow_up_id, sequence in cancelled:
        record_event(
            session=session,
            entity=ENTITY,
            entity_id=follow_up_id,
            action=CANCELLED,
            actor=actor,
            data={"proposal_id": proposal_id, "sequence": sequence, "reason": reason},
            at=at,
        )
    _expire_loaded(session, [follow_up_id for follow_up_id, _ in cancelled])
    return [follow_up_id for follow_up_id, _ in cancelled]


def stop_follow_ups_on_status(
    *,
    session: Session,
    proposal_id: int,
    new_status: str,
    at: datetime,
    actor: str = "lifecycle",
) -> list[int]:
    """Cancel a proposal's follow-ups when it moves to ``new_status``, unless that status
    still awaits the client's answer (sent, viewed). Call it in the transaction that changes
    the status; the ids cancelled."""
    if new_status in AWAITING_ANSWER:
        return []
    return cancel_follow_ups(
        session=session,
        proposal_id=proposal_id,
        reason=f"the proposal became {new_status}",
        at=at,
        actor=actor,
    )


def stop_follow_ups_on_message(
    *, session: Session, proposal_id: int, kind: str, at: datetime, actor: str = "inbox"
) -> list[int]:
    """Cancel a proposal's follow-ups when a client message of ``kind`` about it is stored
    (marketplace notices such as views do not count); the ids cancelled. ``due_follow_ups``
    already ignores answered proposals; this turns their rows from scheduled to cancelled."""
    if kind in NOTICE_KINDS:
        return []
    return cancel_follow_ups(
        session=session,
        proposal_id=proposal_id,
        reason=f"the client sent a message ({kind})",
        at=at,
        actor=actor,
    )


def follow_ups_of(*, session: Session, proposal_id: int) -> Sequence[FollowUp]:
    """Every follow-up of a proposal, by sequence."""
    query = (
        select(FollowUp)
        .where(col(FollowUp.proposal_id) == proposal_id)
        .order_by(col(FollowUp.sequence))
        .execution_options(populate_existing=True)
    )
    return session.exec(query).all()


# Drafting: the flow (flows/followups.py) claims, writes the letter outside any transaction,
# then queues it here; a claim whose worker died is handed back.


@dataclass(frozen=True)
class FollowUpDraft:
    """A written follow-up letter, what the content checks found, and what writing it cost."""

    text: str
    model: str
    offline: bool
    flags: list[dict[str, str]] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_cached: int = 0
    cost_usd: float = 0.0


def queue_follow_up_draft(
    *, session: Session, follow_up_id: int, claimed_at: datetime, draft: FollowUpDraft, actor: str
) -> bool:
    """Store ``draft`` for review (drafting → queued), with a ``queued`` event; False, writing
    nothing, unless the follow-up is still drafting under the claim made at ``claimed_at``.

    The test is in the UPDATE itself, so a reply that cancelled the follow-up while its letter
    was being written wins however close it came, and a worker whose stuck claim was handed
    back (``release_stuck_follow_ups``) cannot overwrite the draft of the worker that took over.
    """
    statement = (
        update(FollowUp)
        .where(
            col(FollowUp.id) == follow_up_id,
            col(FollowUp.status) == DRAFTING,
            col(FollowUp.claimed_at) == claimed_at,
        )
        .values(
            status=QUEUED,
            draft_text=draft.text,
            final_text=None,
            flags=draft.flags,
            model=draft.model,
            offline=draft.offline,
            tokens_in=draft.tokens_in,
            tokens_out=draft.tokens_out,
            tokens_cached=draft.tokens_cached,
            cost_usd=draft.cost_usd,
        )
        .returning(col(FollowUp.proposal_id), col(FollowUp.sequence))
        .execution_options(synchronize_session=False)
    )
    row = session.execute(statement).first()
    if row is None:
        return False
    _expire_loaded(session, [follow_up_id])
    record_event(
        session=session,
        entity=ENTITY,
        entity_id=follow_up_id,
        action=QUEUED,
        actor=actor,
        data={
            "proposal_id": row.proposal_id,
            "sequence": row.sequence,
            "model": draft.model,
            "flags": sorted({flag.get("check", "check") for flag in draft.flags}),
        },
    )
    return True


def release_follow_up(
    *, session: Session, follow_up_id: int, claimed_at: datetime, reason: str, actor: str
) -> bool:
    """Hand a follow-up this worker could not draft back to ``scheduled``, so a later run tries
    again; False if it is no longer drafting under this claim."""
    mine = and_(col(FollowUp.id) == follow_up_id, col(FollowUp.claimed_at) == claimed_at)
    return bool(_release(session, mine, reason=reason, actor=actor))


def release_stuck_follow_ups(
    *, session: Session, claimed_before: datetime, actor: str
) -> list[int]:
    """Hand back to ``scheduled`` every follow-up claimed for drafting before ``claimed_before``
    (its worker died or lost the database), one ``released`` event each; the ids released."""
    stale = or_(col(FollowUp.claimed_at).is_(None), col(FollowUp.claimed_at) < claimed_before)
    reason = f"no draft from the worker that claimed it before {claimed_before:%Y-%m-%d %H:%M} UTC"
    return _release(session, stale, reason=reason, actor=actor)


def _due(now: datetime) -> SelectOfScalar[FollowUp]:
    """Follow-ups due at ``now``, joined to their proposal so every condition is one query."""
    return (
        select(FollowUp)
        .join(Proposal, col(Proposal.id) == col(FollowUp.proposal_id))
        .where(
            col(FollowUp.status) == SCHEDULED,
            col(FollowUp.due_at) <= now,
            _awaiting_answer(),
            ~_earlier_in_progress(),
        )
    )


def _awaiting_answer() -> Any:
    """The condition that the joined proposal is sent or viewed and unanswered since the send.

    Every message after the send counts, whatever its timestamp says relative to now or the due
    time: once it is stored the client has answered, and a worker's clock is not the client's.
    """
    answered = exists().where(
        col(Message.proposal_id) == col(Proposal.id),
        col(Message.received_at) >= col(Proposal.sent_at),
        col(Message.kind).not_in(NOTICE_KINDS),
    )
    return and_(
        col(Proposal.status).in_(AWAITING_ANSWER), col(Proposal.sent_at).is_not(None), ~answered
    )


def _earlier_in_progress() -> Any:
    return exists().where(
        col(_Earlier.proposal_id) == col(FollowUp.proposal_id),
        col(_Earlier.sequence) < col(FollowUp.sequence),
        col(_Earlier.status).in_(IN_PROGRESS),
    )


def _claim(
    session: Session, due: SelectOfScalar[FollowUp], now: datetime, actor: str
) -> list[FollowUp]:
    """Move the follow-ups ``due`` selects to drafting in one UPDATE, one event each.

    On PostgreSQL the selected follow-ups and their proposals are locked and rows another
    transaction holds are skipped: a concurrent worker takes others, and a proposal whose
    status is being changed right now waits for the next run. On SQLite the single UPDATE
    runs under the database's one write lock. Either way the status test in the UPDATE itself
    makes a row that changed meanwhile drop out, so no follow-up is claimed twice.
    """
    chosen = due.with_only_columns(col(FollowUp.id)).correlate(None)
    if session.get_bind().dialect.name == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True, of=[FollowUp, Proposal])
    statement = (
        update(FollowUp)
        .where(col(FollowUp.id).in_(chosen), col(FollowUp.status) == SCHEDULED)
        .values(status=DRAFTING, claimed_at=now)
        .returning(col(FollowUp.id))
        .execution_options(synchronize_session=False)
    )
    ids = sorted(session.execute(statement).scalars().all())
    if not ids:
        return []
    _expire_loaded(session, ids)
    claimed = session.exec(
        select(FollowUp).where(col(FollowUp.id).in_(ids)).order_by(col(FollowUp.due_at))
    ).all()
    for follow_up in claimed:
        record_event(
            session=session,
            entity=ENTITY,
            entity_id=_id(follow_up),
            action=DRAFTING,
            actor=actor,
            data={"proposal_id": follow_up.proposal_id, "sequence": follow_up.sequence},
            at=now,
        )
    return list(claimed)


def _lock_if_awaiting_answer(session: Session, proposal_id: int) -> bool:
    """Lock the proposal (PostgreSQL; SQLite writes one at a time anyway) and tell whether it
    still awaits the client's answer. The lock orders scheduling with status changes, which
    lock the same row: either the change sees the new rows and cancels them, or scheduling
    sees the new status and adds none."""
    locked = session.exec(
        select(Proposal.id).where(col(Proposal.id) == proposal_id).with_for_update()
    ).first()
    if locked is None:
        raise NotFoundError(f"proposal {proposal_id} not found")
    waiting = select(Proposal.id).where(col(Proposal.id) == proposal_id, _awaiting_answer())
    return session.exec(waiting).first() is not None


def _check_increasing(due_times: Sequence[datetime]) -> None:
    for earlier, later in zip(due_times, due_times[1:], strict=False):
        if later <= earlier:
            raise ValueError(
                f"follow-up due times must be strictly increasing; {later.isoformat()} follows"
                f" {earlier.isoformat()} (plan them with rules.followups.plan_follow_ups)"
            )


def _expire_loaded(session: Session, ids: Sequence[int]) -> None:
    # The UPDATEs bypass the identity map; objects this session already holds are refreshed.
    wanted = set(ids)
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, FollowUp) and loaded.id in wanted:
            session.expire(loaded)


def _release(session: Session, condition: Any, *, reason: str, actor: str) -> list[int]:
    statement = (
        update(FollowUp)
        .where(col(FollowUp.status) == DRAFTING, condition)
        .values(status=SCHEDULED, claimed_at=None)
        .returning(col(FollowUp.id), col(FollowUp.proposal_id), col(FollowUp.sequence))
        .execution_options(synchronize_session=False)
    )
    released = sorted(session.execute(statement).tuples().all())
    for follow_up_id, proposal_id, sequence in released:
        record_event(
            session=session,
            entity=ENTITY,
            entity_id=follow_up_id,
            action="released",
            actor=actor,
            data={"proposal_id": proposal_id, "sequence": sequence, "reason": reason},
        )
    ids = [follow_up_id for follow_up_id, _, _ in released]
    _expire_loaded(session, ids)
    return ids


def _id(follow_up: FollowUp) -> int:
    if follow_up.id is None:
        raise ValueError("the follow-up has not been stored")
    return follow_up.id
