"""Flow health: each flow run's one summary line, and its outcome recorded in bidflow's own
database by Prefect state hooks, whichever way the run was started (a deployment, ``bidflow
run``, a test).

Every flow is declared ``@tracked`` above ``@flow``; it calls ``summarise`` once, at its end.
The hooks store the run (``bidflow.store.flow_runs``): a failure in a row past the config's
``agency.flow_failure_alert_after`` queues an alert for the owners, and old rows are pruned.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any, ParamSpec, TypeVar

from prefect import Flow, State, get_run_logger
from prefect.client.schemas.objects import FlowRun
from prefect.context import FlowRunContext

from bidflow import db
from bidflow.config import AgencySettings, load_agency_config
from bidflow.errors import BidflowError
from bidflow.settings import get_settings
from bidflow.store.flow_runs import FlowOutcome, record_flow_run
from flows.context import _migrated as migrated  # the flows' own once-per-process upgrade

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger(__name__)

ERROR_CHARS = 1_000

# Runs in flight, by flow run id: the summary line (from the run's own thread) and the start
# (from its running hook), both read by its final hook in the same process.
_lines: dict[str, str] = {}
_started: dict[str, datetime] = {}


def tracked(flow: Flow[P, R]) -> Flow[P, R]:
    """``flow`` with the state hooks that record each of its runs (its own hooks kept)."""
    return flow.with_options(
        on_running=[*flow.on_running_hooks, _mark_started],
        on_completion=[*flow.on_completion_hooks, record_outcome],
        on_failure=[*flow.on_failure_hooks, record_outcome],
        on_crashed=[*flow.on_crashed_hooks, record_outcome],
    )


def summarise(
    flow: str, *, took_in: str, gave_out: str, errors: int, started: float, details: str = ""
) -> str:
    """Log the run's one summary line and keep it for the run's record; returns the line.

    Every flow's line reads the same way: ``FLOW: in WHAT, out WHAT, N errors, S s; details``
    (``started`` is ``time.perf_counter()`` at the run's start)."""
    seconds = perf_counter() - started
    noun = "error" if errors == 1 else "errors"
    line = f"{flow}: in {took_in}, out {gave_out}, {errors} {noun}, {seconds:.1f} s"
    if details:
        line += f"; {details}"
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:  # called as a plain function
        log.info(line)
        return line
    _lines[str(context.flow_run.id)] = line
    get_run_logger().info(line)
    return line


def _mark_started(flow: Flow[Any, Any], flow_run: FlowRun, state: State[Any]) -> None:
    _started[str(flow_run.id)] = _utc(state.timestamp)


def record_outcome(flow: Flow[Any, Any], flow_run: FlowRun, state: State[Any]) -> None:
    """The final-state hook: store how the run ended (failing hooks are logged by Prefect and
    change nothing about the run itself)."""
    run_id = str(flow_run.id)
    finished = _utc(state.timestamp)
    started = _started.pop(run_id, None) or (
        _utc(flow_run.start_time) if flow_run.start_time else finished
    )
    outcome = FlowOutcome(
        flow=flow.name,
        run_id=run_id,
        started_at=started,
        finished_at=finished,
        state=_state_name(state),
        summary=_lines.pop(run_id, None),
        error=None if state.is_completed() else _one_line(state.message),
    )
    url = migrated(get_settings().resolved_database_url)
    with db.session_scope(url, write=True) as session:
        record_flow_run(session=session, outcome=outcome, alert_after=_alert_after(flow_run))


def _alert_after(flow_run: FlowRun) -> int:
    """The config's ``agency.flow_failure_alert_after``; the default when the config cannot
    be read, which may well be why the run failed."""
    path = flow_run.parameters.get("config_path")
    try:
        agency = load_agency_config(Path(path) if path else get_settings().config_path)
    except (BidflowError, OSError, ValueError):
        return AgencySettings().flow_failure_alert_after
    return agency.agency.flow_failure_alert_after


def _state_name(state: State[Any]) -> str:
    if state.is_completed():
        return "Completed"
    if state.is_crashed():
        return "Crashed"
    return state.name or "Failed"  # "Failed", or "TimedOut" for a run past its time limit


def _one_line(message: str | None) -> str | None:
    if not message:
        return None
    text = " ".join(message.split())
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


def _utc(value: datetime) -> datetime:
    # Prefect's timestamps are pendulum objects; the database stores plain aware datetimes.
    return datetime.fromtimestamp(value.timestamp(), tz=UTC)


def log_poll(problems: list[str], error: str | None) -> None:
    """A source poll's outcome in the run's log: its first 50 problem lines as warnings (a
    broken feed can have thousands), and the error that stopped it, if any."""
    logger = get_run_logger()
    for problem in problems[:50]:
        logger.warning(problem)
    if error:
        logger.error(error)
