"""``bidflow run``: the cycle once (``bidflow report`` lives in ``report_commands``)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from bidflow.cli.running import configure_prefect, print_summary, run_pipeline
from bidflow.settings import get_settings


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Agency config.")
@click.option("-v", "--verbose", is_flag=True, help="Show Prefect's logs.")
def run(config_path: Path | None, verbose: bool) -> None:
    """Run the cycle once: ingest every feed, triage, draft into the review queue."""
    settings = get_settings()
    configure_prefect(settings, verbose=verbose)
    summary, seconds = run_pipeline(str(config_path or settings.config_path), Console(stderr=True))
    print_summary(summary, seconds)
    click.echo(f"Review the queue: {settings.review_url}  (start it with `bidflow web`)")


COMMANDS = (run,)
