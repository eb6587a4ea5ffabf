"""prefect.yaml names real flows, so `prefect deploy --all` can load every deployment."""

from __future__ import annotations

from pathlib import Path

import yaml
from prefect.flows import Flow, load_flow_from_entrypoint

ROOT = Path(__file__).resolve().parents[2]


def test_every_deployment_entrypoint_is_a_flow() -> None:
    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    assert {d["name"] for d in deployments} >= {"pipeline", "ingest", "triage", "draft", "report"}
    for deployment in deployments:
        path, _, name = deployment["entrypoint"].partition(":")
        loaded: Flow[..., object] = load_flow_from_entrypoint(f"{ROOT / path}:{name}")
        assert isinstance(loaded, Flow), deployment["entrypoint"]
