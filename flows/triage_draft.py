"""Triage, then draft: what follows new jobs. The ingest deployment runs it as soon as a poll
stored new jobs, and its own deployment runs it every minute to catch anything left over
(a batch a dead worker held, a job parked until a cap frees)."""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter

from prefect import flow

from bidflow import db
from bidflow.store.decisions import any_waiting_for_draft
from bidflow.store.jobs import any_untriaged
from flows.context import FlowContext, flow_context
from flows.draft import DraftSummary, draft_task
from flows.run_health import summarise, tracked
from flows.triage import TriageSummary, triage_task


@dataclass
class TriageDraftSummary:
    triage: TriageSummary
    draft: DraftSummary


def triage_and_draft(context: FlowContext) -> TriageDraftSummary:
    """Triage, then draft, as two tasks of the flow that calls this (no subflows: each flow
    run costs Prefect API round trips, seconds on a busy server, between a job and its draft).
    A stage with nothing waiting is skipped without a task run: the catch-up deployment runs
    every minute, and most minutes it finds nothing."""
    started = perf_counter()
    with db.session_scope(context.url) as session:
        to_triage = any_untriaged(session=session)
    triage = triage_task(context) if to_triage else TriageSummary()
    with db.session_scope(context.url) as session:
        to_draft = any_waiting_for_draft(session=session)
    draft = draft_task(context) if to_draft else DraftSummary()
    summarise(
        "triage-draft",
        took_in=f"{triage.jobs} jobs",
        gave_out=f"{sum(draft.drafted.values())} drafts queued",
        errors=draft.llm_failures,
        started=started,
        details=f"{triage.passed} passed, {triage.routed} routed,"
        f" {sum(draft.parked.values())} parked",
    )
    return TriageDraftSummary(triage=triage, draft=draft)


@tracked
@flow(name="triage-draft")
def triage_draft_flow(config_path: str | None = None) -> TriageDraftSummary:
    """Triage every job without a decision, then draft what was routed, within the caps."""
    return triage_and_draft(flow_context(config_path))
