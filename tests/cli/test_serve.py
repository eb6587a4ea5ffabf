"""`bidflow serve` as a person runs it: a real Prefect server, the schedules of prefect.yaml, the
review desk, a scheduled pipeline run that drafts into the queue, and a clean Ctrl-C."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType

from flows.local_server import api_answers
from tests.connectors.servers import unused_port
from tests.factories import agency_dict, write_config
from tests.flows.prefect_yaml import as_written, written_deployments, written_schedules

pytestmark = pytest.mark.slow  # real Prefect servers and `bidflow serve` processes

START_TIMEOUT_S = 150.0
STOP_TIMEOUT_S = 120.0


@pytest.fixture(autouse=True)
def _prefect() -> Iterator[None]:
    """Overrides tests/cli/conftest's: these tests run real Prefect servers, not the harness."""
    yield


@pytest.fixture(scope="module")
def migrated_prefect_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Prefect database with Prefect's migrations applied. A server's first start in a new
    home spends 20-40 s migrating; each test copies this one instead of paying that twice."""
    folder = tmp_path_factory.mktemp("prefect-template")
    environment = _environment(folder)
    environment["PREFECT_API_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{folder}/prefect.db"
    command = [sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"]
    subprocess.run(command, env=environment, check=True, capture_output=True, timeout=300)
    return folder / "prefect.db"


def test_serve_runs_the_schedules_and_the_desk_then_stops_cleanly(
    bidflow_home: Path, tmp_path: Path, migrated_prefect_db: Path
) -> None:
    config = _agency_with_two_jobs(tmp_path / "agency")
    (bidflow_home / "prefect").mkdir(parents=True)
    shutil.copyfile(migrated_prefect_db, bidflow_home / "prefect" / "prefect.db")
    web_port, prefect_port = unused_port(), unused_port()
    options = ["--port", str(web_port), "--prefect-port", str(prefect_port)]
    # The pipeline every 3 s instead of on prefect.yaml's schedule, so a scheduled run comes soon.
    options += ["--config", str(config), "--every", "pipeline=3s"]
    server_pid = 0
    with Serve(bidflow_home, *options) as serving:
        started = serving.wait_for("Prefect server: ")
        log = bidflow_home / "logs" / "prefect-server.log"
        assert started.startswith(
            f"Prefect server: starting on http://127.0.0.1:{prefect_port}/api"
        )
        assert started.endswith(f", log {log})")
        server_pid = int(re.findall(r"\(pid (\d+),", started)[0])
        serving.wait_for("Ctrl-C to stop.")
        assert f"Review desk: http://127.0.0.1:{web_port}/queue\n" in serving.stdout
        assert f"Prefect UI: http://127.0.0.1:{prefect_port}\n" in serving.stdout
        assert "pipeline (every 3 s)" in serving.stdout

        desk = f"http://127.0.0.1:{web_port}"
        assert httpx.get(f"{desk}/healthz", timeout=10).json() == {"status": "ok"}
        ready = httpx.get(f"{desk}/healthz/ready", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "prefect": "ok"}

        api = f"http://127.0.0.1:{prefect_port}/api"
        with SyncPrefectClient(api) as client:
            served = {d.name: d for d in client.read_deployments()}
        assert sorted(served) == sorted(entry["name"] for entry in written_deployments())
        for entry in written_deployments():
            deployment = served[entry["name"]]
            schedules = [as_written(s.schedule) for s in deployment.schedules]
            wanted = written_schedules(entry)
            assert schedules == ([{"interval": 3.0}] if entry["name"] == "pipeline" else wanted)
            parameters = {**(entry.get("parameters") or {}), "config_path": str(config)}
            assert deployment.parameters == parameters, entry["name"]

        # The scheduled pipeline ingests the feed's two jobs, triages them and drafts both.
        _wait_for_drafts(bidflow_home / "bidflow.db", 2, serving)
        run = _completed_run(api, served["pipeline"].id)
        assert "auto-scheduled" in run.tags  # the scheduler made it, not a person
        code = serving.interrupt(terminal=True)
    assert code == 0, serving.stderr
    assert "Traceback" not in serving.stdout + serving.stderr
    assert serving.stdout.endswith("\nStopped.\n")
    assert "Stopping… (Ctrl-C again to force)" in serving.stderr
    assert not _alive(server_pid)
    assert not api_answers(api)
    with sqlite3.connect(bidflow_home / "prefect" / "prefect.db") as prefect_db:
        stored = {name for (name,) in prefect_db.execute("SELECT name FROM deployment")}
    assert stored == set(served)  # the server kept its data under $BIDFLOW_HOME/prefect


def test_serve_reuses_a_running_prefect_server_and_leaves_it_running(
    bidflow_home: Path, tmp_path: Path, migrated_prefect_db: Path
) -> None:
    write_config(bidflow_home, agency_dict())
    port = unused_port()
    api = f"http://127.0.0.1:{port}/api"
    with _prefect_server(tmp_path / "prefect", migrated_prefect_db, port) as server:
        with Serve(bidflow_home, "--no-web", "--prefect-port", str(port)) as serving:
            line = serving.wait_for("Prefect server: ")
            assert line == f"Prefect server: using the one answering on {api} (left running)"
            serving.wait_for("Ctrl-C to stop.")
            assert "Review desk" not in serving.stdout
            code = serving.interrupt()
        assert code == 0, serving.stderr
        assert "Traceback" not in serving.stdout + serving.stderr
        assert server.poll() is None and api_answers(api)
        with SyncPrefectClient(api) as client:
            deployments = client.read_deployments()
        assert {d.name for d in deployments} == {e["name"] for e in written_deployments()}
        # Paused on the way out, so no runs pile up for a runner that is gone.
        assert all(d.paused for d in deployments)
    assert not (bidflow_home / "logs" / "prefect-server.log").exists()


class Serve:
    """`bidflow serve OPTIONS` in a subprocess; its output is read as it comes."""

    def __init__(self, home: Path, *options: str) -> None:
        command = [sys.executable, "-c", "from bidflow.cli import main; main()", "serve"]
        self.process = subprocess.Popen(
            [*command, *options],
            env=_environment(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a process group of its own, as a shell gives a command
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._out: list[str] = []
        self._err: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self._out, True)),
            threading.Thread(target=self._read, args=(self.process.stderr, self._err, False)),
        ]
        for reader in self._readers:
            reader.start()

    @property
    def stdout(self) -> str:
        return "".join(self._out)

    @property
    def stderr(self) -> str:
        return "".join(self._err)

    def _read(self, stream: Any, lines: list[str], forward: bool) -> None:
        for line in stream:
            lines.append(line)
            if forward:
                self._lines.put(line)
        if forward:
            self._lines.put(None)

    def wait_for(self, prefix: str) -> str:
        """The first line (printed from now on) that starts with ``prefix``, without newline."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                self.process.wait(timeout=STOP_TIMEOUT_S)
                pytest.fail(f"serve exited ({self.process.returncode}) early:\n{self.stderr}")
            if line.startswith(prefix):
                return line.rstrip("\n")
        pytest.fail(f"serve printed no {prefix!r} within {START_TIMEOUT_S} s:\n{self.stderr}")

    def interrupt(self, *, terminal: bool = False) -> int:
        """Ctrl-C to serve, or as a terminal sends it (to serve's whole process group, which
        would reach the flow runs too if serve did not keep them in a session of their own);
        the exit code once serve and its output have ended."""
        if terminal:
            os.killpg(self.process.pid, signal.SIGINT)
        else:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=STOP_TIMEOUT_S)
        for reader in self._readers:
            reader.join(timeout=10)
        return code

    def __enter__(self) -> Serve:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process.poll() is None:  # a failed assertion: do not leave it running
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)


