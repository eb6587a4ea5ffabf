"""``bidflow status``: how much is at each stage, and how long the oldest draft has waited."""

from __future__ import annotations

import json

import click

from bidflow import db
from bidflow.settings import get_settings
from bidflow.store.status import pipeline_status


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "none waiting"
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(as_json: bool) -> None:
    """Counts per stage: jobs, decisions, proposals by status, follow-ups, alerts."""
    url = get_settings().resolved_database_url
    db.upgrade(url)
    with db.session_scope(url) as session:
        current = pipeline_status(session=session)
    if as_json:
        click.echo(json.dumps(current.as_json(), indent=2, sort_keys=True))
        return
    click.echo(f"jobs            {current.jobs} ({current.jobs_untriaged} not yet triaged)")
    click.echo(
        f"decisions       {current.decisions_passed} passed, {current.decisions_failed} failed"
    )
    click.echo(
        f"routed jobs     {current.jobs_routed} ({current.routed_waiting_for_draft} waiting for a"
        " draft)"
    )
    proposals = ", ".join(f"{k} {v}" for k, v in sorted(current.proposals.items())) or "none"
    click.echo(f"proposals       {proposals}")
    follow_ups = ", ".join(f"{k} {v}" for k, v in sorted(current.follow_ups.items())) or "none"
    click.echo(f"follow-ups      {follow_ups}")
    alerts = ", ".join(f"{k} {v}" for k, v in sorted(current.alerts.items())) or "none"
    click.echo(f"alerts          {alerts}")
    click.echo(f"oldest draft    {_age(current.oldest_unreviewed_age_s)}")


COMMANDS = (status,)
