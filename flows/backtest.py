"""Backtest: a ruleset tried over stored jobs of a past window without writing anything — how
many would pass, why the others fail, who would have got what (caps not applied). The
parameterised deployment behind "what if we tightened the budget rule last month?"."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from time import perf_counter

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from bidflow import db
from bidflow.config.feeds import parse_duration
from bidflow.errors import ConfigError
from flows.context import FlowContext, flow_context
from flows.run_health import summarise, tracked
from rules.trials import try_ruleset


@dataclass
class BacktestResult:
    ruleset: str
    since: str
    jobs: int
    passed: int
    routed: dict[str, int]
    failed_rules: list[tuple[str, int, str]]


@task(name="backtest-ruleset", cache_policy=NO_CACHE)
def backtest_task(context: FlowContext, ruleset: str, since: str) -> BacktestResult:
    if ruleset not in context.agency.rulesets:
        known = ", ".join(sorted(context.agency.rulesets))
        raise ConfigError(f"no ruleset '{ruleset}' in the config; defined: {known}")
    try:
        window = parse_duration(since)
    except ValueError as exc:
        raise ConfigError(f"since {since!r}: {exc}") from None
    with db.session_scope(context.url) as session:
        trial = try_ruleset(session=session, agency=context.agency, ruleset=ruleset, since=window)
        session.rollback()  # a backtest keeps nothing
    return BacktestResult(
        ruleset=ruleset,
        since=since,
        jobs=trial.jobs,
        passed=trial.passed,
        routed=dict(trial.routed),
        failed_rules=trial.failed_rules,
    )


@tracked
@flow(name="backtest")
def backtest_flow(
    config_path: str | None = None, ruleset: str = "default", since: str = "30d"
) -> dict[str, object]:
    """Try ``ruleset`` over the jobs posted within ``since`` (e.g. 30d, 12h); writes nothing."""
    started = perf_counter()
    result = backtest_task(flow_context(config_path), ruleset, since)
    share = result.passed / result.jobs if result.jobs else 0.0
    summarise(
        "backtest",
        took_in=f"{result.jobs} jobs",
        gave_out=f"{result.passed} would pass ({100 * share:.0f}%)",
        errors=0,
        started=started,
        details=f"ruleset {result.ruleset} over {result.since}, routed {result.routed or 'nobody'}",
    )
    return asdict(result)
