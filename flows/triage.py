"""Triage: judge every new job for every bidder, route each passing job to one bidder."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from bidflow import db
from bidflow.store.decisions import store_decisions
from bidflow.store.jobs import untriaged_jobs
from flows.context import FlowContext, flow_context
from flows.progress import report
from rules.triage import triage_jobs

BATCH = 2_000


@dataclass
class TriageSummary:
    """What one triage run decided."""

    jobs: int = 0
    passed: int = 0
    routed: int = 0


def triage_backlog(context: FlowContext) -> TriageSummary:
    """Decide every job that has no decision yet, a batch per transaction."""
    summary = TriageSummary()
    if not context.bidders:
        return summary
    while True:
        with db.session_scope(context.url) as session:
            jobs = untriaged_jobs(session=session, limit=BATCH)
            if not jobs:
                return summary
            rows = triage_jobs(jobs, context.bidders, context.agency)
            store_decisions(session=session, decisions=rows)
        summary.jobs += len(jobs)
        summary.passed += len({r["job_id"] for r in rows if r["passed"]})
        summary.routed += sum(1 for r in rows if r["routed"])
        report("triage", summary.jobs, summary.jobs)


@task(name="triage-backlog", cache_policy=NO_CACHE)
def triage_task(context: FlowContext) -> TriageSummary:
    return triage_backlog(context)


@flow(name="triage")
def triage_flow(config_path: str | None = None) -> TriageSummary:
    """Triage every untriaged job."""
    summary = triage_task(flow_context(config_path))
    get_run_logger().info(
        "triage: %d jobs, %d passed, %d routed", summary.jobs, summary.passed, summary.routed
    )
    return summary
