"""``bidflow status``: how much is at each stage, what waits where (and how long the oldest
draft has waited), and how each flow's last run went."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import click

from bidflow import db
from bidflow.models import FlowRunRecord
from bidflow.settings import get_settings
from bidflow.store.flow_runs import last_flow_runs, run_json
from bidflow.store.status import PipelineStatus, pipeline_status
from bidflow.types import utcnow


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "none waiting"
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def _ago(moment: datetime, now: datetime) -> str:
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 120:
        return f"{seconds} s ago"
    return f"{_age(seconds)} ago" if seconds < 2 * 86_400 else f"{seconds // 86_400} d ago"


def _backlog(current: PipelineStatus) -> None:
    backlog = current.backlog()
    click.echo("backlog")
    click.echo(f"  not yet triaged     {backlog['jobs_untriaged']} jobs")
    click.echo(f"  waiting for draft   {backlog['routed_waiting_for_draft']} routed jobs")
    oldest = backlog["oldest_draft_age_s"]
    click.echo(
        f"  waiting for review  {backlog['drafts_waiting_for_review']} drafts"
        + (f" (oldest {_age(oldest)})" if oldest is not None else "")
        + f", {backlog['follow_ups_waiting_for_review']} follow-ups"
    )
    click.echo(f"  follow-ups due      {backlog['follow_ups_due']}")
    click.echo(f"  alerts to send      {backlog['alerts_pending']}")


def _last_runs(runs: Sequence[FlowRunRecord], now: datetime) -> None:
    click.echo("last runs" if runs else "last runs       none recorded yet")
    width = max((len(run.flow) for run in runs), default=0)
    for run in runs:
        took = (run.finished_at - run.started_at).total_seconds()
        line = (
            f"  {run.flow:<{width}}  {run.state:<9} {_ago(run.finished_at, now)}, took {took:.1f} s"
        )
        if run.failures_in_row > 1:
            line += f", {run.failures_in_row} failures in a row"
        click.echo(line)
        # The summary line when the run got that far; for a failure, its error too.
        for detail in (run.summary, f"error: {run.error}" if run.error else None):
            if detail:
                click.echo(f"  {'':<{width}}  {detail}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(as_json: bool) -> None:
    """Counts per stage, the backlog of each stage and each flow's last run."""
    url = get_settings().resolved_database_url
    db.upgrade(url)
    now = utcnow()
    with db.session_scope(url) as session:
        current = pipeline_status(session=session, now=now)
        runs = last_flow_runs(session=session)
    if as_json:
        data = current.as_json() | {"last_runs": {run.flow: run_json(run) for run in runs}}
        click.echo(json.dumps(data, indent=2, sort_keys=True))
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
    _backlog(current)
    _last_runs(runs, now)


COMMANDS = (status,)
