"""Flow health: one row per finished flow run, each flow's last run, and the owners' alert when
a flow keeps failing. Written by the flows' state hooks (``flows/run_health.py``)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from bidflow.models import FlowRunRecord
from bidflow.store.alerts import raise_alert

# States a run can end in that count as failing; "Completed" ends a run of failures.
FAILED_STATES = frozenset({"Failed", "Crashed", "TimedOut"})
# Pruning: a flow's rows older than KEEP_FOR go, and any beyond its newest KEEP_ROWS. A flow
# run every minute keeps its last 1,000 runs (16 hours); a weekly one its last month.
KEEP_FOR = timedelta(days=30)
KEEP_ROWS = 1_000


@dataclass(frozen=True)
class FlowOutcome:
    """How one flow run ended, as its hook saw it."""

    flow: str
    run_id: str
    started_at: datetime
    finished_at: datetime
    state: str
    summary: str | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.state in FAILED_STATES


def record_flow_run(
    *, session: Session, outcome: FlowOutcome, alert_after: int
) -> FlowRunRecord | None:
    """Store ``outcome`` (None if this run is already stored), carrying the flow's failures in
    a row on from its previous row; at the ``alert_after``-th failure in a row, queue an alert
    for the owners, once per run of failures. Then prune the flow's old rows.

    Call it in a ``write=True`` session: the previous row is read and the new one written
    with no other run of the same flow in between (SQLite's write lock; on PostgreSQL a
    per-flow advisory lock), so two failures finishing together count as two."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_lock_key(outcome.flow))))
    if session.exec(select(FlowRunRecord).where(FlowRunRecord.run_id == outcome.run_id)).first():
        return None
    previous = _newest(session, outcome.flow)
    row = FlowRunRecord(
        flow=outcome.flow,
        run_id=outcome.run_id,
        started_at=outcome.started_at,
        finished_at=outcome.finished_at,
        state=outcome.state,
        summary=outcome.summary,
        error=outcome.error,
    )
    if outcome.failed:
        carried = previous if previous is not None and previous.failures_in_row > 0 else None
        row.failures_in_row = (carried.failures_in_row if carried else 0) + 1
        row.failing_since = (carried.failing_since if carried else None) or outcome.started_at
    session.add(row)
    session.flush()
    if outcome.failed and row.failures_in_row >= alert_after:
        _alert(session, row)
    _prune(session, row)
    return row


def last_flow_runs(*, session: Session) -> Sequence[FlowRunRecord]:
    """Each flow's newest row, by flow name."""
    newest = select(func.max(FlowRunRecord.id)).group_by(col(FlowRunRecord.flow))
    query = (
        select(FlowRunRecord)
        .where(col(FlowRunRecord.id).in_(newest))
        .order_by(col(FlowRunRecord.flow))
    )
    return session.exec(query).all()


def run_json(row: FlowRunRecord) -> dict[str, Any]:
    """``row`` as ``bidflow status --json`` shows it."""
    return {
        "state": row.state,
        "run_id": row.run_id,
        "started_at": row.started_at.isoformat(),
        "finished_at": row.finished_at.isoformat(),
        "seconds": (row.finished_at - row.started_at).total_seconds(),
        "summary": row.summary,
        "error": row.error,
        "failures_in_row": row.failures_in_row,
        "failing_since": row.failing_since.isoformat() if row.failing_since else None,
    }


def _newest(session: Session, flow: str) -> FlowRunRecord | None:
    query = (
        select(FlowRunRecord)
        .where(FlowRunRecord.flow == flow)
        .order_by(col(FlowRunRecord.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def _alert(session: Session, row: FlowRunRecord) -> None:
    # Keyed by the start of the run of failures: every later failure of the same run finds the
    # key taken, and the next run of failures (after a success) gets a new one.
    since = row.failing_since or row.started_at
    error = f" Last error: {row.error}" if row.error else ""
    raise_alert(
        session=session,
        dedupe_key=f"flow-failing:{row.flow}:{since.isoformat()}",
        kind="flow_failing",
        recipient="owners",
        text=(
            f"Flow '{row.flow}' has failed {row.failures_in_row} runs in a row"
            f" (failing since {since:%Y-%m-%d %H:%M} UTC).{error}"
        ),
    )


def _prune(session: Session, row: FlowRunRecord) -> None:
    """Drop the flow's rows beyond its newest ``KEEP_ROWS`` and those older than ``KEEP_FOR``;
    never ``row`` itself, which carries the run of failures on."""
    flow = col(FlowRunRecord.flow) == row.flow
    oldest_kept = session.exec(
        select(FlowRunRecord.id)
        .where(flow)
        .order_by(col(FlowRunRecord.id).desc())
        .offset(KEEP_ROWS - 1)
        .limit(1)
    ).first()
    if oldest_kept is not None:
        session.execute(delete(FlowRunRecord).where(flow, col(FlowRunRecord.id) < oldest_kept))
    session.execute(
        delete(FlowRunRecord).where(
            flow,
            col(FlowRunRecord.finished_at) < row.finished_at - KEEP_FOR,
            col(FlowRunRecord.id) != row.id,
        )
    )


def _lock_key(flow: str) -> int:
    # A stable number per flow name (Python's hash() changes per process), in the signed
    # 32-bit range; advisory locks of other tables use small fixed numbers.
    return zlib.crc32(f"bidflow-flow-run:{flow}".encode()) - 2**31
