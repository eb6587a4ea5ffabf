"""`bidflow serve` serves prefect.yaml's deployments as written: names, flows, parameters and
schedules come from the file, so it and `prefect deploy --all` cannot drift apart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.flows import Flow, load_flow_from_entrypoint

from flows.served import DeploymentsFileError, describe, read_entries, to_deployments
from tests.flows.prefect_yaml import as_written, written_deployments, written_schedules

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _prefect() -> Iterator[None]:
    """Overrides tests/flows/conftest's: building deployments needs no Prefect API."""
    yield


def test_every_deployment_is_served_with_its_flow_parameters_and_schedules() -> None:
    written = written_deployments()
    served = to_deployments(read_entries())
    assert [d.name for d in served] == [entry["name"] for entry in written]
    assert len(written) >= 8  # pipeline, ingest, triage, draft, inbox, notify, followups, report
    for deployment, entry in zip(served, written, strict=True):
        path, _, attribute = entry["entrypoint"].partition(":")
        flow: Flow[..., object] = load_flow_from_entrypoint(f"{ROOT / path}:{attribute}")
        assert deployment.flow_name == flow.name, entry["name"]
        assert deployment.description == entry.get("description")
        assert deployment.parameters == (entry.get("parameters") or {}), entry["name"]
        schedules = deployment.schedules or []
        assert [as_written(s.schedule) for s in schedules] == written_schedules(entry), entry
        assert all(s.active for s in schedules)
        assert deployment.work_pool_name is None  # served in-process, not through the pool
        if "concurrency_limit" not in entry:
            assert deployment.concurrency_limit == 1, entry["name"]
            assert deployment.concurrency_options is not None
            assert deployment.concurrency_options.collision_strategy == "CANCEL_NEW"


def test_prefect_yaml_has_interval_and_cron_schedules_to_check() -> None:
    """The test above compares schedules; it proves little if prefect.yaml had none."""
    kinds = {
        key for entry in written_deployments() for s in entry.get("schedules") or [] for key in s
    }
    assert {"interval", "cron", "timezone"} <= kinds


def test_every_replaces_only_the_named_schedules() -> None:
    entries = read_entries(every={"pipeline": timedelta(seconds=5), "report": timedelta(hours=1)})
    by_name = {entry.name: entry for entry in entries}
    assert [s.interval for s in by_name["pipeline"].schedules] == [timedelta(seconds=5)]
    assert [(s.interval, s.cron) for s in by_name["report"].schedules] == [
        (timedelta(hours=1), None)
    ]
    untouched = {e.name: e for e in read_entries()}
    for name in set(by_name) - {"pipeline", "report"}:
        assert describe(by_name[name]) == describe(untouched[name])


def test_an_unknown_deployment_in_every_is_refused_with_the_known_names() -> None:
    with pytest.raises(DeploymentsFileError) as refused:
        read_entries(every={"pipelin": timedelta(seconds=5)})
    assert "--every pipelin: no such deployment" in str(refused.value)
    assert "pipeline" in str(refused.value).split("(", 1)[1]


def test_the_config_path_reaches_every_flow() -> None:
    served = to_deployments(read_entries(), config_path="/agency/agency.yaml")
    assert all(d.parameters["config_path"] == "/agency/agency.yaml" for d in served)
    report = next(d for d in served if d.name == "report")
    assert report.parameters["send"] is True  # prefect.yaml's own parameters stay


def test_schedule_entries_are_read_as_prefect_deploy_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "prefect.yaml"
    schedules = [
        {"interval": "PT2M", "anchor_date": "2026-01-05T08:00:00+00:00", "timezone": "UTC"},
        {"cron": "30 7 * * 1-5", "timezone": "Europe/Berlin", "active": False},
        {"rrule": "FREQ=DAILY;BYHOUR=9"},
    ]
    deployment = {"name": "p", "entrypoint": "flows/pipeline.py:pipeline_flow"}
    path.write_text(yaml.safe_dump({"deployments": [{**deployment, "schedules": schedules}]}))
    (entry,) = read_entries(path)
    interval, cron, rrule = entry.schedules
    assert interval.interval == timedelta(minutes=2)
    assert interval.anchor_date.isoformat() == "2026-01-05T08:00:00+00:00"
    assert (cron.cron, cron.timezone, cron.active) == ("30 7 * * 1-5", "Europe/Berlin", False)
    assert rrule.rrule == "FREQ=DAILY;BYHOUR=9"
    assert describe(entry) == (
        "p (every 120 s, cron 30 7 * * 1-5 Europe/Berlin, rrule FREQ=DAILY;BYHOUR=9)"
    )


def test_a_concurrency_limit_in_prefect_yaml_replaces_one_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "prefect.yaml"
    entrypoint = "flows/pipeline.py:pipeline_flow"
    entries = [
        {"name": "three", "entrypoint": entrypoint, "concurrency_limit": 3},
        {
            "name": "queued",
            "entrypoint": entrypoint,
            "concurrency_limit": {"limit": 2, "collision_strategy": "ENQUEUE"},
        },
        {"name": "default", "entrypoint": entrypoint},
    ]
    path.write_text(yaml.safe_dump({"deployments": entries}))
    served = to_deployments(read_entries(path))
    limits = [(d.concurrency_limit, d.concurrency_options) for d in served]
    assert [(limit, o and o.collision_strategy) for limit, o in limits] == [
        (3, "ENQUEUE"),
        (2, "ENQUEUE"),
        (1, "CANCEL_NEW"),
    ]


@pytest.mark.parametrize(
    ("deployment", "message"),
    [
        ({"name": "p", "entrypoint": "x.py:f", "schedules": [{"every": 5}]}, "every"),
        ({"name": "p", "entrypoint": "x.py:f", "schedules": [{"interval": "soon"}]}, "soon"),
        ({"name": "p", "schedules": []}, "needs both `name` and `entrypoint`"),
        ({"name": "p", "entrypoint": "x.py:f", "concurrency_limit": "one"}, "concurrency_limit"),
    ],
)
def test_a_bad_entry_names_the_file_and_deployment(
    tmp_path: Path, deployment: dict[str, Any], message: str
) -> None:
    path = tmp_path / "prefect.yaml"
    path.write_text(yaml.safe_dump({"deployments": [deployment]}))
    with pytest.raises(DeploymentsFileError) as refused:
        read_entries(path)
    assert str(refused.value).startswith(f"{path}: deployment p")
    assert message in str(refused.value)


def test_an_entrypoint_that_is_not_a_flow_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "prefect.yaml"
    entries = [{"name": "p", "entrypoint": "flows/context.py:flow_context"}]
    path.write_text(yaml.safe_dump({"deployments": entries}))
    with pytest.raises(DeploymentsFileError, match="flow_context: is not a Prefect flow"):
        to_deployments(read_entries(path))
    entries[0]["entrypoint"] = "flows/nowhere.py:flow"
    path.write_text(yaml.safe_dump({"deployments": entries}))
    with pytest.raises(DeploymentsFileError, match="cannot be imported"):
        to_deployments(read_entries(path))


def test_a_missing_prefect_yaml_says_where_it_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(DeploymentsFileError, match="prefect.yaml: cannot be read"):
        read_entries(tmp_path / "prefect.yaml")
