"""``bidflow demo``: the whole cycle on bundled sample feeds, offline, then the review page."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import click
from rich.console import Console

from bidflow import db
from bidflow.cli.running import configure_prefect, print_summary, run_pipeline
from bidflow.cli.web_commands import serve_web
from bidflow.config import load_agency_config
from bidflow.passwords import hash_password
from bidflow.samples.generator import write_sample_feeds
from bidflow.settings import get_settings
from bidflow.store.users import find_user, sync_users
from bidflow.types import utcnow

DEMO_CONFIG = Path(__file__).parent.parent / "samples" / "agency.yaml"


def prepare_demo(directory: Path) -> Path:
    """Write the sample feeds (fresh posting times, same jobs) and the demo agency config into
    ``directory``; returns the config's path."""
    feeds = write_sample_feeds(directory, anchor=utcnow().replace(second=0, microsecond=0))
    config = directory / "agency.yaml"
    shutil.copyfile(DEMO_CONFIG, config)
    click.echo(
        f"Sample feeds: {feeds.rss_count} jobs in {feeds.rss_path.name},"
        f" {feeds.json_count} in {feeds.json_path.name} ({feeds.distinct_count} distinct)"
    )
    return config


@click.command()
@click.option("--no-serve", is_flag=True, help="Run the cycle and exit instead of serving.")
@click.option("--port", type=int, help="Port for the review page (default 8765).")
@click.option("-v", "--verbose", is_flag=True, help="Show Prefect's logs.")
def demo(no_serve: bool, port: int | None, verbose: bool) -> None:
    """Run the whole cycle on sample feeds with three sample bidders, no network, no API key."""
    settings = get_settings()
    configure_prefect(settings, verbose=verbose)
    click.echo(f"bidflow demo in {settings.home}")
    config = prepare_demo(settings.home / "demo")
    summary, seconds = run_pipeline(str(config), Console(stderr=True))
    print_summary(summary, seconds)
    url = f"http://{settings.web_host}:{port or settings.web_port}/queue"
    if no_serve:
        click.echo(f"Review page: {url}  (serve it with `bidflow web`)")
        _demo_sign_in(settings.resolved_database_url, config)
        return
    click.echo(f"Review page: {url}  (Ctrl-C to stop)")
    _demo_sign_in(settings.resolved_database_url, config)
    # The desk's Sources page and webhooks read the demo agency, not $BIDFLOW_HOME/agency.yaml.
    serve_web(settings.model_copy(update={"config": config}), port=port)


def _demo_sign_in(url: str, config: Path) -> None:
    """Give the demo agency's desk users one fresh password and say how to sign in."""
    agency = load_agency_config(config)
    password = secrets.token_urlsafe(9)
    with db.session_scope(url) as session:
        sync_users(session=session, users=agency.users)
        for user in agency.users:
            found = find_user(session=session, email=user.email)
            assert found is not None
            found.password_hash = hash_password(password)
            session.add(found)
    emails = ", ".join(user.email for user in agency.users)
    click.echo(f"Sign in as any of {emails} with password {password}")


COMMANDS = (demo,)
