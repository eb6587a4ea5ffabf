"""prefect.yaml names real flows, so `prefect deploy --all` can load every deployment."""

from __future__ import annotations

from pathlib import Path

import yaml
from prefect.flows import Flow, load_flow_from_entrypoint

ROOT = Path(__file__).resolve().parents[2]


def test_every_deployment_entrypoint_is_a_flow() -> None:
    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    names = {"pipeline", "ingest", "triage", "draft", "report", "followups", "inbox"}
    assert {d["name"] for d in deployments} >= names
    for deployment in deployments:
        path, _, name = deployment["entrypoint"].partition(":")
        loaded: Flow[..., object] = load_flow_from_entrypoint(f"{ROOT / path}:{name}")
        assert isinstance(loaded, Flow), deployment["entrypoint"]


def test_followups_are_drafted_every_15_minutes() -> None:
    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    (followups,) = [d for d in deployments if d["name"] == "followups"]
    assert followups["entrypoint"] == "flows/followups.py:followups_flow"
    assert followups["schedules"] == [{"interval": 900}]


def test_the_weekly_report_is_sent_on_the_default_reports_schedule() -> None:
    """prefect.yaml cannot read the agency config, so its entry must match the config's
    default `reports:` schedule (Monday 08:00) and send; docs/reports.md says to change both."""
    from bidflow.config.reports import ReportsConfig

    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    (report,) = [d for d in deployments if d["name"] == "report"]
    assert report["entrypoint"] == "flows/report.py:weekly_report"
    assert report["parameters"] == {"send": True}
    assert report["schedules"] == [{"cron": ReportsConfig().cron, "timezone": "UTC"}]
    assert ReportsConfig().cron == "0 8 * * 1"


def test_new_jobs_are_triaged_and_drafted_by_the_ingest_run_and_every_minute() -> None:
    deployments = {
        d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    }
    assert deployments["ingest"]["parameters"] == {"only_due": True, "then_triage_and_draft": True}
    assert deployments["ingest"]["schedules"] == [{"interval": 60}]
    assert deployments["triage-draft"]["schedules"] == [{"interval": 60}]
    assert deployments["inbox"]["schedules"] == [{"interval": 60}]
    assert "schedules" not in deployments["pipeline"]  # by hand: it would repeat ingest's work
    assert deployments["backtest"]["parameters"] == {"ruleset": "default", "since": "30d"}
