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
