"""Ingest: poll the enabled feeds (concurrently, one task per feed poll) and store new jobs."""

from __future__ import annotations

from time import perf_counter

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from bidflow.config import FeedConfig
from bidflow.types import utcnow
from connectors.feeds.polling import SourceSummary, due_feeds, poll_feed
from flows.context import FlowContext, flow_context
from flows.progress import report
from flows.retries import JITTER, POLL_BACKOFF, POLL_RETRIES, feed_retried_in_run, will_retry
from flows.run_health import log_poll, summarise, tracked
from flows.triage_draft import triage_and_draft


@task(
    name="poll-source",
    cache_policy=NO_CACHE,
    retries=POLL_RETRIES,
    retry_delay_seconds=POLL_BACKOFF,
    retry_jitter_factor=JITTER,
)
def poll_source(context: FlowContext, feed: FeedConfig) -> SourceSummary:
    retrying = will_retry() and feed_retried_in_run(feed)
    summary = poll_feed(
        feed, context.agency, context.settings, context.url, utcnow(), retrying=retrying
    )
    log_poll(summary.problems, summary.error)
    return summary


@tracked
@flow(name="ingest")
def ingest_flow(
    config_path: str | None = None, only_due: bool = False, then_triage_and_draft: bool = False
) -> list[SourceSummary]:
    """Poll every enabled feed once (``only_due``: only those whose interval has passed);
    with ``then_triage_and_draft``, triage and draft at once when new jobs arrived (a fresh
    job's first minutes decide whether the proposal is read)."""
    started = perf_counter()
    context = flow_context(config_path)
    feeds = due_feeds(context.agency, context.url, utcnow(), include_not_due=not only_due)
    futures = [poll_source.submit(context, feed) for feed in feeds]
    summaries = []
    for done, future in enumerate(futures, start=1):
        summaries.append(future.result())
        report("ingest", done, len(futures))
    summarise(
        "ingest",
        took_in=f"{len(summaries)} feeds",
        gave_out=f"{sum(s.new for s in summaries)} new jobs",
        errors=sum(1 for s in summaries if s.error),
        started=started,
        details=f"{sum(s.fetched for s in summaries)} fetched, {sum(s.linked for s in summaries)}"
        f" linked, {sum(s.duplicates for s in summaries)} duplicates,"
        f" {sum(len(s.problems) for s in summaries)} problems",
    )
    if then_triage_and_draft and any(s.new for s in summaries):
        triage_and_draft(context)
    return summaries
