"""Triage: judge every new job for every bidder, route each passing job to one bidder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from time import perf_counter

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlmodel import Session

from bidflow import db
from bidflow.store.decisions import store_decisions
from bidflow.store.jobs import untriaged_jobs
from bidflow.store.proposals import clients_bid_for
from bidflow.types import utcnow
from flows.context import FlowContext, flow_context
from flows.progress import report
from flows.run_health import summarise, tracked
from rules.guardrails import bidder_capacity
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
        # write=True: on SQLite one process triages at a time; on PostgreSQL the batch's job
        # rows are claimed (SKIP LOCKED) so concurrent workers take different batches.
        with db.session_scope(context.url, write=True) as session:
            jobs = untriaged_jobs(session=session, limit=BATCH)
            if not jobs:
                return summary
            now = utcnow()
            decisions = triage_jobs(
                jobs,
                context.bidders,
                context.agency,
                now=now,
                room=_room(session, context, now),
                previous_clients=clients_bid_for(
                    session=session, client_keys={j.client_key for j in jobs if j.client_key}
                ),
            )
            store_decisions(session=session, decisions=decisions.rows)
        summary.jobs += len(jobs)
        summary.passed += decisions.passed_jobs
        summary.routed += decisions.routed
        report("triage", summary.jobs, summary.jobs)


def _room(session: Session, context: FlowContext, now: datetime) -> dict[int, int]:
    """Each bidder's free capacity now, so routing prefers bidders who can take the job."""
    return {
        slot.id: bidder_capacity(
            session=session, bidder_id=slot.id, bidder=slot.config, agency=context.agency, now=now
        ).remaining
        for slot in context.bidders
    }


@task(name="triage-backlog", cache_policy=NO_CACHE)
def triage_task(context: FlowContext) -> TriageSummary:
    return triage_backlog(context)


@tracked
@flow(name="triage")
def triage_flow(config_path: str | None = None) -> TriageSummary:
    """Triage every untriaged job."""
    started = perf_counter()
    summary = triage_task(flow_context(config_path))
    summarise(
        "triage",
        took_in=f"{summary.jobs} jobs",
        gave_out=f"{summary.routed} routed",
        errors=0,
        started=started,
        details=f"{summary.passed} passed",
    )
    return summary
