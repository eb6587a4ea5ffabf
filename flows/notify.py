"""Notify: reply alerts to the right account manager, feed alerts to the owners, escalations,
retries of failed deliveries, and quiet-hours digests."""

from __future__ import annotations

from time import perf_counter

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from bidflow.types import utcnow
from connectors.notify import Notifier, RunSummary, desk_url, run_notifier
from flows.context import FlowContext, flow_context
from flows.run_health import summarise, tracked


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


@tracked
@flow(name="notify")
def notify_flow(config_path: str | None = None) -> RunSummary:
    """Alert account managers about new replies; escalate and send digests that are due."""
    started = perf_counter()
    summary = notify_task(flow_context(config_path))
    due = summary.sent + summary.held + summary.retrying + summary.failed
    summarise(
        "notify",
        took_in=f"{due} alerts due",
        gave_out=f"{summary.sent} sent",
        errors=summary.retrying + summary.failed,  # deliveries no channel took this run
        started=started,
        details=f"{summary.queued} queued, {summary.escalated} escalated, {summary.held} held"
        f" for quiet hours, {summary.digests} digests, {summary.retrying} to retry,"
        f" {summary.failed} failed",
    )
    return summary
