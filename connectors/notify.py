"""Alerts about clients' replies (and failing feeds), sent through apprise URLs: Slack, Teams,
Discord, Telegram, email, webhooks...

One run (:func:`run_notifier`) has three steps, so sending never holds the database:

1. one short write transaction queues an alert per (new reply, recipient), routes feed alerts
   to the owners, escalates what nobody acknowledged in time, holds what falls in quiet
   hours, and claims what is due to send (``bidflow.store.alert_delivery``);
2. with no transaction open, it sends: recipients at once from a thread pool (one slow
   channel delays no one else), each channel with its in-run retries;
3. another short transaction records every outcome: sent, tried again by a later run, or
   failed.

The pieces: ``notify_queue`` (what to alert), ``notify_plan`` (claims and outcomes),
``notify_send`` (apprise), ``notify_render`` (what an alert says, escaped per service).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from bidflow.db import session_scope
from bidflow.settings import Settings
from bidflow.store.alert_delivery import CLAIM_EXPIRY, lock_for_claims
from connectors.notifier import Notifier
from connectors.notify_plan import (
    Delivery,
    Outcome,
    Tally,
    plan_deliveries,
    record_outcomes,
)
from connectors.notify_queue import alert_new_replies, escalate_overdue, route_group_alerts
from connectors.notify_send import ChannelResult, deliver

__all__ = ["Notifier", "RunSummary", "desk_url", "run_notifier"]

log = logging.getLogger(__name__)

# A run starts no delivery after this (and waits for no retry past it), so its claims are
# settled well before they count as a dead worker's.
SENDING_TIME = CLAIM_EXPIRY / 2


@dataclass(frozen=True)
class RunSummary:
    """What one run did, for logs and the CLI."""

    queued: int  # alerts queued: for replies, and feed alerts routed to people
    escalated: int
    sent: int  # alerts sent on their own
    held: int  # alerts held for quiet hours
    failed: int  # alerts given up on
    digests: int  # notifications of held alerts sent
    retrying: int = 0  # alerts no channel took this run, tried again later


def desk_url(settings: Settings) -> str:
    """The review desk's address as alert links use it: BIDFLOW_DESK_URL, else the listening
    address (which works on the desk's own machine only)."""
    if settings.desk_url:
        return settings.desk_url.rstrip("/")
    host = "127.0.0.1" if settings.web_host in ("0.0.0.0", "::") else settings.web_host
    return f"http://{host}:{settings.web_port}"


def run_notifier(*, url: str, notifier: Notifier, now: datetime) -> RunSummary:
    """One pass over the database at ``url``: queue, escalate, claim, send, record."""
    with session_scope(url, write=True) as session:
        lock_for_claims(session=session)
        queued = alert_new_replies(session=session, notifier=notifier, now=now)
        queued += route_group_alerts(session=session, notifier=notifier, now=now)
        escalated = escalate_overdue(session=session, notifier=notifier, now=now)
        plan = plan_deliveries(session=session, notifier=notifier, now=now)
    tally = Tally()
    if plan.deliveries:
        outcomes = send_all(plan.deliveries, notifier)
        with session_scope(url, write=True) as session:
            tally = record_outcomes(
                session=session, outcomes=outcomes, runs=notifier.config.retry.runs, now=now
            )
    return RunSummary(
        queued, escalated, tally.sent, plan.held, tally.failed, tally.digests, tally.retrying
    )


def send_all(deliveries: Sequence[Delivery], notifier: Notifier) -> list[Outcome]:
    """Send every delivery: each recipient's in order (a digest before newer alerts), the
    recipients in parallel. Deliveries not started within ``SENDING_TIME`` are left untried."""
    deadline = notifier.clock() + SENDING_TIME.total_seconds()
    turns: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        turns.setdefault(delivery.recipient, []).append(delivery)
    workers = max(1, min(notifier.parallel, len(turns)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notify") as pool:
        done = pool.map(lambda turn: _send_in_turn(turn, notifier, deadline), turns.values())
        return [outcome for outcomes in done for outcome in outcomes]


def _send_in_turn(turn: list[Delivery], notifier: Notifier, deadline: float) -> list[Outcome]:
    outcomes = []
    for delivery in turn:
        if notifier.clock() >= deadline:
            outcomes.append(Outcome(delivery, (), tried=False))
            continue
        try:
            results = deliver(notifier, delivery.url_envs, delivery.message, deadline)
        except Exception as exc:  # a bug in a plugin must not lose the other outcomes
            log.exception("sending an alert to %s failed", delivery.recipient)
            error = f"{type(exc).__name__}: {exc}"
            results = [ChannelResult(env, error) for env in delivery.url_envs]
        outcomes.append(Outcome(delivery, tuple(results)))
    return outcomes
