"""The ``bidflow`` command through its real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from sqlalchemy import text

from bidflow import db
from bidflow.settings import get_settings
from bidflow.store.proposals import review_queue, transition
from tests.cli.conftest import invoke, run_bidflow
from tests.factories import agency_dict, write_config

_DUPLICATE_CHECKS = {
    "jobs": "SELECT count(*) - count(DISTINCT source || ':' || external_id) FROM job",
    "job content": "SELECT count(*) - count(DISTINCT content_hash) FROM job",
    "decisions": "SELECT count(*) - count(DISTINCT job_id || ':' || bidder_id) FROM decision",
    "proposals": "SELECT count(*) - count(DISTINCT job_id) FROM proposal",
}


def _totals(url: str) -> dict[str, int]:
    with db.session_scope(url) as session:
        totals = {
            table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("job", "decision", "proposal", "event")
        }
        for name, query in _DUPLICATE_CHECKS.items():
            totals[f"duplicate {name}"] = int(session.execute(text(query)).scalar_one())
    return totals


def test_demo_twice_leaves_no_duplicates(bidflow_home: Path) -> None:
    first = run_bidflow("demo", "--no-serve")
    assert first.returncode == 0, first.stderr
    assert "Sample feeds: 220 jobs in jobs.rss, 170 in jobs.json (360 distinct)" in first.stdout
    assert "Review page: http://127.0.0.1:8765/queue" in first.stdout
    assert "Drafted" in first.stdout and "Took" in first.stdout
    url = get_settings().resolved_database_url
    after_first = _totals(url)
    assert after_first["job"] == 360 and after_first["proposal"] > 0

    second = run_bidflow("demo", "--no-serve")
    assert second.returncode == 0, second.stderr
    assert "sample-rss: 220 fetched, 0 new, 220 already known" in second.stdout
    after_second = _totals(url)
    assert after_second == after_first
    assert all(after_second[f"duplicate {name}"] == 0 for name in _DUPLICATE_CHECKS)


def test_invalid_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    data = agency_dict()
    data["bidders"][1]["caps"]["per_day"] = "twenty"
    config = write_config(tmp_path, data)
    result = run_bidflow("check", "--config", str(config))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {config}:")
    assert "bidders[1].caps.per_day" in lines[0] and "whole number" in lines[0]


def test_run_with_unknown_feed_kind_fails_cleanly(tmp_path: Path) -> None:
    data = agency_dict(feeds=[{"name": "x", "kind": "telepathy", "url": "x"}])
    result = invoke("run", "--config", str(write_config(tmp_path, data)))
    assert result.exit_code == 2
    assert "feeds[0]: 'telepathy' is not a known 'kind'" in result.stderr


def test_init_writes_a_config_that_checks(bidflow_home: Path) -> None:
    assert invoke("init").exit_code == 0
    assert (bidflow_home / "agency.yaml").exists()
    again = invoke("init")
    assert again.exit_code == 2 and "--force" in again.stderr
    checked = invoke("check")
    assert checked.exit_code == 0 and "ok — 1 bidders, 5 feeds" in checked.stdout


def test_run_reports_a_malformed_feed_and_ingests_the_rest(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text(
        json.dumps([{"id": "1", "title": "Django API", "description": "Python Django work"}])
    )
    (tmp_path / "bad.json").write_text('[{"id": "2", "title": "x"},\n  {"id": ]')
    data = agency_dict(
        feeds=[
            {"name": "bad", "kind": "files", "path": "bad.json"},
            {"name": "good", "kind": "files", "path": "good.json"},
        ]
    )
    result = invoke("run", "--config", str(write_config(tmp_path, data)))
    assert result.exit_code == 0, result.stderr
    assert f"bad: failed — {tmp_path / 'bad.json'}:2:" in result.stdout
    assert "good: 1 fetched, 1 new" in result.stdout


def test_status_and_report_follow_the_pipeline(tmp_path: Path) -> None:
    config = write_config(tmp_path, yaml.safe_load(yaml.safe_dump(agency_dict())))
    jobs = [
        {
            "id": str(n),
            "title": f"Django API #{n}",
            "description": "Python Django REST API",
            "budget": "$1,000",
            "client": {"payment_verified": True},
            "proposals": "5 to 10",
        }
        for n in range(4)
    ]
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    data = yaml.safe_load(config.read_text())
    data["feeds"] = [{"name": "jobs", "kind": "files", "path": "jobs.json"}]
    config.write_text(yaml.safe_dump(data))
    assert invoke("run", "--config", str(config)).exit_code == 0

    url = get_settings().resolved_database_url
    with db.session_scope(url) as session:
        queued = review_queue(session=session)
        assert len(queued) == 4
        first, second = (proposal.id or 0 for proposal, _, _ in queued[:2])
        for step in ("approved", "sent", "replied"):
            transition(session=session, proposal_id=first, to=step, actor="test")
        transition(session=session, proposal_id=second, to="rejected", actor="test")

    status = json.loads(invoke("status", "--json").stdout)
    assert status["jobs"] == 4 and status["proposals"] == {"queued": 2, "rejected": 1, "replied": 1}
    assert status["oldest_unreviewed_age_s"] is not None

    csv_path = tmp_path / "report.csv"
    report = invoke("report", "--config", str(config), "--csv", str(csv_path))
    assert report.exit_code == 0
    rows = csv_path.read_text().splitlines()
    assert rows[0] == (
        "bidder,drafted,approved,sent,replied,hired,approval_rate,reply_rate,hire_rate,"
        "llm_cost_usd,tokens_in,tokens_cached"
    )
    assert rows[1] == "Ana,4,1,1,1,0,0.25,1.0,0.0,0.0,0,0"  # the offline drafter costs nothing
    assert rows[2] == "Ben,0,0,0,0,0,,,,0.0,0,0"


def test_a_run_with_no_enabled_feed_says_what_to_do(bidflow_home: Path) -> None:
    assert invoke("init").exit_code == 0  # the example config ships every feed disabled
    ran = invoke("run")
    assert ran.exit_code == 0
    assert "No feed was polled: every feed in the config is disabled" in ran.stdout
    listed = invoke("sources").stdout
    assert "python-jobs (disabled)" in listed
