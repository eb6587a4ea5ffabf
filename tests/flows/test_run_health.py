"""Flow health through real flow runs on the Prefect test server: every run is recorded with
its summary line, a flow failing N runs in a row alerts the owners once (and the notifier
delivers it), a success starts the count again, and old records are pruned."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect import Flow
from sqlmodel import col, select

import flows
from bidflow import db
from bidflow.config import Role
from bidflow.models import Alert, FlowRunRecord
from bidflow.settings import get_settings
from bidflow.store import flow_runs
from bidflow.store.users import save_user
from bidflow.types import utcnow
from flows.backtest import backtest_flow
from flows.notify import notify_flow
from flows.pipeline import pipeline_flow
from flows.run_health import record_outcome
from flows.triage import triage_flow
from tests.connectors.notify.servers import webhook
from tests.factories import agency_dict, write_config

OWNER = "olga@agency.test"
# FLOW: in WHAT, out WHAT, N errors, S s[; details] — the same for every flow.
UNIFORM = r"^{flow}: in [^,]+, out [^;]+?, \d+ errors?, \d+\.\d s(; .+)?$"


@pytest.fixture(autouse=True)
def _migrated(sqlite_url: str) -> str:
    """The database the flows use (the settings' default), ready before the first run."""
    assert sqlite_url == get_settings().resolved_database_url
    return sqlite_url


def _config(folder: Path, **agency: Any) -> Path:
    data = agency_dict(
        users=[{"email": OWNER, "name": "Olga", "role": "owner"}],
        notify={"recipients": [{"email": OWNER, "channels": ["OWNER_HOOK"]}]},
    )
    data["agency"].update(agency)
    jobs = [
        {"id": str(n), "title": f"Django API #{n}", "description": "Python Django REST API"}
        for n in range(3)
    ]
    (folder / "jobs.json").write_text(json.dumps(jobs))
    data["feeds"] = [{"name": "jobs", "kind": "files", "path": "jobs.json"}]
    return write_config(folder, yaml.safe_load(yaml.safe_dump(data)))


def _records(flow: str | None = None) -> list[FlowRunRecord]:
    query = select(FlowRunRecord).order_by(col(FlowRunRecord.id))
    if flow is not None:
        query = query.where(FlowRunRecord.flow == flow)
    with db.session_scope(get_settings().resolved_database_url) as session:
        return list(session.exec(query).all())


def _flow_alerts() -> list[Alert]:
    with db.session_scope(get_settings().resolved_database_url) as session:
        return list(session.exec(select(Alert).where(Alert.kind == "flow_failing")).all())


def _fail_triage(tmp_path: Path, times: int) -> None:
    """Runs of the triage flow that fail: their config file does not exist."""
    for _ in range(times):
        with pytest.raises(Exception, match="missing.yaml"):
            triage_flow(str(tmp_path / "missing.yaml"))


def test_three_failures_in_a_row_alert_the_owners_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_triage(tmp_path, 2)
    assert _flow_alerts() == []

    _fail_triage(tmp_path, 2)  # the third alerts, the fourth belongs to the same run

    (alert,) = _flow_alerts()
    assert (alert.recipient, alert.status) == ("owners", "pending")
    assert alert.text.startswith("Flow 'triage' has failed 3 runs in a row (failing since ")
    assert "missing.yaml" in alert.text
    records = _records("triage")
    assert [r.failures_in_row for r in records] == [1, 2, 3, 4]
    assert {r.state for r in records} == {"Failed"}
    assert all(r.error and "missing.yaml" in r.error and r.summary is None for r in records)
    assert {r.failing_since for r in records} == {records[0].started_at}

    # The notifier already delivers the owners' alerts: this one arrives titled as such.
    config = _config(tmp_path)
    with db.session_scope(get_settings().resolved_database_url) as session:
        save_user(session=session, email=OWNER, name="Olga", role=Role.OWNER)
    with webhook() as hook:
        monkeypatch.setenv("OWNER_HOOK", hook.url())
        notify_flow(str(config))
    (payload,) = hook.payloads
    assert payload["title"] == "Flow failing"
    assert payload["message"].startswith("Flow 'triage' has failed 3 runs in a row")


def test_a_success_in_between_starts_the_count_again(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _fail_triage(tmp_path, 2)
    triage_flow(str(config))
    _fail_triage(tmp_path, 2)
    assert _flow_alerts() == []

    _fail_triage(tmp_path, 1)

    (alert,) = _flow_alerts()
    records = _records("triage")
    assert [(r.state, r.failures_in_row) for r in records] == [
        ("Failed", 1),
        ("Failed", 2),
        ("Completed", 0),
        ("Failed", 1),
        ("Failed", 2),
        ("Failed", 3),
    ]
    assert records[2].failing_since is None and records[2].error is None
    assert records[3].failing_since == records[3].started_at  # a new run of failures
    assert f"failing since {records[3].started_at:%Y-%m-%d %H:%M}" in alert.text


def test_the_config_says_after_how_many_failures_to_alert(tmp_path: Path) -> None:
    config = _config(tmp_path, flow_failure_alert_after=2)

    for _ in range(2):
        assert _flow_alerts() == []
        with pytest.raises(Exception, match="no ruleset 'nope'"):
            backtest_flow(str(config), ruleset="nope")

    (alert,) = _flow_alerts()
    assert alert.text.startswith("Flow 'backtest' has failed 2 runs in a row")


def test_each_run_is_recorded_with_its_uniform_summary_line(tmp_path: Path) -> None:
    state = pipeline_flow(str(_config(tmp_path)), return_state=True)

    records = {r.flow: r for r in _records()}
    assert sorted(records) == ["draft", "ingest", "pipeline", "triage"]
    for flow, record in records.items():
        assert record.state == "Completed" and record.error is None
        assert record.summary is not None
        assert re.match(UNIFORM.format(flow=flow), record.summary), record.summary
        assert record.started_at <= record.finished_at
    pipeline = records["pipeline"]
    assert pipeline.run_id == str(state.state_details.flow_run_id)
    assert records["ingest"].summary.startswith(  # type: ignore[union-attr]
        "ingest: in 1 feeds, out 3 new jobs, 0 errors, "
    )
    assert pipeline.summary.startswith("pipeline: in 3 new jobs, out ")  # type: ignore[union-attr]
    # A subflow runs inside its parent's time.
    assert pipeline.started_at <= records["ingest"].started_at
    assert records["draft"].finished_at <= pipeline.finished_at


def test_old_and_surplus_records_are_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path)
    now = utcnow()
    ages = [timedelta(days=40), timedelta(days=31)] + [timedelta(hours=h) for h in range(5, 0, -1)]
    with db.session_scope(get_settings().resolved_database_url) as session:
        for number, age in enumerate(ages):
            for flow in ("triage", "ingest"):
                session.add(
                    FlowRunRecord(
                        flow=flow,
                        run_id=f"{flow}-{number}",
                        started_at=now - age,
                        finished_at=now - age,
                        state="Completed",
                    )
                )

    triage_flow(str(config))

    kept = [r.run_id for r in _records("triage")]
    assert kept[:5] == ["triage-2", "triage-3", "triage-4", "triage-5", "triage-6"]  # 30 days
    assert len(kept) == 6
    assert len(_records("ingest")) == len(ages)  # another flow's rows wait for its own runs

    monkeypatch.setattr(flow_runs, "KEEP_ROWS", 4)
    triage_flow(str(config))

    kept = [r.run_id for r in _records("triage")]
    assert kept[:2] == ["triage-5", "triage-6"] and len(kept) == 4  # the newest 4


def test_every_flow_in_flows_records_its_runs() -> None:
    found: dict[str, Flow[Any, Any]] = {}
    for module in pkgutil.iter_modules(flows.__path__):
        loaded = importlib.import_module(f"flows.{module.name}")
        found |= {
            f"{module.name}.{name}": value
            for name, value in vars(loaded).items()
            if isinstance(value, Flow) and value.fn.__module__ == loaded.__name__
        }

    assert {"ingest.ingest_flow", "report.weekly_report", "pipeline.pipeline_flow"} <= set(found)
    for name, flow in found.items():
        for hooks in (flow.on_completion_hooks, flow.on_failure_hooks, flow.on_crashed_hooks):
            assert record_outcome in hooks, f"{name} is not @tracked"
