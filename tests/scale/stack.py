"""Bringing the scale-out stack up the way docs/scaling.md says, one scripts/scale-out.sh step
at a time: databases, Prefect's server, pool and limits, `prefect deploy --all`, workers (each
a "machine" of its own: its own $BIDFLOW_HOME and $PREFECT_HOME)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.connectors.fake_openai import FakeOpenAI
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.scale.cluster import ROOT, environment, free_port, run_step, running_step, wait_for
from tests.scale.prefect_api import healthy, online_workers, prefect_client
from tests.scale.world import Agency, install_tokens

WORKERS = 3
POOL = "bidflow"
LLM_SLOTS = 3  # BIDFLOW_LLM_CONCURRENCY: the `bidflow-llm` limit, shared by every worker
UPWORK_SLOTS = 2  # BIDFLOW_UPWORK_CONCURRENCY: the `bidflow-upwork` limit
HEARTBEAT_S = 30  # the shortest flow run heartbeat Prefect allows
ZOMBIE_AFTER_S = 65  # a run silent this long is marked crashed


@dataclass(frozen=True)
class Stack:
    api: str
    deployments: dict[str, str]  # deployment name -> "flow/deployment"
    workers: dict[str, int]  # the LLM model a worker's runs ask for -> the worker's pid


def bring_up(
    cluster: ExitStack,
    tmp: Path,
    urls: tuple[str, str],
    agency: Agency,
    llm: FakeOpenAI,
    upwork: FakeUpwork,
    mark: Callable[[str], None],
) -> Stack:
    """Every step of the scale-out, against the fakes; processes end with ``cluster``."""
    bidflow_url, prefect_url = urls
    run_step(
        "databases",
        environment(
            BIDFLOW_DATABASE_URL=bidflow_url,
            PREFECT_API_DATABASE_CONNECTION_URL=prefect_url,
            BIDFLOW_HOME=str(tmp / "admin"),
        ),
    )
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    server = environment(
        PREFECT_HOME=str(tmp / "server"),
        PREFECT_API_DATABASE_CONNECTION_URL=prefect_url,
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_SERVER_API_PORT=str(port),
        PREFECT_UI_ENABLED="false",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # The test starts every run itself; scheduled ones would only add noise.
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
    )
    cluster.enter_context(running_step("server", server, tmp / "server.log"))
    wait_for("Prefect's server", lambda: healthy(api), timeout_s=120)
    mark("server up")

    sizes = {
        "BIDFLOW_LLM_CONCURRENCY": str(LLM_SLOTS),
        "BIDFLOW_UPWORK_CONCURRENCY": str(UPWORK_SLOTS),
    }
    admin = environment(PREFECT_API_URL=api, PREFECT_HOME=str(tmp / "admin"), **sizes)
    run_step("pool", admin | {"BIDFLOW_ZOMBIE_AFTER_S": str(ZOMBIE_AFTER_S)})
    run_step("deploy", admin | {"BIDFLOW_CHECKOUT": str(ROOT)}, timeout=300)
    deployments = _check_deployments(api)
    mark("deployed")

    workers: dict[str, int] = {}
    for n in range(WORKERS):
        machine = tmp / f"machine{n}"
        install_tokens(agency, machine / "home")
        model = f"gpt-fake-machine{n}"  # tells whose drafting an LLM request is
        env = environment(
            PREFECT_API_URL=api,
            PREFECT_HOME=str(machine / "prefect"),
            PREFECT_WORKER_QUERY_SECONDS="1",
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY=str(HEARTBEAT_S),
            BIDFLOW_HOME=str(machine / "home"),
            BIDFLOW_DATABASE_URL=bidflow_url,
            BIDFLOW_CONFIG=str(agency.config),
            OPENAI_BASE_URL=llm.base_url,
            OPENAI_API_KEY="sk-fake",
            BIDFLOW_LLM_MODEL=model,
            UPWORK_CLIENT_SECRET=upwork.client_secret,
            **sizes,
        )
        # --limit 2: a worker takes two runs at a time, so the others get their share.
        pid = running_step("worker", env, tmp / f"worker{n}.log", "--limit", "2")
        workers[model] = cluster.enter_context(pid)
    with prefect_client(api) as client:
        wait_for("the workers", lambda: online_workers(client, POOL) == WORKERS, 60)
    mark("workers online")
    return Stack(api=api, deployments=deployments, workers=workers)


def _check_deployments(api: str) -> dict[str, str]:
    """Every deployment of prefect.yaml is registered on the pool and pulls from the checkout;
    returns "flow/deployment" by deployment name, as run_deployment wants them."""
    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    with prefect_client(api) as client:
        registered = client.read_deployments()
        flows = {d.flow_id: client.read_flow(d.flow_id).name for d in registered}
    assert sorted(d.name for d in registered) == sorted(d["name"] for d in declared)
    step = {"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}
    for deployment in registered:
        assert deployment.work_pool_name == POOL, deployment.name
        assert deployment.pull_steps == [step], deployment.name
    return {d.name: f"{flows[d.flow_id]}/{d.name}" for d in registered}
