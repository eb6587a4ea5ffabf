"""Jobs: batch insert with dedupe, and the backlog of jobs not yet triaged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists
from sqlmodel import Session, col, select

from bidflow.errors import NotFoundError
from bidflow.models import Decision, Job, JobBase
from bidflow.store.upsert import insert_ignoring_duplicates
from bidflow.types import utcnow


@dataclass(frozen=True)
class StoredJobs:
    """What a batch insert did: the new rows' ids and how many were already known."""

    new_ids: list[int]
    duplicates: int


def store_jobs(*, session: Session, jobs: Sequence[JobBase]) -> StoredJobs:
    """Insert a batch of jobs in one statement; ones already stored (same source id or same
    content hash, from any feed) are skipped, so re-ingesting a feed is harmless."""
    if not jobs:
        return StoredJobs(new_ids=[], duplicates=0)
    now = utcnow()
    rows = [{**job.model_dump(), "first_seen_at": now} for job in jobs]
    statement = insert_ignoring_duplicates(session, Job).returning(Job.__table__.c.id)  # type: ignore[attr-defined]
    new_ids = [row[0] for row in session.execute(statement, rows)]
    return StoredJobs(new_ids=new_ids, duplicates=len(rows) - len(new_ids))


def untriaged_jobs(*, session: Session, limit: int) -> Sequence[Job]:
    """The oldest ``limit`` jobs that have no decision yet."""
    undecided = ~exists().where(col(Decision.job_id) == col(Job.id))
    query = select(Job).where(undecided).order_by(col(Job.id)).limit(limit)
    return session.exec(query).all()


def get_job(*, session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFoundError(f"job {job_id} not found")
    return job
