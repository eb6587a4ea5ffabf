"""``bidflow web``: serve the review desk."""

from __future__ import annotations

import click

from bidflow.settings import Settings, get_settings


def serve_web(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    """Serve the review desk until Ctrl-C."""
    import uvicorn

    from web.app import create_app

    app = create_app(settings)
    uvicorn.run(
        app, host=host or settings.web_host, port=port or settings.web_port, log_level="warning"
    )


@click.command()
@click.option("--host", help="Address to listen on (default BIDFLOW_WEB_HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default BIDFLOW_WEB_PORT, 8765).")
def web(host: str | None, port: int | None) -> None:
    """Serve the review desk: the queue of drafts waiting for a person."""
    settings = get_settings()
    click.echo(
        f"Review desk on http://{host or settings.web_host}:{port or settings.web_port}/queue"
    )
    serve_web(settings, host=host, port=port)


COMMANDS = (web,)
