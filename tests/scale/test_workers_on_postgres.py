"""Scale-out, end to end: bidflow's data and Prefect's server each on a fresh PostgreSQL
database, `prefect deploy --all` from prefect.yaml onto the "bidflow" process pool, three
workers competing for flow runs over 1,000 jobs from the fake Upwork with a slow fake LLM, and
one worker machine killed (SIGKILL, flow runs and all) while it drafts. Later runs must pick up
what it held: every job ends in exactly one terminal state, one proposal per job at most, every
cap and Connects budget holds, nothing is lost.

Every step runs through scripts/scale-out.sh, the commands docs/scaling.md gives operators.
This is the suite's slow test: three to five minutes on two cores, most of it Prefect starting
processes and the dead machine's LLM slot leases running out (`-m "not slow"` skips it locally).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import pytest
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.objects import FlowRun
from sqlalchemy.engine import make_url

from bidflow.config import load_agency_config
from bidflow.types import utcnow
from tests.connectors.fake_openai import FakeOpenAI, running_fake_openai
from tests.connectors.servers import serve
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.postgres import _libpq
from tests.scale import checks
from tests.scale.cluster import kill_machine, wait_for
from tests.scale.prefect_api import prefect_client, server_settings, trigger, wait_final
from tests.scale.stack import LLM_SLOTS, UPWORK_SLOTS, WORKERS, ZOMBIE_AFTER_S, bring_up
from tests.scale.world import upwork_nodes, write_agency

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(420)]
_ENDS_OF_DEADS = {("Completed", "dead's"), ("Crashed", "dead's")}  # done before, or cut short


@pytest.fixture
def databases(postgres_server: str) -> Iterator[tuple[str, str]]:
    """URLs of two databases that do not exist yet (the scale-out script creates them), for
    bidflow (psycopg) and for Prefect's server (asyncpg); dropped afterwards."""
    suffix = uuid.uuid4().hex[:10]
    server = make_url(postgres_server)
    bidflow = server.set(database=f"bidflow_scale_{suffix}")
    prefect = server.set(drivername="postgresql+asyncpg", database=f"prefect_scale_{suffix}")
    urls = (
        bidflow.render_as_string(hide_password=False),
        prefect.render_as_string(hide_password=False),
    )
    yield urls
    from bidflow.db import get_engine

    get_engine(urls[0]).dispose()
    with psycopg.connect(_libpq(postgres_server), autocommit=True) as connection:
        for url in (bidflow, prefect):
            connection.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def test_workers_share_the_work_and_recover_a_killed_one(
    databases: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bidflow_url = databases[0]
    monkeypatch.setenv("UPWORK_CLIENT_SECRET", FakeUpwork.client_secret)  # to connect the feed
    started = time.monotonic()
    took: dict[str, float] = {}  # seconds since the start, per milestone; printed at the end

    def mark(milestone: str) -> None:
        took[milestone] = round(time.monotonic() - started, 1)

    with running_fake_openai() as llm, _fake_upwork() as upwork, ExitStack() as cluster:
        llm.fixed_latency(0.25)  # drafting takes long enough to be caught halfway
        upwork.on_graphql = lambda _bearer: time.sleep(0.05)  # polls overlap
        published = upwork_nodes(utcnow())
        upwork.publish(*published)
        agency = write_agency(tmp_path / "agency", upwork)
        stack = bring_up(cluster, tmp_path, databases, agency, llm, upwork, mark)
        pipeline = stack.deployments["pipeline"]

        # Several runs at once, so the workers compete for feeds, job batches and drafts.
        first = trigger(stack.api, [pipeline] * 3 + [stack.deployments["draft"]])
        victim = _drafting_machine(llm, at_least=5, timeout_s=150)
        killed = kill_machine(stack.workers[victim])
        killed_at = len(llm.arrivals)
        mark("machine killed")

        # Later runs, on the survivors, must pick up what the dead machine held; its own runs
        # are ended (Crashed) by the automation once their heartbeats stop.
        with prefect_client(stack.api) as client:
            later = trigger(stack.api, [pipeline] * 2)
            wait_final(client, [*first, *later], timeout_s=ZOMBIE_AFTER_S + 120)
            while checks.unfinished(bidflow_url, WORKERS) and time.monotonic() - started < 330:
                wait_final(client, trigger(stack.api, [pipeline]), timeout_s=90)
            mark("work done")
            runs = _all_final(client)
            parents = _parents(client, runs)

        final_state = checks.problems(
            bidflow_url, load_agency_config(agency.config), [n["ciphertext"] for n in published]
        )
        settings = server_settings(stack.api)
        graphql_in_flight = upwork.server.max_in_flight if upwork.server else 0

    print(f"seconds since the start: {took}; drafted: {checks.drafted_per_bidder(bidflow_url)}")
    assert final_state == []
    # The dead machine's runs were marked crashed; subflows they had finished stay completed.
    dead = {r.id for r in runs if _pid(r.infrastructure_pid) in killed}
    assert dead, "the killed machine was running no flow run"
    whose = Counter(
        (r.state_name, "dead" if r.id in dead else "dead's" if parents.get(r.id) in dead else "")
        for r in runs
    )
    # A run the killed machine finished before the kill stays completed; the one it was in the
    # middle of must end crashed, never stuck "Running".
    allowed = {("Completed", ""), ("Completed", "dead"), ("Crashed", "dead"), *_ENDS_OF_DEADS}
    assert set(whose) <= allowed and whose[("Crashed", "dead")] >= 1, whose
    assert len(llm.arrivals) > killed_at, "nobody drafted after the kill"
    assert llm.max_in_flight <= LLM_SLOTS
    assert graphql_in_flight <= UPWORK_SLOTS
    vacuum = settings["server"]["services"]["db_vacuum"]
    assert set(vacuum["enabled"]) == {"events", "flow_runs"}
    assert vacuum["retention_period"] == settings["server"]["events"]["retention_period"] == "P3D"


@contextmanager
def _fake_upwork() -> Iterator[FakeUpwork]:
    fake = FakeUpwork()
    with serve(fake.handle) as server:
        fake.server = server
        yield fake


def _drafting_machine(llm: FakeOpenAI, *, at_least: int, timeout_s: float) -> str:
    """The model name (so the machine) of the first worker to send ``at_least`` requests."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        counts = Counter(str(body.get("model")) for body in llm.bodies)
        for model, count in counts.items():
            if count >= at_least:
                return model
        time.sleep(0.1)
    raise AssertionError(f"no worker drafted {at_least} letters in {timeout_s:.0f} s")


def _all_final(client: SyncPrefectClient) -> list[FlowRun]:
    """Every flow run, subflows included, once all are in a final state."""

    def ended() -> bool:
        return all(r.state is not None and r.state.is_final() for r in client.read_flow_runs())

    wait_for("every flow run to end", ended, timeout_s=60)
    return client.read_flow_runs()


def _parents(client: SyncPrefectClient, runs: list[FlowRun]) -> dict[uuid.UUID, uuid.UUID]:
    """Each subflow run's top-level flow run."""
    direct: dict[uuid.UUID, uuid.UUID] = {}
    for run in runs:
        if run.parent_task_run_id is not None:
            parent = client.read_task_run(run.parent_task_run_id).flow_run_id
            if parent is not None:
                direct[run.id] = parent
    top = {}
    for run_id, parent in direct.items():
        while parent in direct:
            parent = direct[parent]
        top[run_id] = parent
    return top


def _pid(infrastructure_pid: str | None) -> int | None:
    text = (infrastructure_pid or "").rsplit(":", 1)[-1]
    return int(text) if text.isdigit() else None
