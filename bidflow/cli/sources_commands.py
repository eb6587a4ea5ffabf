"""``bidflow sources`` (feed health) and ``bidflow ingest`` (poll feeds once, or keep polling)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bidflow import db
from bidflow.config import load_agency_config
from bidflow.config.feeds import parse_duration
from bidflow.settings import get_settings
from bidflow.store.sources import all_source_states
from bidflow.types import utcnow

if TYPE_CHECKING:
    from connectors.feeds.polling import SourceSummary


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Agency config.")
def sources(config_path: Path | None) -> None:
    """Each feed's health: status, last success, failures in a row, jobs, lag, last error."""
    from connectors.feeds.health import build_rows

    settings = get_settings()
    agency = load_agency_config(config_path or settings.config_path)
    url = settings.resolved_database_url
    db.upgrade(url)
    with db.session_scope(url) as session:
        rows = build_rows(
            agency.feeds, all_source_states(session=session), now=utcnow(), inbox=agency.inbox
        )
    header = ("feed", "kind", "status", "last success", "fails", "new", "total", "lag")
    table = [header] + [
        (
            row.name
            + (" (removed)" if row.removed else " (disabled)" if row.enabled is False else ""),
            row.kind,
            row.status_label,
            row.last_success,
            str(row.failures),
            str(row.last_new),
            str(row.total_new),
            row.lag,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for number, line in enumerate(table):
        text = "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        failing = number > 0 and rows[number - 1].failing
        click.secho(text.rstrip(), fg="red" if failing else None, bold=number == 0)
    for row in rows:
        if row.last_error and row.status == "error":
            click.secho(f"{row.name}: {row.last_error}", fg="red")


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Agency config.")
@click.option("--watch", is_flag=True, help="Keep polling each feed on its interval until Ctrl-C.")
@click.option("--tick", default="5s", show_default=True, help="With --watch: how often to check.")
def ingest(config_path: Path | None, watch: bool, tick: str) -> None:
    """Poll the enabled feeds once (or, with --watch, each whenever its interval has passed)."""
    from connectors.feeds.polling import due_feeds, poll_feed

    settings = get_settings()
    agency = load_agency_config(config_path or settings.config_path)
    url = settings.resolved_database_url
    db.upgrade(url)
    pause = parse_duration(tick).total_seconds()

    def poll(force: bool) -> list[SourceSummary]:
        now = utcnow()
        feeds = due_feeds(agency, url, now, include_not_due=force)
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(feeds)))) as pool:
            return list(pool.map(lambda f: poll_feed(f, agency, settings, url, now), feeds))

    try:
        summaries = poll(force=True)
        while True:
            for summary in summaries:
                _echo(summary)
            if not watch:
                return
            time.sleep(pause)
            summaries = poll(force=False)
    except KeyboardInterrupt:
        click.echo("stopped")


def _echo(summary: SourceSummary) -> None:
    stamp = utcnow().strftime("%H:%M:%S")
    if summary.error:
        click.secho(f"{stamp} {summary.source}: failed — {summary.error}", fg="red")
    elif summary.status != "ok":
        click.echo(f"{stamp} {summary.source}: {summary.status.replace('_', ' ')}")
    else:
        click.echo(
            f"{stamp} {summary.source}: {summary.fetched} fetched, {summary.new} new,"
            f" {summary.linked} linked"
        )
    for problem in summary.problems[:5]:
        click.secho(f"  warning: {problem}", fg="yellow")


COMMANDS = (sources, ingest)
