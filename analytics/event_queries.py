"""The proposals of a stretch of weeks as the event log shows them, read in a few aggregate
queries.

``proposal_history`` reads the events of [since, now) once, in time order through the index on
``event.at``, and returns one row per proposal with news in them: when the log first showed it
at each stage, what its send spent, what its drafts cost and what its hire was worth. A
proposal may have reached stages before ``since``; the same query reads how far each had got
by then from ix_event_entity_history alone (an index probe per proposal, and most find
nothing: they were drafted inside the weeks read). Which
week each moment falls in is then arithmetic (``analytics.week_rows``), so the report's week,
last week and every week of the trend come from this one read. ``job_groups`` adds the job's
groups for the proposals a table cuts, ``earlier_sends`` the sends before the weeks read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import case, func, select
from sqlmodel import Session

from analytics.funnel_spec import LIFECYCLE, PROPOSAL_STAGES, actions_at_level
from analytics.sql_dialect import among, entity_is, epoch_seconds, stamp
from bidflow.models import Event, Job, Proposal, ProposalStatus

# When the log first showed each stage, in seconds since 1970 (NaN: not before ``now``;
# -inf: before ``since``, so reached but in none of the weeks read).
STAGE_TIMES: tuple[str, ...] = tuple(f"{stage}_at" for stage in PROPOSAL_STAGES)
_NUMBERS = ("connects", "regenerations", "llm_cost_usd", "contract_value_usd", "sent_spend")
HISTORY: tuple[str, ...] = ("proposal_id", "bidder_id", "variant", *STAGE_TIMES, *_NUMBERS,
                            "sent_bucket")  # fmt: skip
JOB_COLUMNS: tuple[str, ...] = ("category", "source", "job_bucket", "job_spend", "posted_at")
SEND_COLUMNS: tuple[str, ...] = ("sent_bucket", "sent_spend", "sent_epoch")
_LEVELS = range(len(PROPOSAL_STAGES))
_SENT, _HIRED, _REGENERATED = ProposalStatus.SENT.value, ProposalStatus.HIRED.value, "regenerated"

_EVENTS = Event.__table__  # type: ignore[attr-defined]
_PROPOSALS = Proposal.__table__  # type: ignore[attr-defined]
_JOBS = Job.__table__  # type: ignore[attr-defined]


def proposal_history(session: Session, since: datetime, now: datetime) -> pd.DataFrame:
    """One row per proposal with a lifecycle event in [since, now), columns ``HISTORY``. (Events
    after the last week counted still tell its cohort's outcomes, so reading stops at ``now``.)
    """
    dialect = _dialect(session)
    event, proposal = _EVENTS, _PROPOSALS
    regenerated = event.c.action == _REGENERATED

    def on(action: str, key: str) -> Any:
        return case((event.c.action == action, event.c.data[key].as_float()))

    window = (
        select(
            event.c.entity_id.label("proposal_id"),
            # The earliest event of each level; a stage was first shown by the earliest event
            # of its level or any later one (taken below): a short test per event and level.
            *(
                func.min(case((event.c.action.in_(actions_at_level(n)), event.c.at))).label(
                    f"level_{n}"
                )
                for n in _LEVELS
            ),
            # Money follows the stage it is counted with (the send, the draft, the hire), all
            # of them inside the weeks read: no older event is needed for it.
            func.max(on(_SENT, "connects")).label("sent_connects"),
            func.sum(case((regenerated, 1), else_=0)).label("regenerations"),
            func.sum(case((regenerated, event.c.data["cost_usd"].as_float()))).label("regen_usd"),
            func.max(on(_HIRED, "contract_value_usd")).label("contract"),
            # What the send recorded of the job (older sends recorded nothing).
            func.max(on(_SENT, "client_total_spent")).label("sent_spend"),
            func.max(
                case((event.c.action == _SENT, event.c.data["proposals_bucket"].as_string()))
            ).label("sent_bucket"),
        )
        .where(
            entity_is(event.c.entity, "proposal", dialect),
            event.c.at >= stamp(since),
            event.c.at < stamp(now),
            event.c.action.in_([*LIFECYCLE, _REGENERATED]),
        )
        .group_by(event.c.entity_id)
        .subquery("window")
    )
    query = (
        select(
            window.c.proposal_id,
            proposal.c.bidder_id,
            proposal.c.template_variant,
            *(epoch_seconds(window.c[f"level_{n}"], dialect) for n in _LEVELS),
            func.coalesce(window.c.sent_connects, proposal.c.connects, 0),
            window.c.regenerations,
            proposal.c.cost_usd + func.coalesce(window.c.regen_usd, 0.0),
            window.c.contract,
            window.c.sent_spend,
            window.c.sent_bucket,
            _level_before(window.c.proposal_id, since),
        )
        .select_from(window)
        .join(proposal, proposal.c.id == window.c.proposal_id)
    )
    numbers = (*STAGE_TIMES, *_NUMBERS, "level_before")
    frame = _frame(session.execute(query).all(), (*HISTORY, "level_before"), numbers)
    times = np.fmin.accumulate(frame[list(STAGE_TIMES)].to_numpy()[:, ::-1], axis=1)[:, ::-1]
    reached = frame.pop("level_before").to_numpy()
    before = np.asarray(_LEVELS)[np.newaxis, :] <= reached[:, np.newaxis]  # NaN: never
    frame[list(STAGE_TIMES)] = np.where(before, -np.inf, times)
    return frame


def _level_before(proposal_id: Any, since: datetime) -> Any:
    """How far the proposal's events before ``since`` had taken it (NULL: no such event): an
    index-only probe into ix_event_entity_history per proposal, which finds nothing for the
    many drafted inside the weeks read."""
    earlier = _EVENTS.alias("earlier")
    level = case(*((earlier.c.action.in_(actions_at_level(n)), n) for n in reversed(_LEVELS)))
    return (
        select(func.max(level))
        .where(
            earlier.c.entity == "proposal",
            earlier.c.entity_id == proposal_id,
            earlier.c.at < stamp(since),
            earlier.c.action.in_(LIFECYCLE),
        )
        .scalar_subquery()
    )


def job_groups(session: Session, proposal_ids: Sequence[int]) -> pd.DataFrame:
    """Each proposal's job as the tables group it: category, source, the proposals bucket and
    client spend stored on the job, and the posting time in seconds since 1970."""
    dialect = _dialect(session)
    proposal, job = _PROPOSALS, _JOBS
    query = (
        select(
            proposal.c.id,
            job.c.category,
            job.c.source,
            job.c.proposals_bucket,
            job.c.client_total_spent,
            epoch_seconds(job.c.posted_at, dialect),
        )
        .select_from(proposal)
        .join(job, job.c.id == proposal.c.job_id)
        .where(among(proposal.c.id, proposal_ids, dialect))
    )
    found = session.execute(query).all()
    return _frame(found, ("proposal_id", *JOB_COLUMNS), ("job_spend", "posted_at"))


def earlier_sends(session: Session, proposal_ids: Sequence[int]) -> pd.DataFrame:
    """What the sends of ``proposal_ids`` recorded, and when they happened: for proposals sent
    before the weeks ``proposal_history`` read (a few with late news)."""
    dialect = _dialect(session)
    event, proposal = _EVENTS, _PROPOSALS

    def on_send(value: Any) -> Any:
        # An index probe into the proposal's own events per value: only these are read.
        return (
            select(func.max(value))
            .where(
                event.c.entity == "proposal",
                event.c.entity_id == proposal.c.id,
                event.c.action == _SENT,
            )
            .scalar_subquery()
        )

    query = select(
        proposal.c.id,
        on_send(event.c.data["proposals_bucket"].as_string()),
        on_send(event.c.data["client_total_spent"].as_float()),
        epoch_seconds(on_send(event.c.at), dialect),
    ).where(among(proposal.c.id, proposal_ids, dialect))
    found = session.execute(query).all()
    return _frame(found, ("proposal_id", *SEND_COLUMNS), ("sent_spend", "sent_epoch"))


def _frame(rows: Sequence[Any], columns: Sequence[str], numbers: Sequence[str]) -> pd.DataFrame:
    """Rows as a frame, the ``numbers`` as floats (NULL becoming NaN)."""
    frame = pd.DataFrame.from_records([tuple(row) for row in rows], columns=list(columns))
    return frame.astype(dict.fromkeys(numbers, "float64"))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
