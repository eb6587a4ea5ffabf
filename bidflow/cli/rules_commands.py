"""``bidflow rules check | test | explain``: see what the triage rules do before trusting them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from bidflow import db
from bidflow.config import AgencyConfig, load_agency_config
from bidflow.config.feeds import parse_duration
from bidflow.errors import ConfigError
from bidflow.settings import get_settings
from bidflow.types import utcnow
from bidflow.wording import ago, money
from rules.trials import RulesetTrial, job_with_decisions, try_ruleset

_config_option = click.option(
    "--config", "path", type=click.Path(path_type=Path), help="Agency config to use."
)


def _agency(path: Path | None) -> AgencyConfig:
    return load_agency_config(path or get_settings().config_path)


def _database() -> str:
    """The database, which must already be at the current schema: these commands write nothing,
    not even a migration."""
    url = get_settings().resolved_database_url
    sqlite_file = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    # Asking a missing SQLite file for its revision would create it, empty.
    missing = sqlite_file is not None and not Path(sqlite_file).exists()
    revision = None if missing else db.current_revision(url)
    if revision is None:
        raise ConfigError(
            f"no jobs are stored at {url} yet; run `bidflow run` (or `bidflow ingest`) first"
        )
    if revision != db.head_revision():
        raise ConfigError(
            f"the database at {url} is not at the current schema; run `bidflow db upgrade` first"
        )
    return url


@click.group()
def rules() -> None:
    """Check, try and explain the triage rulesets."""


@rules.command("check")
@_config_option
def check_rules(path: Path | None) -> None:
    """Validate the rulesets (and the rest of the config); each problem names its line and fix."""
    agency = _agency(path)
    for name, ruleset in agency.rulesets.items():
        users = [b.name for b in agency.bidders if b.ruleset == name]
        who = ", ".join(users) if users else "no bidder yet"
        click.echo(f"{name}: ok — threshold {ruleset.threshold:.2f}, used by {who}")


@rules.command("test")
@click.argument("ruleset")
@click.option(
    "--since", default="7d", show_default=True, help="Jobs posted within this long ago (7d, 12h)."
)
@_config_option
def test_rules(ruleset: str, since: str, path: Path | None) -> None:
    """Run RULESET over stored jobs without writing anything: how many pass, why the others
    fail, and which bidder would have received what (caps not applied)."""
    agency = _agency(path)
    if ruleset not in agency.rulesets:
        known = ", ".join(sorted(agency.rulesets))
        raise ConfigError(f"no ruleset '{ruleset}' in the config; defined: {known}")
    window = _window(since)
    url = _database()
    with db.session_scope(url) as session:
        trial = try_ruleset(session=session, agency=agency, ruleset=ruleset, since=window)
        session.rollback()  # nothing this command does is kept
    _print_trial(trial, since)


def _window(since: str) -> timedelta:
    try:
        return parse_duration(since)
    except ValueError as exc:
        raise ConfigError(f"--since {since!r}: {exc}") from None


def _print_trial(trial: RulesetTrial, since: str) -> None:
    judged = ", ".join(trial.bidders)
    if trial.everyone:
        judged += " (no bidder uses this ruleset yet: every bidder judged by it)"
    click.echo(f"ruleset '{trial.ruleset}' over {trial.jobs} jobs posted in the last {since}")
    click.echo(f"  bidders   {judged}")
    if not trial.jobs:
        click.echo("  no stored job was posted in that window; try a longer --since")
        return
    click.echo(f"  passed    {trial.passed} ({trial.passed / trial.jobs:.0%})")
    if trial.failed_rules:
        click.echo("  top reasons jobs failed (the closest bidder's failed rules):")
        for rule, count, example in trial.failed_rules[:8]:
            click.echo(f"    {count:>6}  {rule:<16} e.g. {example}")
    click.echo("  would route:")
    for bidder in trial.bidders:
        click.echo(f"    {trial.routed.get(bidder, 0):>6}  {bidder}")
    click.echo("Nothing was written.")


@rules.command("explain")
@click.argument("job_id", type=int)
@_config_option
def explain(job_id: int, path: Path | None) -> None:
    """Print one job's full triage decision: every bidder, every rule, why."""
    agency = _agency(path)
    url = _database()
    with db.session_scope(url) as session:
        story = job_with_decisions(session=session, agency=agency, job_id=job_id)
        job = story.job
        now = utcnow()
        click.echo(f"job {job.id} · {job.title}")
        click.echo(
            f"  {job.source} · posted {ago(job.posted_at, now=now)} · {job.url or 'no link'}"
        )
        click.echo(f"  {_facts(job)}")
        session.rollback()  # read only
    if not story.stored:
        click.echo("not triaged yet; as the rules stand now:")
    for decision in story.decisions:
        _print_decision(decision)


def _facts(job: Any) -> str:
    parts: list[str] = []
    if job.budget is not None:
        parts.append(f"fixed {money(job.budget)}")
    if job.hourly_min is not None or job.hourly_max is not None:
        low, high = job.hourly_min or job.hourly_max, job.hourly_max or job.hourly_min
        parts.append(f"hourly {money(low)}–{money(high)}")
    shown: Sequence[tuple[Any, Callable[[Any], str]]] = (
        (job.client_payment_verified, lambda v: "payment verified" if v else "payment unverified"),
        (job.client_total_spent, lambda v: f"{money(v)} spent"),
        (job.client_hires, lambda v: f"{v} hires"),
        (job.client_feedback, lambda v: f"{v:.1f}★"),
        (job.client_country, str),
        (job.proposals_bucket, lambda v: f"{v} proposals"),
    )
    parts.extend(show(value) for value, show in shown if value is not None)
    return " · ".join(parts) or "no budget or client details"


_MARK = {"passed": "pass", "failed": "FAIL", "missing": "n/a "}


def _print_decision(decision: dict[str, Any]) -> None:
    verdict = "PASSED" if decision["passed"] else "failed"
    routed = " — routed here" if decision["routed"] else ""
    click.echo(
        f"{decision['bidder']} (ruleset {decision['ruleset']}): {verdict},"
        f" score {decision['score']:.2f}{routed}"
    )
    for reason in decision["reasons"]:
        mark = _MARK.get(reason["status"], reason["status"])
        click.echo(f"  {mark}  {reason['rule']}: {reason['message']}")
    if decision.get("parked_reason"):
        click.echo(f"  parked: {decision['parked_reason']}")
    if decision.get("proposal"):
        click.echo(f"  proposal: {decision['proposal']}")


COMMANDS = (rules,)
