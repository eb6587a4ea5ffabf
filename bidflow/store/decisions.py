"""Triage decisions: one per job and bidder, with the job's routed bidder marked."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, exists, func, or_, text, update
from sqlmodel import Session, col, select

from bidflow.models import Bidder, Decision, Job, Proposal
from bidflow.store.upsert import insert_ignoring_duplicates

# A parked reason starting with this marks a decision drafting no longer retries.
EXPIRED = "Expired: "
# The first key of draft-claim advisory locks; the second is the decision id.
_DRAFT_CLAIMS = 0x6466


def store_decisions(*, session: Session, decisions: Sequence[dict[str, Any]]) -> int:
    """Insert decisions, skipping (job, bidder) pairs already decided; returns how many were new."""
    if not decisions:
        return 0
    statement = insert_ignoring_duplicates(session, Decision).returning(Decision.__table__.c.id)  # type: ignore[attr-defined]
    return len(session.execute(statement, list(decisions)).all())


def routed_without_proposal(
    *, session: Session, limit: int, posted_after: datetime | None = None
) -> Sequence[tuple[Decision, Job, Bidder]]:
    """Routed decisions still waiting for a draft (parked ones included, expired ones not),
    freshest job first; ``posted_after`` leaves out jobs posted (or first seen) earlier."""
    query = (
        select(Decision, Job, Bidder)
        .join(Job, col(Job.id) == Decision.job_id)
        .join(Bidder, col(Bidder.id) == Decision.bidder_id)
        .where(col(Decision.routed), _no_proposal(), _not_expired())
        .order_by(col(Job.posted_at).desc(), col(Job.id))
        .limit(limit)
    )
    if posted_after is not None:
        query = query.where(_posted() >= posted_after)
    return session.exec(query).all()


def any_waiting_for_draft(*, session: Session) -> bool:
    """Whether any routed decision still waits for a draft (parked ones included): a run with
    none skips the drafting task, and the Prefect task run it would cost."""
    waiting = select(Decision.id).where(col(Decision.routed), _no_proposal(), _not_expired())
    return bool(session.execute(select(waiting.exists())).scalar_one())


def park(*, session: Session, decision_ids: Collection[int], reason: str, now: datetime) -> None:
    """Hold routed decisions back with a reason in plain words; ``parked_at`` keeps the time
    a decision was first parked."""
    if not decision_ids:
        return
    statement = (
        update(Decision)
        .where(col(Decision.id).in_(list(decision_ids)))
        .values(parked_reason=reason, parked_at=func.coalesce(Decision.parked_at, now))
    )
    session.execute(statement)


def unpark(*, session: Session, decision_id: int) -> None:
    """Clear the parked reason of a decision that has just been drafted."""
    statement = (
        update(Decision)
        .where(col(Decision.id) == decision_id)
        .values(parked_reason=None, parked_at=None)
    )
    session.execute(statement)


def expire_stale(
    *, session: Session, bidder_id: int, posted_before: datetime, reason: str, now: datetime
) -> int:
    """Mark a bidder's routed, undrafted decisions for jobs posted before ``posted_before`` as
    expired (``reason`` starts with EXPIRED), so drafting stops retrying them; returns how many."""
    stale_jobs = select(Job.id).where(_posted() < posted_before)
    statement = (
        update(Decision)
        .where(
            col(Decision.routed),
            col(Decision.bidder_id) == bidder_id,
            col(Decision.job_id).in_(stale_jobs),
            _no_proposal(),
            _not_expired(),
        )
        .values(parked_reason=reason, parked_at=func.coalesce(Decision.parked_at, now))
    )
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return int(result.rowcount)


def claim_for_drafting(*, connection: Connection, decision_ids: Sequence[int]) -> list[int]:
    """The decisions among ``decision_ids`` this process may draft: on PostgreSQL those whose
    session advisory lock it could take (another worker holds the rest), on SQLite all of them.

    ``connection`` must stay open, outside any transaction, until the drafts are stored: the
    locks last as long as it does, so they span the LLM calls without holding a transaction.
    """
    if connection.dialect.name != "postgresql" or not decision_ids:
        return list(decision_ids)
    rows = connection.execute(
        text(
            "SELECT id FROM unnest(CAST(:ids AS integer[])) AS id"
            " WHERE pg_try_advisory_lock(:ns, id)"
        ),
        {"ids": list(decision_ids), "ns": _DRAFT_CLAIMS},
    )
    return [int(row[0]) for row in rows]


def release_draft_claims(*, connection: Connection) -> None:
    """Give up every draft claim the connection holds (PostgreSQL; nothing to do on SQLite)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_unlock_all()"))


def _no_proposal() -> Any:
    return ~exists().where(col(Proposal.job_id) == col(Decision.job_id))


def _not_expired() -> Any:
    reason = col(Decision.parked_reason)
    return or_(reason.is_(None), ~reason.startswith(EXPIRED))


def _posted() -> Any:
    # A job without a posting time is as old as its first sighting.
    return func.coalesce(Job.posted_at, Job.first_seen_at)


def decisions_for_job(*, session: Session, job_id: int) -> Sequence[tuple[Decision, Bidder]]:
    query = (
        select(Decision, Bidder)
        .join(Bidder, col(Bidder.id) == Decision.bidder_id)
        .where(Decision.job_id == job_id)
        .order_by(col(Decision.score).desc())
    )
    return session.exec(query).all()


def triage_reasons(
    *, session: Session, pairs: Collection[tuple[int, int]]
) -> dict[tuple[int, int], list[dict[str, str]]]:
    """The stored reasons of each (job id, bidder id) decision, in one query for a whole page."""
    if not pairs:
        return {}
    wanted = set(pairs)
    query = select(Decision).where(col(Decision.job_id).in_({job_id for job_id, _ in wanted}))
    return {
        (d.job_id, d.bidder_id): d.reasons
        for d in session.exec(query).all()
        if (d.job_id, d.bidder_id) in wanted
    }
