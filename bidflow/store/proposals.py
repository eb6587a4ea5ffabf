"""Proposals: queueing drafts, the review queue, and every status change with its event."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from bidflow.errors import NotFoundError, TransitionError
from bidflow.lifecycle import check_transition
from bidflow.models import Bidder, Decision, Job, Proposal, ProposalStatus
from bidflow.store.events import record_event
from bidflow.store.followups import stop_follow_ups_on_status
from bidflow.store.review_rules import edited_letter, narrowed, override_reason_for
from bidflow.store.upsert import insert_ignoring_duplicates
from bidflow.store.versions import record_letter
from bidflow.types import utcnow

REVIEWABLE = (ProposalStatus.QUEUED, ProposalStatus.APPROVED)
# Any fixed number will do: it only has to differ from other advisory locks on the database.
_AGENCY_LOCK = 0x6269_6466  # "bidf"


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
    # Follow-ups exist only once a proposal is out; review moves need no follow-up query.
    was_sent = proposal.sent_at is not None
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
    if was_sent:  # in the same transaction: a reply or hire can never race a follow-up out
        stop_follow_ups_on_status(
            session=session, proposal_id=proposal_id, new_status=target, at=now, actor=actor
        )
    return proposal


def edit_text(*, session: Session, proposal_id: int, text: str, actor: str) -> Proposal:
    """Replace the letter a reviewer will send; only drafts still under review can be edited."""
    proposal = get_proposal(session=session, proposal_id=proposal_id)
    if proposal.status not in REVIEWABLE:
        raise TransitionError(
            f"proposal {proposal_id} is {proposal.status}; it can no longer be edited"
        )
    cleaned = edited_letter(text, what="the draft")
    # Recorded before the letter changes, so a history started now begins with what it replaces.
    record_letter(session=session, proposal=proposal, text=cleaned, kind="edited", actor=actor)
    proposal.final_text = cleaned
    proposal.updated_at = utcnow()
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


def proposals_since(
    *, session: Session, bidder_id: int | None, since: datetime
) -> tuple[int, datetime | None]:
    """How many counting proposals were queued since ``since`` (for one bidder, or the whole
    agency), and when the oldest of them was queued."""
    query = select(func.count(), func.min(Proposal.created_at)).where(
        Proposal.created_at >= since, _counts()
    )
    if bidder_id is not None:
        query = query.where(Proposal.bidder_id == bidder_id)
    count, oldest = session.exec(query).one()
    return int(count), oldest


def connects_since(*, session: Session, bidder_id: int, since: datetime) -> int:
    """Connects a bidder's counting proposals took since ``since``: what was spent when a send
    recorded it, else the estimate made when the draft was queued."""
    spent = func.coalesce(Proposal.connects, Proposal.connects_estimate, 0)
    query = select(func.coalesce(func.sum(spent), 0)).where(
        Proposal.bidder_id == bidder_id,
        func.coalesce(Proposal.sent_at, Proposal.created_at) >= since,
        _counts(),
    )
    return int(session.exec(query).one())


def last_queued_at(*, session: Session, bidder_id: int) -> datetime | None:
    """When the bidder's newest counting proposal was queued (for the spacing between drafts)."""
    query = select(func.max(Proposal.created_at)).where(Proposal.bidder_id == bidder_id, _counts())
    return session.exec(query).one()


def last_proposal_to_client(
    *, session: Session, client_key: str, since: datetime
) -> tuple[datetime, str] | None:
    """When the agency last queued a counting proposal to this client since ``since``, and the
    job's title; None if it has not."""
    query = (
        select(Proposal.created_at, Job.title)
        .join(Job, col(Job.id) == Proposal.job_id)
        .where(Job.client_key == client_key, Proposal.created_at >= since, _counts())
        .order_by(col(Proposal.created_at).desc())
        .limit(1)
    )
    row = session.exec(query).first()
    return None if row is None else (row[0], row[1])


def lock_for_queueing(*, session: Session, bidder_id: int, agency_wide: bool) -> None:
    """Serialise queueing so counting and inserting are one step across processes.

    On PostgreSQL the bidder's row is locked (its caps), and with ``agency_wide`` a transaction
    advisory lock shared by the whole agency (the agency cap and client cooldowns span
    bidders). Locks are taken bidder first, one bidder per transaction, so no two transactions
    wait on each other in a cycle. SQLite needs nothing here: ``session_scope(write=True)``
    already holds the database's only write lock.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(select(Bidder.id).where(Bidder.id == bidder_id).with_for_update())
    if agency_wide:
        session.execute(select(func.pg_advisory_xact_lock(_AGENCY_LOCK)))


def _counts() -> Any:
    # A rejected draft never reaches the marketplace, so it takes no cap room, no Connects and
    # starts no client cooldown; every other status has been, or may still be, sent.
    return col(Proposal.status) != ProposalStatus.REJECTED


def approve(
    *,
    session: Session,
    proposal_id: int,
    actor: str,
    text: str | None = None,
    override_reason: str | None = None,
) -> Proposal:
    """Approve a draft with the letter as the reviewer last saw it (``text``, when given, is
    saved first as an edit if it differs), so an unsaved edit is never lost.

    A draft with content flags is approved only with ``override_reason``, recorded as an
    ``override`` event naming the flags, so a policy-breaking letter never leaves by a click.
    """
    proposal = get_proposal(session=session, proposal_id=proposal_id)
    flags = content_flags(proposal)
    reason = override_reason_for(flags, override_reason, what="the draft")
    if text is not None and text.strip() != (proposal.final_text or proposal.draft_text):
        edit_text(session=session, proposal_id=proposal_id, text=text, actor=actor)
    proposal = transition(
        session=session, proposal_id=proposal_id, to=ProposalStatus.APPROVED, actor=actor
    )
    proposal.final_text = proposal.final_text or proposal.draft_text
    proposal.reviewer = actor
    session.add(proposal)
    if flags:
        record_event(
            session=session,
            entity="proposal",
            entity_id=proposal_id,
            action="override",
            actor=actor,
            data={"flags": flags, "reason": reason},
        )
    return proposal


# Flags that inform the reviewer without blocking approval: a letter by the offline drafter,
# and a client cooldown that could not be checked (the feed does not say who the client is).
NOTICE_CHECKS = frozenset({"offline", "client_cooldown"})


def content_flags(proposal: Proposal) -> list[dict[str, str]]:
    """The flags that block approval without an override: problems found in the text."""
    return [flag for flag in proposal.flags if flag.get("check") not in NOTICE_CHECKS]


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
    """Record that a person submitted the approved proposal on the marketplace themselves.

    The event keeps the job's competition and the client's spend as they stood at the send, so
    reports group a past send by them even after the job's values change."""
    job = session.get(Job, get_proposal(session=session, proposal_id=proposal_id).job_id)
    at_send = {
        "proposals_bucket": job.proposals_bucket if job else None,
        "client_total_spent": job.client_total_spent if job else None,
    }
    proposal = transition(
        session=session,
        proposal_id=proposal_id,
        to=ProposalStatus.SENT,
        actor=actor,
        data={"bid": bid, "connects": connects, **at_send},
    )
    proposal.bid_amount = bid
    proposal.connects = connects
    session.add(proposal)
    return proposal


