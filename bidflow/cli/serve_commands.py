"""``bidflow serve``: every deployment of prefect.yaml on its schedule, plus the review desk."""

from __future__ import annotations

import os
import signal
import socket
from datetime import timedelta
from pathlib import Path

import click

from bidflow.cli.running import configure_prefect
from bidflow.cli.serve_supervisor import supervise, supervised
from bidflow.config import load_agency_config
from bidflow.config.feeds import parse_duration
from bidflow.errors import BidflowError
from bidflow.settings import Settings, get_settings
from flows.local_server import PrefectServer, external_server, local_api_url, local_server


class DeskPortError(BidflowError):
    """The review desk's address cannot be listened on."""


@click.command()
@click.option("--host", help="Address of the review desk (default BIDFLOW_WEB_HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Port of the review desk (default BIDFLOW_WEB_PORT, 8765).")
@click.option(
    "--prefect-port",
    type=click.IntRange(1, 65535),
    default=4200,
    show_default=True,
    help="Port of the local Prefect server (started unless PREFECT_API_URL names one; reused if"
    " one already answers there).",
)
@click.option("--no-web", is_flag=True, help="Run the schedules only, without the review desk.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Agency config.")
@click.option(
    "--every",
    "every",
    multiple=True,
    metavar="NAME=DURATION",
    help="Run deployment NAME every DURATION (30s, 5m, 1h) instead of on its prefect.yaml"
    " schedule, e.g. --every pipeline=30s while trying a new config. Repeatable.",
)
@click.pass_context
def serve(
    context: click.Context,
    host: str | None,
    port: int | None,
    prefect_port: int,
    no_web: bool,
    config_path: Path | None,
    every: tuple[str, ...],
) -> None:
    """Run every deployment of prefect.yaml on its schedule, and the review desk, until Ctrl-C.

    Uses the Prefect server PREFECT_API_URL names, else starts one on 127.0.0.1 (its database
    under $BIDFLOW_HOME/prefect, its log in $BIDFLOW_HOME/logs) and stops it on exit. A run that
    comes due while the same deployment's previous run is still going is skipped. Ctrl-C or
    SIGTERM cancels the runs in progress and stops everything; a second Ctrl-C forces. The
    desk's /healthz/ready answers 503 while the database or the Prefect API is unreachable."""
    if not supervised():
        context.exit(supervise(context))
    settings = get_settings()
    if config_path is not None:
        settings = settings.model_copy(update={"config": config_path.resolve()})
    load_agency_config(settings.config_path)  # a broken config fails now, not in every run
    overrides = _parse_every(every)
    configure_prefect(settings)
    # Until the event loop takes them over, both stop start-up with KeyboardInterrupt.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.default_int_handler)
    desk_socket = None if no_web else _listen(host or settings.web_host, port or settings.web_port)
    external = os.environ.get("PREFECT_API_URL")
    # Prefect reads its settings once, on import (by _serve): name the API first.
    os.environ["PREFECT_API_URL"] = external or local_api_url(prefect_port)
    server = external_server(external) if external else local_server(settings.home, prefect_port)
    try:
        _announce_server(server)
        _serve(settings, server, desk_socket, overrides)
        click.echo("Stopped.")
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM while starting up
        click.echo("Stopped.")
    finally:
        try:
            server.stop()
        except KeyboardInterrupt:
            server.stop(force=True)


def _serve(
    settings: Settings,
    server: PrefectServer,
    desk_socket: socket.socket | None,
    overrides: dict[str, timedelta],
) -> None:
    """Load the flows and the desk while a new Prefect server boots, then run until stopped."""
    import asyncio

    from bidflow.cli.serve_loop import Services, serve_all
    from flows.served import describe, read_entries, to_deployments

    entries = read_entries(every=overrides)
    config = str(settings.config) if settings.config is not None else None
    deployments = to_deployments(entries, config_path=config)
    desk_app = None
    if desk_socket is not None:
        from web.app import create_app

        desk_app = create_app(settings)
        desk_app.state.prefect_api_url = server.api_url  # /healthz/ready checks it too
    server.wait_until_ready()

    def announce() -> None:
        click.echo(f"Serving {len(entries)} deployments: {', '.join(map(describe, entries))}")
        if desk_socket is not None:
            address, bound_port = desk_socket.getsockname()[:2]
            click.echo(f"Review desk: http://{_url_host(address)}:{bound_port}/queue")
        click.echo(f"Prefect UI: {server.ui_url}")
        click.echo("Ctrl-C to stop.")

    asyncio.run(serve_all(Services(deployments, server, desk_app, desk_socket, announce)))


def _announce_server(server: PrefectServer) -> None:
    if server.process is not None:
        click.echo(
            f"Prefect server: starting on {server.api_url} (pid {server.process.pid},"
            f" log {server.log_path})"
        )
    else:
        click.echo(f"Prefect server: using the one answering on {server.api_url} (left running)")


def _parse_every(values: tuple[str, ...]) -> dict[str, timedelta]:
    overrides = {}
    for value in values:
        name, _, duration = value.partition("=")
        try:
            interval = parse_duration(duration.strip())
        except ValueError as exc:
            raise click.BadParameter(f"{value!r}: {exc}", param_hint="--every") from None
        if not name.strip() or interval <= timedelta(0):
            raise click.BadParameter(f"{value!r}: write NAME=DURATION", param_hint="--every")
        overrides[name.strip()] = interval
    return overrides


def _listen(host: str, port: int) -> socket.socket:
    """The review desk's listening socket, bound now so a taken port is reported before
    anything else starts."""
    try:
        family, kind, _proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
        listener = socket.socket(family, kind)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as exc:
        raise DeskPortError(
            f"the review desk cannot listen on {host}:{port} ({exc.strerror or exc});"
            " choose another with --port, or --no-web"
        ) from None
    return listener


def _url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


COMMANDS = (serve,)
