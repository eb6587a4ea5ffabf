"""The test's view of the cluster's Prefect server: health, deployments, workers, flow runs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import httpx
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import WorkerFilter, WorkerFilterStatus
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings


def healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def server_settings(api_url: str) -> dict[str, Any]:
    """The settings the server runs with, as it reports them."""
    response = httpx.get(f"{api_url}/admin/settings", timeout=10)
    response.raise_for_status()
    settings: dict[str, Any] = response.json()
    return settings


@contextmanager
def prefect_client(api_url: str) -> Iterator[SyncPrefectClient]:
    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        yield client


def online_workers(client: SyncPrefectClient, pool: str) -> int:
    workers = client.read_workers_for_work_pool(
        pool, worker_filter=WorkerFilter(status=WorkerFilterStatus(any_=["ONLINE"]))
    )
    return len(workers)


def trigger(api_url: str, names: list[str]) -> list[UUID]:
    """Create a flow run of each deployment ("flow/deployment") without waiting for it."""
    ids = []
    with temporary_settings({PREFECT_API_URL: api_url}):
        for name in names:
            run = run_deployment(name, timeout=0, as_subflow=False)
            assert isinstance(run, FlowRun)  # called from sync code, it ran synchronously
            ids.append(run.id)
    return ids


def flow_runs(client: SyncPrefectClient, ids: list[UUID]) -> list[FlowRun]:
    return [client.read_flow_run(run_id) for run_id in ids]


def wait_final(client: SyncPrefectClient, ids: list[UUID], timeout_s: float) -> list[FlowRun]:
    """The runs once each is in a final state; AssertionError naming the others at timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        runs = flow_runs(client, ids)
        if all(run.state is not None and run.state.is_final() for run in runs):
            return runs
        if time.monotonic() > deadline:
            waiting = [f"{run.name}: {run.state_name}" for run in runs]
            raise AssertionError(f"flow runs not finished after {timeout_s:.0f} s: {waiting}")
        time.sleep(1)
