"""Triage decisions: one per job and bidder, with the job's routed bidder marked."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import exists
from sqlmodel import Session, col, select

from bidflow.models import Bidder, Decision, Job, Proposal
from bidflow.store.upsert import insert_ignoring_duplicates


def store_decisions(*, session: Session, decisions: Sequence[dict[str, Any]]) -> int:
    """Insert decisions, skipping (job, bidder) pairs already decided; returns how many were new."""
    if not decisions:
        return 0
    statement = insert_ignoring_duplicates(session, Decision).returning(Decision.__table__.c.id)  # type: ignore[attr-defined]
    return len(session.execute(statement, list(decisions)).all())


def routed_without_proposal(
    *, session: Session, limit: int
) -> Sequence[tuple[Decision, Job, Bidder]]:
    """Routed decisions still waiting for a draft, oldest job first."""
    no_proposal = ~exists().where(col(Proposal.job_id) == col(Decision.job_id))
    query = (
        select(Decision, Job, Bidder)
        .join(Job, col(Job.id) == Decision.job_id)
        .join(Bidder, col(Bidder.id) == Decision.bidder_id)
        .where(col(Decision.routed), no_proposal)
        .order_by(col(Job.posted_at).desc(), col(Job.id))
        .limit(limit)
    )
    return session.exec(query).all()


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
