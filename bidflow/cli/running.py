"""Running flows from the CLI: Prefect's environment, a progress bar, and a readable summary."""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bidflow.settings import Settings

if TYPE_CHECKING:
    from flows.pipeline import PipelineSummary

_STEP_LABELS = {
    "ingest": "Ingesting feeds",
    "triage": "Triaging jobs",
    "draft": "Drafting proposals",
}


def configure_prefect(settings: Settings, *, verbose: bool = False) -> None:
    """Point Prefect at bidflow's home unless the user configured it; must run before Prefect is
    imported, because Prefect reads its settings once, on import."""
    if "prefect" in sys.modules:
        return
    os.environ.setdefault("PREFECT_HOME", str(settings.home / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Prefect's temporary server gives up after 20 s, but its first start in a new home (its
    # database migrations) takes 15-30 s on a small, busy machine: a first demo must not fail.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def run_pipeline(config_path: str | None, console: Console) -> tuple[PipelineSummary, float]:
    """Run the whole cycle with a progress bar per step; returns the summary and seconds taken."""
    from flows.pipeline import pipeline_flow
    from flows.progress import set_reporter

    started = time.perf_counter()
    columns = (
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        tasks: dict[str, int] = {}

        def reporter(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = int(progress.add_task(_STEP_LABELS.get(step, step), total=total))
            progress.update(tasks[step], completed=done, total=max(total, done))  # type: ignore[arg-type]

        set_reporter(reporter)
        try:
            summary = pipeline_flow(config_path)
        finally:
            set_reporter(None)
    return summary, time.perf_counter() - started


def print_summary(summary: PipelineSummary, seconds: float) -> None:
    """What the cycle did, in a few lines a person can scan."""
    if not summary.sources:
        click.secho(
            "No feed was polled: every feed in the config is disabled or pushed to the webhook."
            " Enable one (`enabled: true`; docs/sources.md) and check it with `bidflow check`.",
            fg="yellow",
        )
    for source in summary.sources:
        if source.error:
            click.secho(f"  {source.source}: failed — {source.error}", fg="red")
            continue
        if source.status == "not_modified":
            click.echo(f"  {source.source}: unchanged since the last poll")
            continue
        linked = f", {source.linked} linked to jobs from other feeds" if source.linked else ""
        click.echo(
            f"  {source.source}: {source.fetched} fetched, {source.new} new,"
            f" {source.duplicates} already known{linked}"
        )
        for problem in source.problems[:5]:
            click.secho(f"    warning: {problem}", fg="yellow")
        if len(source.problems) > 5:
            click.secho(f"    … and {len(source.problems) - 5} more warnings", fg="yellow")
    triage, draft = summary.triage, summary.draft
    click.echo(f"Triaged {triage.jobs} jobs: {triage.passed} passed, {triage.routed} routed")
    drafted = sum(draft.drafted.values())
    click.echo(f"Drafted {drafted} proposals ({draft.offline} by the offline drafter):")
    for bidder, count in sorted(draft.drafted.items()):
        click.echo(f"  {bidder}: {count}")
    for bidder, parked in sorted(draft.parked.items()):
        cap = draft.binding_caps.get(bidder, "a cap")
        click.secho(f"  {bidder}: {parked} more parked until the {cap} frees up", fg="yellow")
    click.echo(f"Took {seconds:.1f} s")
