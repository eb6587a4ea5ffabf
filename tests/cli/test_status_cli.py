"""``bidflow status`` after real flow runs: the backlog of every stage (jobs to triage, routed
jobs to draft, drafts to review and the oldest one's age, follow-ups due, alerts to send) and
each flow's last run (state, when, how long, its summary line or error), as text through the
console entry point and as JSON."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from bidflow import db
from bidflow.models import Bidder, Decision, Proposal
from bidflow.settings import get_settings
from bidflow.store.alerts import raise_alert
from bidflow.store.followups import schedule_follow_ups
from bidflow.store.jobs import store_jobs
from bidflow.store.proposals import transition
from bidflow.types import utcnow
from flows.triage import triage_flow
from tests.cli.conftest import invoke, run_bidflow
from tests.factories import agency_dict, make_job, write_config

RUN_KEYS = {
    "state",
    "run_id",
    "started_at",
    "finished_at",
    "seconds",
    "summary",
    "error",
    "failures_in_row",
    "failing_since",
}


@pytest.fixture
def after_a_cycle(tmp_path: Path) -> Path:
    """``bidflow run`` over three jobs, then a job left untriaged, one routed but not drafted,
    one draft sent with a follow-up due, a pending alert, and two failed triage runs."""
    data = agency_dict(feeds=[{"name": "jobs", "kind": "files", "path": "jobs.json"}])
    config = write_config(tmp_path, yaml.safe_load(yaml.safe_dump(data)))
    jobs = [
        {"id": str(n), "title": f"Django API #{n}", "description": "Python Django REST API"}
        for n in range(3)
    ]
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    assert invoke("run", "--config", str(config)).exit_code == 0

    with db.session_scope(get_settings().resolved_database_url) as session:
        untriaged, routed = store_jobs(session=session, jobs=[make_job(), make_job()]).new_ids
        ana = session.exec(select(Bidder).where(Bidder.name == "Ana")).one()
        assert ana.id is not None
        session.add(
            Decision(job_id=routed, bidder_id=ana.id, ruleset="default", passed=True, score=1.0)
        )
        session.exec(select(Decision).where(Decision.job_id == routed)).one().routed = True
        sent = session.exec(select(Proposal).order_by(Proposal.id)).first()  # type: ignore[arg-type]
        assert sent is not None and sent.id is not None
        for step in ("approved", "sent"):
            transition(session=session, proposal_id=sent.id, to=step, actor="test")
        schedule_follow_ups(
            session=session, proposal_id=sent.id, due_times=[utcnow() - timedelta(minutes=1)]
        )
        raise_alert(
            session=session, dedupe_key="k", kind="source_failing", recipient="owners", text="t"
        )
    for _ in range(2):
        with pytest.raises(Exception, match="missing.yaml"):
            triage_flow(str(tmp_path / "missing.yaml"))
    return config


def test_status_shows_the_backlog_and_each_flows_last_run(after_a_cycle: Path) -> None:
    result = run_bidflow("status")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    backlog = lines[lines.index("backlog") :]
    assert backlog[1:6] == [
        "  not yet triaged     1 jobs",
        "  waiting for draft   1 routed jobs",
        "  waiting for review  2 drafts (oldest 0 min), 0 follow-ups",
        "  follow-ups due      1",
        "  alerts to send      1",
    ]
    runs = lines[lines.index("last runs") + 1 :]
    by_flow = {line.split()[0]: n for n, line in enumerate(runs) if not line.startswith("   ")}
    assert sorted(by_flow) == ["draft", "ingest", "pipeline", "triage"]
    ingest = runs[by_flow["ingest"]]
    assert ingest.startswith("  ingest    Completed ") and " s ago, took " in ingest
    assert (
        runs[by_flow["ingest"] + 1]
        .strip()
        .startswith("ingest: in 1 feeds, out 3 new jobs, 0 errors, ")
    )
    triage = runs[by_flow["triage"]]
    assert triage.startswith("  triage    Failed ") and triage.endswith(", 2 failures in a row")
    error = runs[by_flow["triage"] + 1].strip()
    assert error.startswith("error: ") and "missing.yaml" in error


def test_status_json_has_the_backlog_and_the_last_runs(after_a_cycle: Path) -> None:
    status = json.loads(invoke("status", "--json").stdout)

    assert status["backlog"] == {
        "jobs_untriaged": 1,
        "routed_waiting_for_draft": 1,
        "drafts_waiting_for_review": 2,
        "follow_ups_waiting_for_review": 0,
        "oldest_draft_age_s": status["oldest_unreviewed_age_s"],
        "follow_ups_due": 1,
        "alerts_pending": 1,
    }
    assert 0 <= status["backlog"]["oldest_draft_age_s"] < 600
    assert status["jobs"] == 5 and status["proposals"] == {"queued": 2, "sent": 1}
    runs = status["last_runs"]
    assert sorted(runs) == ["draft", "ingest", "pipeline", "triage"]
    assert all(set(run) == RUN_KEYS for run in runs.values())
    assert runs["pipeline"]["state"] == "Completed" and runs["pipeline"]["error"] is None
    assert runs["pipeline"]["summary"].startswith("pipeline: in 3 new jobs, out 3 drafts queued")
    assert runs["pipeline"]["seconds"] >= 0
    assert (runs["triage"]["state"], runs["triage"]["failures_in_row"]) == ("Failed", 2)
    assert runs["triage"]["summary"] is None and "missing.yaml" in runs["triage"]["error"]
    assert runs["triage"]["failing_since"] is not None


def test_before_any_run_status_says_so() -> None:
    text = invoke("status")
    assert text.exit_code == 0
    assert "last runs       none recorded yet" in text.stdout.splitlines()
    assert json.loads(invoke("status", "--json").stdout)["last_runs"] == {}
