"""The ingest deployment's run: poll the due feeds and, when new jobs arrived, triage and draft
them in the same run; a run with nothing new drafts nothing. The backtest deployment tries a
ruleset over stored jobs and keeps nothing."""

from __future__ import annotations

from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import State
from sqlalchemy import func
from sqlmodel import select

from bidflow import db
from bidflow.models import Decision, Event, Job, Proposal
from bidflow.settings import get_settings
from flows.backtest import backtest_flow
from flows.ingest import ingest_flow
from flows.triage_draft import triage_draft_flow


def _counts() -> tuple[int, int, int]:
    with db.session_scope(get_settings().resolved_database_url) as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Job, Decision, Proposal)
        )


def test_new_jobs_are_triaged_and_drafted_in_the_ingest_run(sample_agency: Path) -> None:
    ingest_flow(str(sample_agency), only_due=True, then_triage_and_draft=True)

    jobs, decisions, proposals = _counts()
    assert jobs == 360 and decisions == 360 * 3 and proposals > 0

    again = ingest_flow(str(sample_agency), only_due=True, then_triage_and_draft=True)

    assert again == []  # polled a moment ago: no feed is due, nothing is triaged or drafted
    assert _counts() == (jobs, decisions, proposals)


def _tasks_run(state: State) -> list[str]:
    """The names of the task runs of the flow run that ended in ``state``."""
    only_that_run = FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=only_that_run)
    return sorted(run.name.rsplit("-", 1)[0] for run in runs)


def test_the_catch_up_run_spends_a_task_run_only_on_a_stage_with_work(
    sample_agency: Path,
) -> None:
    idle = triage_draft_flow(str(sample_agency), return_state=True)
    ingest_flow(str(sample_agency))  # stored, not triaged
    first = triage_draft_flow(str(sample_agency), return_state=True)
    again = triage_draft_flow(str(sample_agency), return_state=True)

    assert _tasks_run(idle) == []  # nothing waits: no Prefect task run is paid for
    assert _tasks_run(first) == ["draft-backlog", "triage-backlog"]
    parked = first.result().draft.parked
    assert first.result().draft.drafted and parked
    # Every job is triaged; the parked ones still wait for room, so only drafting runs.
    assert _tasks_run(again) == ["draft-backlog"]
    assert again.result().triage.jobs == 0


def test_without_the_flag_ingest_only_stores_jobs(sample_agency: Path) -> None:
    ingest_flow(str(sample_agency))

    assert _counts()[0] == 360 and _counts()[1:] == (0, 0)


def test_a_backtest_reports_a_ruleset_over_stored_jobs_and_writes_nothing(
    sample_agency: Path,
) -> None:
    ingest_flow(str(sample_agency))
    with db.session_scope(get_settings().resolved_database_url) as session:
        events_before = session.exec(select(func.count()).select_from(Event)).one()

    result = backtest_flow(str(sample_agency), ruleset="default", since="30d")

    assert result["jobs"] == 360 and 0 < int(str(result["passed"])) < 360
    assert sum(dict(result["routed"]).values()) > 0  # type: ignore[call-overload]
    assert _counts()[1:] == (0, 0)
    with db.session_scope(get_settings().resolved_database_url) as session:
        assert session.exec(select(func.count()).select_from(Event)).one() == events_before
