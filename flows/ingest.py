"""Ingest: poll the enabled feeds (concurrently, one task per feed poll) and store new jobs."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from bidflow.config import FeedConfig
from bidflow.types import utcnow
from connectors.feeds.polling import SourceSummary, due_feeds, poll_feed
from flows.context import FlowContext, flow_context
from flows.progress import report


@task(name="poll-source", cache_policy=NO_CACHE)
def poll_source(context: FlowContext, feed: FeedConfig) -> SourceSummary:
    summary = poll_feed(feed, context.agency, context.settings, context.url, utcnow())
    logger = get_run_logger()
    for problem in summary.problems[:50]:
        logger.warning(problem)
    if summary.error:
        logger.error(summary.error)
    return summary


@flow(name="ingest")
def ingest_flow(config_path: str | None = None, only_due: bool = False) -> list[SourceSummary]:
    """Poll every enabled feed once (``only_due``: only those whose interval has passed)."""
    context = flow_context(config_path)
    feeds = due_feeds(context.agency, context.url, utcnow(), include_not_due=not only_due)
    futures = [poll_source.submit(context, feed) for feed in feeds]
    summaries = []
    for done, future in enumerate(futures, start=1):
        summaries.append(future.result())
        report("ingest", done, len(futures))
    get_run_logger().info(
        "ingest: %d feeds, %d fetched, %d new, %d linked, %d duplicates, %d problems, %d failed",
        len(summaries),
        sum(s.fetched for s in summaries),
        sum(s.new for s in summaries),
        sum(s.linked for s in summaries),
        sum(s.duplicates for s in summaries),
        sum(len(s.problems) for s in summaries),
        sum(1 for s in summaries if s.error),
    )
    return summaries
