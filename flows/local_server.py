"""A Prefect server for `bidflow serve`: the one PREFECT_API_URL names, one already answering on
the chosen port (e.g. left by an earlier `bidflow serve`), or a `prefect server start` process
started here, with its SQLite database under $BIDFLOW_HOME/prefect and its log under
$BIDFLOW_HOME/logs.

Imports nothing from Prefect, so the caller can set PREFECT_API_URL before Prefect is loaded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bidflow.errors import BidflowError

# A first start in a new home migrates Prefect's database: 40 s on a busy two-core machine.
START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 20.0


class PrefectServerError(BidflowError):
    """No Prefect API could be reached or started."""


@dataclass
class PrefectServer:
    """A Prefect API and, when this process started it, the server process to stop."""

    api_url: str
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/").removesuffix("/api")

    @property
    def started_here(self) -> bool:
        return self.process is not None

    def wait_until_ready(self) -> None:
        """Return once the API answers; a server started here that exits or stays silent is
        stopped and reported with its log."""
        if self.process is None:
            return
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while not api_answers(self.api_url, timeout_s=1.0):
                if self.process.poll() is not None:
                    raise PrefectServerError(
                        f"the Prefect server exited with code {self.process.returncode} before"
                        f" answering; its log is {self.log_path}"
                    )
                if time.monotonic() > deadline:
                    raise PrefectServerError(
                        f"the Prefect server did not answer on {self.api_url} within"
                        f" {START_TIMEOUT_S:g} s; its log is {self.log_path}"
                    )
                time.sleep(0.25)
        except BaseException:
            self.stop(force=True)
            raise

    def stop(self, *, force: bool = False) -> None:
        """Stop the server if this process started it (a reused or external one keeps running)."""
        if self.process is None or self.process.poll() is not None:
            return
        # The server runs in its own process group (see _start): signal all of it.
        _signal_group(self.process, signal.SIGKILL if force else signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT_S)


def api_answers(api_url: str, *, timeout_s: float = 2.0) -> bool:
    """Whether a Prefect API answers its health check at ``api_url``."""
    try:
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


def external_server(api_url: str) -> PrefectServer:
    """The server PREFECT_API_URL names; it must answer, since nothing here can start it."""
    if not api_answers(api_url, timeout_s=10.0):
        raise PrefectServerError(
            f"the Prefect API at PREFECT_API_URL={api_url} does not answer; start that server,"
            " or unset PREFECT_API_URL to let bidflow serve start one"
        )
    return PrefectServer(api_url=api_url)


def local_api_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api"


def local_server(home: Path, port: int) -> PrefectServer:
    """The Prefect server on 127.0.0.1:``port``: reused if one answers there, else started
    (without waiting: the caller loads the flows meanwhile, then calls wait_until_ready)."""
    api_url = local_api_url(port)
    if api_answers(api_url):
        return PrefectServer(api_url=api_url)
    if _port_taken(port):
        raise PrefectServerError(
            f"port {port} on 127.0.0.1 is taken by something that is not a Prefect server;"
            " choose another with --prefect-port"
        )
    return _start(home, port, api_url)


def _start(home: Path, port: int, api_url: str) -> PrefectServer:
    database = home / "prefect" / "prefect.db"
    database.parent.mkdir(parents=True, exist_ok=True)  # SQLite does not create folders
    log_path = home / "logs" / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    environment = dict(os.environ)
    environment.pop("PREFECT_API_URL", None)
    environment.setdefault("PREFECT_HOME", str(home / "prefect"))
    environment.setdefault("PREFECT_API_DATABASE_CONNECTION_URL", f"sqlite+aiosqlite:///{database}")
    environment.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    command = [sys.executable, "-m", "prefect", "server", "start"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("ab") as log:
        log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(command)}\n".encode())
        log.flush()
        # A session of its own: Ctrl-C in the terminal reaches only bidflow serve, which stops
        # the runner first (it pauses the schedules through this server) and then the server.
        process = subprocess.Popen(
            command,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return PrefectServer(api_url=api_url, process=process, log_path=log_path)


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
