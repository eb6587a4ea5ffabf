"""The deployments `bidflow serve` runs, read from prefect.yaml so that file stays the only place
where names, parameters and schedules are written down (`prefect deploy --all` reads it too).

A run that comes due while the deployment's previous run is still going is cancelled unless the
entry sets its own `concurrency_limit`: every flow catches up on all pending work, so stacked runs
(a slow machine, a laptop waking up to an hour of late runs) would only redo it side by side.

Imports Prefect: load it only after PREFECT_API_URL is set (Prefect reads its settings on import).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import Flow
from prefect.schedules import Schedule
from prefect.types.entrypoint import EntrypointType

from bidflow.config.feeds import parse_duration
from bidflow.errors import ConfigError

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"
ONE_AT_A_TIME = ConcurrencyLimitConfig(
    limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
)


class DeploymentsFileError(ConfigError):
    """prefect.yaml is missing or names something `bidflow serve` cannot run."""


@dataclass(frozen=True)
class DeploymentEntry:
    """One entry of prefect.yaml's `deployments:`, with its schedules parsed."""

    name: str
    entrypoint: str
    description: str | None
    parameters: dict[str, Any]
    schedules: tuple[Schedule, ...]
    concurrency: ConcurrencyLimitConfig


def read_entries(
    path: Path = PREFECT_YAML, *, every: Mapping[str, timedelta] | None = None
) -> list[DeploymentEntry]:
    """prefect.yaml's deployments; ``every`` replaces the named ones' schedules by one interval."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise DeploymentsFileError(
            f"{path}: cannot be read ({exc.strerror}); run bidflow serve from a checkout of bidflow"
        ) from None
    raw = document.get("deployments") or []
    overrides = dict(every or {})
    unknown = sorted(set(overrides) - {str(entry.get("name")) for entry in raw})
    if unknown:
        known = ", ".join(str(entry.get("name")) for entry in raw)
        raise DeploymentsFileError(f"--every {unknown[0]}: no such deployment in {path} ({known})")
    return [_entry(item, path, overrides) for item in raw]


def _entry(item: Mapping[str, Any], path: Path, every: Mapping[str, timedelta]) -> DeploymentEntry:
    name = str(item.get("name") or "")
    where = f"{path}: deployment {name or '(unnamed)'}"
    if not name or not item.get("entrypoint"):
        raise DeploymentsFileError(f"{where}: needs both `name` and `entrypoint`")
    if name in every:
        schedules: tuple[Schedule, ...] = (Schedule(interval=every[name]),)
    else:
        schedules = tuple(_schedule(entry, where) for entry in item.get("schedules") or [])
    return DeploymentEntry(
        name=name,
        entrypoint=str(item["entrypoint"]),
        description=item.get("description"),
        parameters=dict(item.get("parameters") or {}),
        schedules=schedules,
        concurrency=_concurrency(item.get("concurrency_limit"), where),
    )


def _concurrency(value: object, where: str) -> ConcurrencyLimitConfig:
    """`concurrency_limit` as `prefect deploy` reads it: a number, or limit and
    collision_strategy; absent: one run at a time, later ones cancelled."""
    if value is None:
        return ONE_AT_A_TIME
    try:
        if isinstance(value, int):
            return ConcurrencyLimitConfig(limit=value)
        return ConcurrencyLimitConfig.model_validate(value)
    except ValueError as exc:
        raise DeploymentsFileError(f"{where}: concurrency_limit {value!r}: {exc}") from None


def _schedule(entry: Mapping[str, Any], where: str) -> Schedule:
    """A schedule entry as `prefect deploy` reads it: interval (seconds or ISO 8601), cron or
    rrule, with timezone, anchor_date, day_or, active, parameters and slug."""
    values = dict(entry)
    try:
        if "interval" in values:
            values["interval"] = parse_duration(values["interval"])
        if isinstance(values.get("anchor_date"), str):
            values["anchor_date"] = datetime.fromisoformat(values["anchor_date"])
        return Schedule(**values)
    except (TypeError, ValueError) as exc:
        raise DeploymentsFileError(f"{where}: schedule {dict(entry)}: {exc}") from None


def load_flow(entrypoint: str) -> Flow[..., Any]:
    """The flow an entrypoint such as ``flows/pipeline.py:pipeline_flow`` names, imported as a
    module (``flows.pipeline``) so flow runs unpickle it by reference, not by value."""
    path, _, attribute = entrypoint.partition(":")
    module_name = path.removesuffix(".py").replace("/", ".")
    try:
        found = getattr(importlib.import_module(module_name), attribute, None)
    except ImportError as exc:
        raise DeploymentsFileError(f"{entrypoint}: cannot be imported ({exc})") from None
    if not isinstance(found, Flow):
        raise DeploymentsFileError(f"{entrypoint}: is not a Prefect flow")
    return found


def to_deployments(
    entries: list[DeploymentEntry], *, config_path: str | None = None
) -> list[RunnerDeployment]:
    """Deployments for Prefect's runner; ``config_path`` goes to every flow that takes one."""
    deployments = []
    for entry in entries:
        flow = load_flow(entry.entrypoint)
        parameters = dict(entry.parameters)
        if config_path is not None and "config_path" in flow.parameters.properties:
            parameters["config_path"] = config_path
        deployment = flow.to_deployment(
            name=entry.name,
            description=entry.description,
            parameters=parameters,
            schedules=list(entry.schedules),
            concurrency_limit=entry.concurrency,
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        assert isinstance(deployment, RunnerDeployment)  # called outside an event loop
        deployments.append(deployment)
    return deployments


def describe(entry: DeploymentEntry) -> str:
    """``pipeline (every 120 s)``, ``report (cron 0 8 * * 1 UTC)`` or ``ingest (on demand)``."""
    parts = []
    for schedule in entry.schedules:
        if schedule.interval is not None:
            parts.append(f"every {schedule.interval.total_seconds():g} s")
        elif schedule.cron is not None:
            parts.append(f"cron {schedule.cron} {schedule.timezone or 'UTC'}")
        else:
            parts.append(f"rrule {schedule.rrule}")
    return f"{entry.name} ({', '.join(parts) or 'on demand'})"
