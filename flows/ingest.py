"""Ingest: poll every enabled feed (concurrently, one task per feed) and store new jobs."""

from __future__ import annotations

from dataclasses import dataclass, field

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from bidflow import db
from bidflow.config import FeedConfig
from bidflow.errors import FeedError
from bidflow.store.jobs import store_jobs
from connectors.feeds import build_source
from flows.context import FlowContext, flow_context
from flows.progress import report

STORE_CHUNK = 1_000  # jobs per transaction: large enough to amortise, small enough to not block


@dataclass
class SourceSummary:
    """One feed's poll: what was fetched, stored, skipped, and what went wrong."""

    source: str
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None


def ingest_source(context: FlowContext, feed: FeedConfig) -> SourceSummary:
    """Fetch one feed and store its jobs. A feed that cannot be read at all is reported in
    ``error``; it never stops the other feeds."""
    summary = SourceSummary(source=feed.name)
    try:
        batch = build_source(feed, context.agency).fetch()
    except FeedError as exc:
        summary.error = str(exc)
        return summary
    summary.fetched = len(batch.jobs)
    summary.problems = batch.problems
    for start in range(0, len(batch.jobs), STORE_CHUNK):
        with db.session_scope(context.url) as session:
            stored = store_jobs(session=session, jobs=batch.jobs[start : start + STORE_CHUNK])
        summary.new += len(stored.new_ids)
        summary.duplicates += stored.duplicates
    return summary


@task(name="poll-source", cache_policy=NO_CACHE)
def poll_source(context: FlowContext, feed: FeedConfig) -> SourceSummary:
    summary = ingest_source(context, feed)
    logger = get_run_logger()
    for problem in summary.problems[:50]:
        logger.warning(problem)
    if summary.error:
        logger.error(summary.error)
    return summary


@flow(name="ingest")
def ingest_flow(config_path: str | None = None) -> list[SourceSummary]:
    """Poll every enabled feed once."""
    context = flow_context(config_path)
    feeds = [feed for feed in context.agency.feeds if feed.enabled]
    futures = [poll_source.submit(context, feed) for feed in feeds]
    summaries = []
    for done, future in enumerate(futures, start=1):
        summaries.append(future.result())
        report("ingest", done, len(futures))
    get_run_logger().info(
        "ingest: %d feeds, %d fetched, %d new, %d duplicates, %d problems, %d failed feeds",
        len(summaries),
        sum(s.fetched for s in summaries),
        sum(s.new for s in summaries),
        sum(s.duplicates for s in summaries),
        sum(len(s.problems) for s in summaries),
        sum(1 for s in summaries if s.error),
    )
    return summaries