def _environment(home: Path) -> dict[str, str]:
    """This process's environment for a serve of its own: no test Prefect server, no Prefect
    home of the test session (serve puts Prefect's under $BIDFLOW_HOME)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    environment.update(
        BIDFLOW_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        # Prefect's runner looks for due runs every 10 s; every second keeps the test short.
        PREFECT_RUNNER_POLL_FREQUENCY="1",
    )
    return environment


def _agency_with_two_jobs(folder: Path) -> Path:
    jobs = [
        {
            "id": str(n),
            "title": f"Django REST API for a booking app #{n}",
            "description": "Python Django REST API with PostgreSQL",
            "budget": "$1,000",
            "client": {"payment_verified": True},
            "proposals": "5 to 10",
        }
        for n in range(2)
    ]
    folder.mkdir(parents=True)
    (folder / "jobs.json").write_text(json.dumps(jobs))
    return write_config(
        folder, agency_dict(feeds=[{"name": "jobs", "kind": "files", "path": "jobs.json"}])
    )


def _completed_run(api: str, deployment_id: UUID) -> FlowRun:
    """The deployment's first completed run (the one that drafted may still be finishing)."""
    only = FlowRunFilter(
        deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED])),
    )
    deadline = time.monotonic() + 60
    with SyncPrefectClient(api) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_run_filter=only, limit=1)
            if runs:
                return runs[0]
            time.sleep(0.5)
    pytest.fail(f"no run of deployment {deployment_id} completed")


def _wait_for_drafts(database: Path, count: int, serving: Serve) -> None:
    deadline = time.monotonic() + 90
    found = (0, 0)
    while time.monotonic() < deadline:
        if database.exists():
            with sqlite3.connect(database) as connection:
                tables = {n for (n,) in connection.execute("SELECT name FROM sqlite_master")}
                if {"job", "proposal"} <= tables:
                    jobs = connection.execute("SELECT count(*) FROM job").fetchone()[0]
                    drafts = connection.execute("SELECT count(*) FROM proposal").fetchone()[0]
                    found = (jobs, drafts)
                    if found == (count, count):
                        return
        time.sleep(0.5)
    pytest.fail(f"(jobs, drafts) = {found}, not ({count}, {count}):\n{serving.stderr}")


@contextmanager
def _prefect_server(folder: Path, template: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A Prefect server this test starts (on a copy of the migrated database) and stops."""
    folder.mkdir(parents=True)
    shutil.copyfile(template, folder / "prefect.db")
    environment = _environment(folder)
    environment["PREFECT_HOME"] = str(folder)
    environment["PREFECT_API_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{folder}/prefect.db"
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=environment, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not api_answers(f"http://127.0.0.1:{port}/api", timeout_s=1.0):
            assert process.poll() is None, (folder / "server.log").read_text()
            assert time.monotonic() < deadline, "the test's Prefect server did not start"
            time.sleep(0.25)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=STOP_TIMEOUT_S)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
