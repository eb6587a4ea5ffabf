"""Inbox: poll every due inbox source (Upwork's API, notification emails) for client messages
and proposal statuses, store them against their proposals, then alert at once.

Alerting in the same run is what keeps a reply's way to its account manager within one
polling interval: waiting for the separate notify flow would add up to another minute.
"""

from __future__ import annotations

from time import perf_counter

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from bidflow.config.inbox import InboxSourceConfig
from bidflow.types import utcnow
from connectors.inbox.polling import InboxSummary, due_inbox_sources, poll_inbox
from connectors.notify import RunSummary
from flows.context import FlowContext, flow_context
from flows.notify import notify_once
from flows.retries import INBOX_BACKOFF, INBOX_RETRIES, JITTER, inbox_retried_in_run, will_retry
from flows.run_health import log_poll, summarise, tracked


@task(
    name="poll-inbox",
    cache_policy=NO_CACHE,
    retries=INBOX_RETRIES,
    retry_delay_seconds=INBOX_BACKOFF,
    retry_jitter_factor=JITTER,
)
def poll_inbox_task(context: FlowContext, entry: InboxSourceConfig) -> InboxSummary:
    retrying = will_retry() and inbox_retried_in_run(entry)
    summary = poll_inbox(
        entry, context.agency, context.settings, context.url, utcnow(), retrying=retrying
    )
    log_poll(summary.problems, summary.error)
    return summary


@task(name="alert-replies", cache_policy=NO_CACHE)
def alert_task(context: FlowContext) -> RunSummary:
    return notify_once(context)


@tracked
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
    summarise(
        "inbox",
        took_in=f"{len(summaries)} sources",
        gave_out=f"{sum(s.new for s in summaries)} new messages",
        errors=sum(1 for s in summaries if s.error),
        started=started,
        details=f"{sum(s.fetched for s in summaries)} read, {sum(s.matched for s in summaries)}"
        f" matched, {sum(s.unmatched for s in summaries)} unmatched,"
        f" {sum(len(s.problems) for s in summaries)} problems, {alerts.sent} alerts sent",
    )
    return summaries
