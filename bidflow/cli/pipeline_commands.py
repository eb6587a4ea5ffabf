"""``bidflow run`` and ``bidflow report``: the cycle once, and the conversion table."""

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


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Agency config.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), help="Also write a CSV.")
def report(config_path: Path | None, csv_path: Path | None) -> None:
    """Print the per-bidder conversion table: drafted, approved, sent, replied, hired, rates."""
    settings = get_settings()
    configure_prefect(settings)
    from flows.report import report_flow

    table = report_flow(
        str(config_path or settings.config_path), str(csv_path) if csv_path else None
    )
    click.echo(table.to_string(index=False, na_rep="–"))
    if csv_path:
        click.echo(f"Wrote {csv_path}")


COMMANDS = (run, report)
