"""Notify: reply alerts to the right account manager, feed alerts to the owners, escalations,
retries of failed deliveries, and quiet-hours digests."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from bidflow.types import utcnow
from connectors.notify import Notifier, RunSummary, desk_url, run_notifier
from flows.context import FlowContext, flow_context


def notify_once(context: FlowContext) -> RunSummary:
    """One pass of the notifier over the stored replies and feed alerts (safe to repeat, on
    any number of workers at once: alerts are keyed and claimed)."""
    notifier = Notifier(
        config=context.agency.notify,
        desk_url=desk_url(context.settings),
        timezone=context.agency.agency.timezone,
    )
    return run_notifier(url=context.url, notifier=notifier, now=utcnow())


@task(name="notify-replies", cache_policy=NO_CACHE)
def notify_task(context: FlowContext) -> RunSummary:
    return notify_once(context)


@flow(name="notify")
def notify_flow(config_path: str | None = None) -> RunSummary:
    """Alert account managers about new replies; escalate and send digests that are due."""
    summary = notify_task(flow_context(config_path))
    get_run_logger().info(
        "notify: %d alerts queued, %d escalated, %d sent, %d held for quiet hours, %d digests,"
        " %d to retry, %d failed",
        summary.queued,
        summary.escalated,
        summary.sent,
        summary.held,
        summary.digests,
        summary.retrying,
        summary.failed,
    )
    return summary
