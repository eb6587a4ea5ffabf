"""Follow-ups: draft every follow-up that is due into the review queue, in batches; nothing is
ever sent (a person sends an approved follow-up on the marketplace and marks it sent).

A run first hands back follow-ups stuck in drafting (their worker died), then claims and
drafts batches until one comes back short; each batch is one task, never one per follow-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from bidflow import db
from bidflow.store.followups import release_stuck_follow_ups
from bidflow.types import utcnow
from flows.context import FlowContext, flow_context
from flows.followup_batch import ACTOR, BATCH_SIZE, BatchResult, draft_batch
from flows.run_health import summarise, tracked

# A batch's LLM calls take minutes at worst (timeouts × tries over the batch, a few at a time);
# a follow-up still drafting after an hour has lost its worker. Handing it back twice is
# harmless: a draft is stored only under the claim that wrote it.
DRAFTING_TIMEOUT = timedelta(hours=1)
# Bounds one run however many are due; the rest wait for the next run (every 15 minutes).
MAX_BATCHES = 50

RunBatch = Callable[[FlowContext, datetime, int], BatchResult]


@dataclass
class FollowUpRun:
    """What one run of the flow did."""

    recovered: int = 0  # stuck in drafting, handed back to scheduled first
    claimed: int = 0
    queued: int = 0
    offline: int = 0
    dropped: int = 0
    failed: int = 0
    seconds: float = 0.0

    def add(self, batch: BatchResult) -> None:
        self.claimed += batch.claimed
        self.queued += batch.queued
        self.offline += batch.offline
        self.dropped += batch.dropped
        self.failed += batch.failed


@task(name="draft-follow-up-batch", cache_policy=NO_CACHE)
def batch_task(context: FlowContext, now: datetime, size: int) -> BatchResult:
    return draft_batch(context, now=now, size=size)


def draft_due_follow_ups(
    context: FlowContext,
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    run_batch: RunBatch = batch_task.fn,
) -> FollowUpRun:
    """Hand back stuck claims, then draft due follow-ups batch by batch until a batch is short
    or fails (what failed is due again at once, so this run must not claim it again). The flow
    runs each batch as a task; called as a plain function, a batch is a plain call.

    ``now`` pins the clock (tests); otherwise every batch reads it afresh."""
    started = time.monotonic()
    run = FollowUpRun(recovered=recover_stuck(context, now=now or utcnow()))
    for _ in range(MAX_BATCHES):
        batch = run_batch(context, now or utcnow(), batch_size)
        run.add(batch)
        if batch.claimed < batch_size or batch.failed:
            break
    run.seconds = time.monotonic() - started
    return run


def recover_stuck(context: FlowContext, *, now: datetime) -> int:
    """Hand back follow-ups claimed for drafting more than ``DRAFTING_TIMEOUT`` ago."""
    with db.session_scope(context.url, write=True) as session:
        released = release_stuck_follow_ups(
            session=session, claimed_before=now - DRAFTING_TIMEOUT, actor=ACTOR
        )
    return len(released)


@tracked
@flow(name="followups")
def followups_flow(config_path: str | None = None) -> FollowUpRun:
    """Draft due follow-ups into the review queue."""
    started = time.perf_counter()
    run = draft_due_follow_ups(flow_context(config_path), run_batch=batch_task)
    summarise(
        "followups",
        took_in=f"{run.claimed} due follow-ups",
        gave_out=f"{run.queued} drafts queued",
        errors=run.failed,
        started=started,
        details=f"{run.offline} offline, {run.dropped} dropped,"
        f" {run.recovered} recovered from stuck drafting",
    )
    return run
