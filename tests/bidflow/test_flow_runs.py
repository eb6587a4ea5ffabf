"""The flow-run records on SQLite and PostgreSQL alike: failures in a row carried from row to
row, one owners' alert per run of failures, each flow's last run, pruning, a run stored once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from bidflow import db
from bidflow.models import Alert, FlowRunRecord
from bidflow.store import flow_runs
from bidflow.store.flow_runs import FlowOutcome, last_flow_runs, record_flow_run
from bidflow.types import utcnow

T0 = utcnow().replace(microsecond=0) - timedelta(days=1)


def _record(url: str, flow: str, state: str, at: datetime, *, run: str | None = None) -> None:
    outcome = FlowOutcome(
        flow=flow,
        run_id=run or f"{flow}-{at.isoformat()}",
        started_at=at,
        finished_at=at + timedelta(seconds=2),
        state=state,
        summary=f"{flow}: in 1 x, out 1 y, 0 errors, 2.0 s" if state == "Completed" else None,
        error=None if state == "Completed" else "boom",
    )
    with db.session_scope(url, write=True) as session:
        record_flow_run(session=session, outcome=outcome, alert_after=3)


def _rows(url: str, flow: str) -> list[FlowRunRecord]:
    with db.session_scope(url) as session:
        query = select(FlowRunRecord).where(FlowRunRecord.flow == flow)
        return list(session.exec(query.order_by(col(FlowRunRecord.id))).all())


def _alerts(url: str) -> list[Alert]:
    with db.session_scope(url) as session:
        return list(session.exec(select(Alert)).all())


def test_a_run_of_failures_alerts_once_and_a_success_ends_it(database_url: str) -> None:
    states = ["Failed", "Crashed", "TimedOut", "Failed", "Completed", "Failed", "Failed", "Failed"]
    for minute, state in enumerate(states):
        _record(database_url, "ingest", state, T0 + timedelta(minutes=minute))

    rows = _rows(database_url, "ingest")
    assert [r.failures_in_row for r in rows] == [1, 2, 3, 4, 0, 1, 2, 3]
    assert [r.failing_since for r in rows] == [T0] * 4 + [None] + [T0 + timedelta(minutes=5)] * 3
    first, second = _alerts(database_url)
    assert (first.kind, first.recipient) == ("flow_failing", "owners")
    assert first.text == (
        f"Flow 'ingest' has failed 3 runs in a row (failing since {T0:%Y-%m-%d %H:%M} UTC)."
        " Last error: boom"
    )
    assert second.dedupe_key != first.dedupe_key


def test_each_flows_last_run_and_a_run_stored_once(database_url: str) -> None:
    _record(database_url, "ingest", "Completed", T0, run="a")
    _record(database_url, "triage", "Completed", T0, run="b")
    _record(database_url, "ingest", "Failed", T0 + timedelta(minutes=1), run="c")
    _record(database_url, "ingest", "Failed", T0 + timedelta(minutes=1), run="c")  # again

    with db.session_scope(database_url) as session:
        last = [(r.flow, r.run_id, r.failures_in_row) for r in last_flow_runs(session=session)]
    assert last == [("ingest", "c", 1), ("triage", "b", 0)]


def test_a_flows_old_and_surplus_rows_are_pruned(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flow_runs, "KEEP_ROWS", 3)
    _record(database_url, "triage", "Failed", T0 - timedelta(days=40))
    _record(database_url, "notify", "Completed", T0 - timedelta(days=40))
    _record(database_url, "triage", "Failed", T0)

    rows = _rows(database_url, "triage")
    assert [r.started_at for r in rows] == [T0]
    assert rows[0].failures_in_row == 2  # carried from the row it replaced
    assert len(_rows(database_url, "notify")) == 1  # pruned by its own runs only

    for minute in range(1, 5):
        _record(database_url, "triage", "Completed", T0 + timedelta(minutes=minute))
    assert [r.started_at for r in _rows(database_url, "triage")] == [
        T0 + timedelta(minutes=minute) for minute in (2, 3, 4)
    ]
