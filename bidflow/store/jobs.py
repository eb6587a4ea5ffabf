"""Jobs: batch insert with dedupe and repost links, and the backlog of jobs not yet triaged."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlmodel import Session, col

from bidflow.errors import NotFoundError
from bidflow.fingerprint import canonical_key, client_fingerprint
from bidflow.models import Decision, Job, JobAlias, JobBase
from bidflow.store.upsert import bulk_insert_ignoring_duplicates, insert_ignoring_duplicates
from bidflow.types import utcnow

# Parameters per IN (...) query; SQLite's limit is 32,766, PostgreSQL's 65,535.
_LOOKUP_CHUNK = 5_000


@dataclass(frozen=True)
class StoredJobs:
    """What a batch insert did: the new rows' ids, sightings already known, and sightings of a
    stored job through another feed or as a repost (linked as aliases)."""

    new_ids: list[int]
    duplicates: int
    linked: int = 0


def known_external_ids(*, session: Session, source: str, external_ids: Collection[str]) -> set[str]:
    """Which of ``external_ids`` this source has delivered before (as a job or an alias)."""
    ids = list(dict.fromkeys(external_ids))
    known: set[str] = set()
    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[start : start + _LOOKUP_CHUNK]
        # Plain SQL: compiling an IN of thousands of bound values through SQLAlchemy costs
        # more than the query, and a re-poll of a large feed asks this for every item.
        markers = ", ".join([marker] * len(chunk))
        for table in ("job", "jobalias"):
            rows = connection.exec_driver_sql(
                f"SELECT external_id FROM {table} WHERE source = {marker}"
                f" AND external_id IN ({markers})",
                (source, *chunk),
            )
            known.update(row[0] for row in rows)
    return known


def store_jobs(*, session: Session, jobs: Sequence[JobBase]) -> StoredJobs:
    """Insert a batch of jobs in one statement. A job already stored under the same source id,
    canonical key (the same posting through another feed) or content (a repost) is not stored
    again; the new sighting is linked to the stored job instead, so re-ingesting is harmless."""
    if not jobs:
        return StoredJobs(new_ids=[], duplicates=0)
    now = utcnow()
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for job in jobs:
        # The validated field values as they are: model_dump() would deep-copy every job's raw
        # payload, the largest cost of a bulk insert after the insert itself.
        row = dict(vars(job))
        row["canonical_key"] = row["canonical_key"] or canonical_key(job.url, job.external_id)
        row["client_key"] = row["client_key"] or client_fingerprint(
            job.client_country, job.client_member_since
        )
        rows.setdefault((job.source, job.external_id), row | {"first_seen_at": now})
    for source, external_ids in _ids_by_source(rows.values()).items():
        for known in known_external_ids(session=session, source=source, external_ids=external_ids):
            del rows[(source, known)]
    fresh = list(rows.values())
    if not fresh:
        return StoredJobs(new_ids=[], duplicates=len(jobs))
    # A driver-level executemany (no RETURNING) is several times faster on both databases;
    # the new rows' ids are read back in one query per source afterwards.
    bulk_insert_ignoring_duplicates(session, Job, fresh)
    new_ids: list[int] = []
    for source, external_ids in _ids_by_source(fresh).items():
        for job_id, external_id in _stored_ids(session, source, external_ids, now):
            if rows.pop((source, external_id), None) is not None:
                new_ids.append(job_id)
    linked = _link_aliases(session, list(rows.values()))
    return StoredJobs(new_ids=new_ids, duplicates=len(jobs) - len(new_ids) - linked, linked=linked)


def _ids_by_source(rows: Collection[dict[str, Any]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for row in rows:
        grouped.setdefault(row["source"], []).append(row["external_id"])
    return grouped


def _stored_ids(
    session: Session, source: str, external_ids: list[str], stamp: datetime
) -> list[tuple[int, str]]:
    """(id, external_id) of this source's jobs among ``external_ids`` first seen at ``stamp``:
    the rows this call inserted, not ones a concurrent worker stored a moment earlier."""
    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    # The stamp as the driver stores it, so the comparison happens in the database.
    stored_stamp = Job.__table__.c.first_seen_at.type._cached_bind_processor(connection.dialect)  # type: ignore[attr-defined]
    bound = stored_stamp(stamp) if stored_stamp else stamp
    found: list[tuple[int, str]] = []
    for start in range(0, len(external_ids), _LOOKUP_CHUNK):
        chunk = external_ids[start : start + _LOOKUP_CHUNK]
        rows = connection.exec_driver_sql(
            f"SELECT id, external_id FROM job WHERE first_seen_at = {marker}"
            f" AND source = {marker} AND external_id IN ({', '.join([marker] * len(chunk))})",
            (bound, source, *chunk),
        )
        found.extend((int(job_id), str(external_id)) for job_id, external_id in rows)
    return found


def _link_aliases(session: Session, sightings: list[dict[str, Any]]) -> int:
    """Record rows that clashed with a stored job (same canonical key or content) as aliases."""
    if not sightings:
        return 0
    keys = {row["canonical_key"] for row in sightings if row["canonical_key"]}
    hashes = {row["content_hash"] for row in sightings}
    query = select(col(Job.id), col(Job.canonical_key), col(Job.content_hash)).where(
        or_(col(Job.canonical_key).in_(keys), col(Job.content_hash).in_(hashes))
    )
    by_key: dict[str, int] = {}
    by_hash: dict[str, int] = {}
    for job_id, key, digest in session.execute(query):
        if key:
            by_key[key] = job_id
        by_hash[digest] = job_id
    aliases = []
    for row in sightings:
        same_posting = by_key.get(row["canonical_key"] or "")
        original = same_posting or by_hash.get(row["content_hash"])
        if original is None:
            continue  # a concurrent writer's row we cannot see yet; the next poll links it
        aliases.append(
            {
                "job_id": original,
                "source": row["source"],
                "external_id": row["external_id"],
                "url": row["url"],
                "kind": "duplicate" if same_posting else "repost",
                "seen_at": row["first_seen_at"],
            }
        )
    if not aliases:
        return 0
    statement = insert_ignoring_duplicates(session, JobAlias).returning(JobAlias.__table__.c.id)  # type: ignore[attr-defined]
    return len(session.execute(statement, aliases).all())


def untriaged_jobs(*, session: Session, limit: int) -> Sequence[Job]:
    """The oldest ``limit`` jobs that have no decision yet, claimed for this transaction.

    On PostgreSQL the rows are locked and rows another worker has locked are skipped, so
    concurrent triage runs take different batches. A job whose decisions a worker committed
    just after this query began may still be returned; its decisions are then skipped on
    insert by their unique key. On SQLite, call this inside ``session_scope(write=True)``:
    the write lock lets one process triage at a time.
    """
    undecided = ~exists().where(col(Decision.job_id) == col(Job.id))
    query = select(Job).where(undecided).order_by(col(Job.id)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Job)
    return session.execute(query).scalars().all()


def any_untriaged(*, session: Session) -> bool:
    """Whether any job still has no decision: a run with none skips the triage task."""
    undecided = select(col(Job.id)).where(~exists().where(col(Decision.job_id) == col(Job.id)))
    return bool(session.execute(select(undecided.exists())).scalar_one())


def get_job(*, session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFoundError(f"job {job_id} not found")
    return job