def jobs_with_proposal(*, session: Session, job_ids: Sequence[int]) -> set[int]:
    """Which of ``job_ids`` already have a proposal (whatever its status)."""
    if not job_ids:
        return set()
    query = select(Proposal.job_id).where(col(Proposal.job_id).in_(list(job_ids)))
    return set(session.exec(query).all())


def clients_bid_for(*, session: Session, client_keys: Collection[str]) -> set[str]:
    """Which of ``client_keys`` the agency has sent a proposal to (sent, whatever came after)."""
    keys = list(client_keys)
    if not keys:
        return set()
    query = (
        select(Job.client_key)
        .join(Proposal, col(Proposal.job_id) == Job.id)
        .where(col(Job.client_key).in_(keys), col(Proposal.sent_at).isnot(None))
        .distinct()
    )
    return {key for key in session.exec(query).all() if key is not None}


# The review desk's queue, narrowed by its filters and with what its urgency order needs.

ReviewRow = tuple[Proposal, Job, Bidder, float | None]


def review_rows(
    *,
    session: Session,
    bidder_id: int | None = None,
    bidder_name: str | None = None,
    source: str | None = None,
    limit: int = 200,
) -> Sequence[ReviewRow]:
    """Proposals waiting for a person, like ``review_queue``, each with the triage score of its
    job for its bidder (None when the job was never triaged for them); only ``bidder_id``'s or
    ``bidder_name``'s, and only jobs from ``source``, when given. Freshest job first: the desk
    sorts the page by urgency itself, and freshness decides which rows fit under ``limit``."""
    query = (
        select(Proposal, Job, Bidder, Decision.score)
        .join(Job, col(Job.id) == Proposal.job_id)
        .join(Bidder, col(Bidder.id) == Proposal.bidder_id)
        .outerjoin(
            Decision,
            and_(
                col(Decision.job_id) == Proposal.job_id,
                col(Decision.bidder_id) == Proposal.bidder_id,
            ),
        )
        .where(col(Proposal.status).in_(list(REVIEWABLE)))
        .order_by(col(Job.posted_at).desc().nulls_last(), col(Proposal.id))
        .limit(limit)
    )
    narrow = narrowed(query, bidder_id=bidder_id, bidder_name=bidder_name, source=source)
    return session.exec(narrow).all()


@dataclass(frozen=True)
class QueueFacets:
    """What the queue's filters can choose from: the bidders, feeds and flag checks of the
    proposals waiting for a person, each sorted."""

    bidders: list[str]
    sources: list[str]
    checks: list[str]


def review_facets(*, session: Session, bidder_id: int | None = None) -> QueueFacets:
    """The filter choices of the whole queue (or of ``bidder_id``'s part of it)."""
    query = (
        select(Bidder.name, Job.source, Proposal.flags)
        .join(Job, col(Job.id) == Proposal.job_id)
        .join(Bidder, col(Bidder.id) == Proposal.bidder_id)
        .where(col(Proposal.status).in_(list(REVIEWABLE)))
    )
    if bidder_id is not None:
        query = query.where(col(Proposal.bidder_id) == bidder_id)
    rows = session.exec(query).all()
    checks = {str(flag.get("check", "check")) for _, _, flags in rows for flag in flags}
    return QueueFacets(
        bidders=sorted({name for name, _, _ in rows}),
        sources=sorted({source for _, source, _ in rows}),
        checks=sorted(checks),
    )


def review_counts(*, session: Session, bidder_id: int | None = None) -> dict[str, int]:
    """How many proposals wait for a person, by status (every reviewable status, 0 if none)."""
    query = (
        select(Proposal.status, func.count())
        .where(col(Proposal.status).in_(list(REVIEWABLE)))
        .group_by(col(Proposal.status))
    )
    if bidder_id is not None:
        query = query.where(col(Proposal.bidder_id) == bidder_id)
    counts = {str(status): 0 for status in REVIEWABLE}
    counts.update({str(status): int(count) for status, count in session.exec(query).all()})
    return counts
