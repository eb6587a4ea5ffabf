"""prefect.yaml's deployments, and schedules in its words, for the tests that compare what
`bidflow serve` serves with what the file says."""

from __future__ import annotations

from typing import Any

import yaml
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

from flows.served import PREFECT_YAML


def written_deployments() -> list[dict[str, Any]]:
    deployments: list[dict[str, Any]] = yaml.safe_load(PREFECT_YAML.read_text())["deployments"]
    return deployments


def as_written(schedule: object) -> dict[str, Any]:
    """A Prefect schedule as prefect.yaml writes it."""
    if isinstance(schedule, IntervalSchedule):
        return {"interval": schedule.interval.total_seconds()}
    assert isinstance(schedule, CronSchedule), schedule
    return {"cron": schedule.cron, "timezone": schedule.timezone}


def written_schedules(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """An entry's schedules, with the defaults Prefect fills in (seconds as floats, UTC)."""
    return [
        {"interval": float(s["interval"])}
        if "interval" in s
        else {"cron": s["cron"], "timezone": s.get("timezone", "UTC")}
        for s in entry.get("schedules") or []
    ]
