"""The event loop of `bidflow serve`: Prefect's runner and the review desk side by side, stopped
together on the first Ctrl-C or SIGTERM; a second one forces.

Imports Prefect: load it only after PREFECT_API_URL is set.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import click
import uvicorn
from fastapi import FastAPI
from prefect.deployments.runner import RunnerDeployment
from prefect.runner import Runner

from bidflow.cli import EXIT_USER_ERROR
from bidflow.cli.serve_supervisor import parent_gone
from bidflow.errors import BidflowError
from flows.local_server import PrefectServer
from flows.stale_runs import crash_stale_runs

# Exit code of a forced stop, as for a process killed by SIGINT.
FORCED_EXIT = 130
SHUTDOWN_TIMEOUT_S = 60.0


class ServeError(BidflowError):
    """A part of `bidflow serve` stopped on its own."""


class _Desk(uvicorn.Server):
    """uvicorn without its signal handlers: serve_all owns SIGINT and SIGTERM (uvicorn's own
    would re-raise the signal when it exits, ending the process before the Prefect server)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Services:
    """What one `bidflow serve` runs."""

    deployments: list[RunnerDeployment]
    server: PrefectServer
    desk_app: FastAPI | None
    desk_socket: socket.socket | None
    announce: Callable[[], None]


async def serve_all(services: Services) -> None:
    """Run until a signal asks to stop (then return) or a part stops on its own (ServeError)."""
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(_quiet_when_cancelled)
    stopping = asyncio.Event()

    def on_signal() -> None:
        if stopping.is_set():
            click.echo("Forced to stop.", err=True)
            _abandon(services.server, FORCED_EXIT)
        click.echo("Stopping… (Ctrl-C again to force)", err=True)
        stopping.set()

    runner = Runner(name="bidflow-serve", pause_on_shutdown=True)
    ids = [await runner.aadd_deployment(deployment) for deployment in services.deployments]
    if services.server.started_here:
        await crash_stale_runs(ids)
    parts = {"Prefect runner": asyncio.create_task(runner.start())}
    desk = None
    if services.desk_app is not None and services.desk_socket is not None:
        desk = _Desk(uvicorn.Config(services.desk_app, log_level="warning"))
        parts["review desk"] = asyncio.create_task(desk.serve(sockets=[services.desk_socket]))
    if services.server.process is not None:
        parts["Prefect server"] = asyncio.create_task(_exited(services.server))
    # Runner.start() sets its own SIGTERM handler (stop, then sys.exit): take the signals back
    # once it has, so every part is stopped in order.
    while not runner.started and not parts["Prefect runner"].done():
        await asyncio.sleep(0.05)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    services.announce()

    asked = asyncio.create_task(stopping.wait())
    orphaned = asyncio.create_task(_parent_gone())
    done, _ = await asyncio.wait(
        {asked, orphaned, *parts.values()}, return_when=asyncio.FIRST_COMPLETED
    )
    orphaned.cancel()
    ended = [name for name, task in parts.items() if task in done]
    why = f"the {ended[0]} stopped on its own{_reason(parts[ended[0]], services)}" if ended else ""
    if "Prefect server" in ended:
        # Stopping the runner in order needs the API: it would retry for minutes, in vain.
        click.secho(f"error: {why}", fg="red", err=True)
        _abandon(services.server, EXIT_USER_ERROR)
    await _stop(runner, desk, parts)
    if ended:
        raise ServeError(why)


async def _stop(runner: Runner, desk: _Desk | None, parts: dict[str, asyncio.Task[None]]) -> None:
    """The runner first (it cancels runs in progress and pauses the schedules through the
    Prefect API), then the desk; the Prefect server is the caller's to stop, last."""
    if desk is not None:
        desk.should_exit = True
    if runner.started:
        await runner.astop()
    watchdog = parts.pop("Prefect server", None)
    if watchdog is not None:
        watchdog.cancel()
    await asyncio.wait(parts.values(), timeout=SHUTDOWN_TIMEOUT_S)


def _abandon(server: PrefectServer, code: int) -> NoReturn:
    """Exit at once, killing the flow runs (the runner starts them with multiprocessing) and the
    Prefect server started here, so none of them is left running without this process."""
    for flow_run in multiprocessing.active_children():
        flow_run.kill()
    server.stop(force=True)
    os._exit(code)


async def _parent_gone() -> None:
    while not parent_gone():
        await asyncio.sleep(1.0)


async def _exited(server: PrefectServer) -> None:
    while server.process is not None and server.process.poll() is None:
        await asyncio.sleep(1.0)


def _quiet_when_cancelled(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # On shutdown the runner cancels the handlers of its control channel (a local socket to each
    # flow run); Python 3.11's asyncio streams then log the cancellation as an error with a
    # traceback (3.12 checks for it). A cancellation is how shutdown works, not a fault.
    if isinstance(context.get("exception"), asyncio.CancelledError):
        return
    loop.default_exception_handler(context)


def _reason(task: asyncio.Task[None], services: Services) -> str:
    """Why a part ended, with the Prefect server's log when that was the part."""
    process = services.server.process
    if task.cancelled():
        return ""
    if task.exception() is not None:
        return f": {task.exception()}"
    if process is not None and process.returncode is not None:
        return f" (exit code {process.returncode}); see {services.server.log_path}"
    return ""
