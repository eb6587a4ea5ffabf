"""Seen and passed, from triage decisions, aggregated by the database.

A job counts as seen in a week when it was triaged that week (``decision.decided_at``), and as
passed when it passed for at least one bidder; per bidder, each decision counts once. A job's
groups are the job's own values (a job has no send yet, so nothing was recorded at a send).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from analytics.funnel_spec import Window
from analytics.groups import spend_tier
from analytics.sql_dialect import stamp
from bidflow.models import Decision, Job

_DECISIONS = Decision.__table__  # type: ignore[attr-defined]
_JOBS = Job.__table__  # type: ignore[attr-defined]
JOB_GROUPS: tuple[str, ...] = ("category", "source", "proposals_bucket", "client_spend")


def _passed() -> Any:
    return case((_DECISIONS.c.passed, 1), else_=0)


def _in(window: Window) -> Any:
    decided = _DECISIONS.c.decided_at
    return and_(decided >= stamp(window.start), decided < stamp(window.until))


def triage_by_bidder(session: Session, window: Window) -> pd.DataFrame:
    """bidder_id, seen (decisions made for them in the week), passed."""
    query = (
        select(
            _DECISIONS.c.bidder_id,
            func.count().label("seen"),
            func.sum(_passed()).label("passed"),
        )
        .where(_in(window))
        .group_by(_DECISIONS.c.bidder_id)
    )
    return _frame(session, query, ("bidder_id", "seen", "passed"))


def triage_by_job_groups(session: Session, window: Window) -> pd.DataFrame:
    """One row per combination of the job groups: seen (jobs) and passed (jobs)."""
    per_job = (
        select(_DECISIONS.c.job_id, func.max(_passed()).label("passed"))
        .where(_in(window))
        .group_by(_DECISIONS.c.job_id)
        .subquery("per_job")
    )
    job = _JOBS
    # The tier is computed in an inner query and grouped by name outside: PostgreSQL groups
    # by an expression with bound thresholds only if it can prove both copies equal.
    jobs = (
        select(
            job.c.category,
            job.c.source,
            job.c.proposals_bucket,
            spend_tier(job.c.client_total_spent).label("client_spend"),
            per_job.c.passed,
        )
        .select_from(per_job)
        .join(job, job.c.id == per_job.c.job_id)
        .subquery("jobs")
    )
    groups = [jobs.c[name] for name in JOB_GROUPS]
    query = select(
        *groups, func.count().label("seen"), func.sum(jobs.c.passed).label("passed")
    ).group_by(*groups)
    return _frame(session, query, (*JOB_GROUPS, "seen", "passed"))


def triage_by_week(session: Session, windows: Sequence[Window]) -> pd.DataFrame:
    """week_index (into ``windows``), seen and passed jobs: one small indexed count per week
    (a job triaged in two weeks counts in both)."""
    job = _DECISIONS.c.job_id
    found = []
    for index, window in enumerate(windows):
        query = select(
            func.count(func.distinct(job)),
            func.count(func.distinct(case((_DECISIONS.c.passed, job)))),
        ).where(_in(window))
        seen, passed = session.execute(query).one()
        found.append((index, seen, passed))
    return _frame_of(found, ("week_index", "seen", "passed"))


def _frame(session: Session, query: Any, columns: Sequence[str]) -> pd.DataFrame:
    return _frame_of(session.execute(query).all(), columns)


def _frame_of(found: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame(list(found), columns=list(columns))
    for name in ("seen", "passed", "week_index", "bidder_id"):
        if name in frame.columns:
            frame[name] = pd.to_numeric(frame[name]).astype("int64")
    return frame
