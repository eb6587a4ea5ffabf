"""Inbox: poll every due inbox source (Upwork's API, notification emails) for client messages
and proposal statuses, store them against their proposals, then alert at once.

Alerting in the same run is what keeps a reply's way to its account manager within one
polling interval: waiting for the separate notify flow would add up to another minute.
"""

from __future__ import annotations

from time import perf_counter

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from bidflow.config.inbox import InboxSourceConfig
from bidflow.types import utcnow
from connectors.inbox.polling import InboxSummary, due_inbox_sources, poll_inbox
from connectors.notify import RunSummary
from flows.context import FlowContext, flow_context
from flows.notify import notify_once


@task(name="poll-inbox", cache_policy=NO_CACHE)
def poll_inbox_task(context: FlowContext, entry: InboxSourceConfig) -> InboxSummary:
    summary = poll_inbox(entry, context.agency, context.settings, context.url, utcnow())
    logger = get_run_logger()
    for problem in summary.problems[:50]:
        logger.warning(problem)
    if summary.error:
        logger.error(summary.error)
    return summary


@task(name="alert-replies", cache_policy=NO_CACHE)
def alert_task(context: FlowContext) -> RunSummary:
    return notify_once(context)


@flow(name="inbox")
def inbox_flow(config_path: str | None = None, only_due: bool = True) -> list[InboxSummary]:
    """Poll the inbox sources (``only_due``: those whose interval has passed), then send the
    alerts their new replies call for."""
    started = perf_counter()
    context = flow_context(config_path)
    entries = due_inbox_sources(context.agency, context.url, utcnow(), include_not_due=not only_due)
    futures = [poll_inbox_task.submit(context, entry) for entry in entries]
    summaries = [future.result() for future in futures]
    alerts = alert_task(context)
    get_run_logger().info(
        "inbox: %d sources, %d read, %d new, %d matched, %d unmatched, %d problems,"
        " %d failed; %d alerts sent; %.1f s",
        len(summaries),
        sum(s.fetched for s in summaries),
        sum(s.new for s in summaries),
        sum(s.matched for s in summaries),
        sum(s.unmatched for s in summaries),
        sum(len(s.problems) for s in summaries),
        sum(1 for s in summaries if s.error),
        alerts.sent,
        perf_counter() - started,
    )
    return summaries
