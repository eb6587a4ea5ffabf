"""Which notifications a run sends (claimed in its first transaction) and what their outcomes
do to the alerts (recorded in its last); the sending in between holds no transaction.

A ``Delivery`` carries everything sending needs, rendered from the database while the claim
was made, so the threads that send never touch a session.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bidflow.config.notify import DigestMode, Recipient
from bidflow.models import Alert
from bidflow.store.alert_delivery import (
    claim,
    claimed,
    due_alerts,
    hold,
    mark_failed_attempt,
    mark_sent,
    release,
    release_stale_claims,
)
from bidflow.store.alerts import AlertStatus
from bidflow.store.events import record_event
from connectors.notifier import Notifier
from connectors.notify_queue import news_of_alert
from connectors.notify_render import AlertMessage, Link, News, Notice, ReplyNews, digest, single
from connectors.notify_send import ChannelResult

log = logging.getLogger(__name__)
NO_CHANNELS = "the recipient has no channels in the notify config"


@dataclass(frozen=True)
class Delivery:
    """One notification to send: the alerts it settles, to whom, through which channels (the
    variables naming their URLs), and the claim that makes them this run's."""

    alert_ids: tuple[int, ...]
    recipient: str
    url_envs: tuple[str, ...]
    message: AlertMessage
    digest: bool  # sends alerts held for quiet hours
    claimed_at: datetime


@dataclass(frozen=True)
class Plan:
    deliveries: list[Delivery]
    held: int  # alerts newly held for quiet hours


@dataclass(frozen=True)
class Outcome:
    """How a delivery went; ``results`` is empty when the run had no time left to try it."""

    delivery: Delivery
    results: tuple[ChannelResult, ...]
    tried: bool = True


@dataclass(frozen=True)
class Tally:
    sent: int = 0  # alerts sent on their own
    digests: int = 0  # notifications sent of held alerts
    retrying: int = 0  # alerts a later run tries again
    failed: int = 0  # alerts given up on

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.sent + other.sent,
            self.digests + other.digests,
            self.retrying + other.retrying,
            self.failed + other.failed,
        )


def plan_deliveries(*, session: Session, notifier: Notifier, now: datetime) -> Plan:
    """Claim what is due: digests of recipients whose quiet hours are over, then pending
    alerts (holding those whose recipient is in quiet hours). Stale claims are released
    first, so a dead worker's alerts are among what is due."""
    if stale := release_stale_claims(session=session, now=now):
        log.warning("%d alerts were claimed by a run that never finished; sending again", stale)
    deliveries = _digests(session, notifier, now)
    held = 0
    for alert in due_alerts(session=session, status=AlertStatus.PENDING, now=now):
        recipient = notifier.config.recipient(alert.recipient)
        if recipient is not None and in_quiet_hours(recipient, now, notifier.timezone):
            hold(session=session, alerts=[alert])
            held += 1
            continue
        message = _single(news_of_alert(session, alert, notifier), notifier)
        deliveries.append(_claim(session, recipient, [alert], message, False, now))
    return Plan(deliveries, held)


def record_outcomes(
    *, session: Session, outcomes: Sequence[Outcome], runs: int, now: datetime
) -> Tally:
    """Settle each delivery's alerts: sent when one channel delivered (the person has it);
    else waiting for a later run, or failed after ``runs`` runs or when no try can help.
    Alerts this run had no time to try wait as they were."""
    tally = Tally()
    for outcome in outcomes:
        delivery = outcome.delivery
        if not outcome.tried:
            release(session=session, ids=delivery.alert_ids, claimed_at=delivery.claimed_at)
            continue
        alerts = claimed(session=session, ids=delivery.alert_ids, claimed_at=delivery.claimed_at)
        if alerts:
            tally += _settle(session, outcome, alerts, runs, now)
        else:
            log.warning("alerts %s were claimed again by another run", delivery.alert_ids)
    return tally


def _settle(
    session: Session, outcome: Outcome, alerts: Sequence[Alert], runs: int, now: datetime
) -> Tally:
    delivery = outcome.delivery
    channels = [r.url_env for r in outcome.results if r.error is None]
    errors = {r.url_env: r.error for r in outcome.results if r.error is not None}
    if not delivery.url_envs:
        errors["-"] = NO_CHANNELS
    if errors:
        log.warning("alert to %s: %s", delivery.recipient, errors)
    if channels:
        mark_sent(session=session, alerts=alerts, now=now)
        _record(session, alerts, "alert_sent", now, channels=channels, errors=errors)
        if delivery.digest:
            return Tally(digests=1)
        return Tally(sent=len(alerts))
    final = all(r.permanent for r in outcome.results)  # also when there are no channels
    error = "; ".join(f"{env}: {text}" for env, text in errors.items())
    gone = mark_failed_attempt(
        session=session, alerts=alerts, error=error, now=now, runs=runs, final=final
    )
    failed_ids = {alert.id for alert in gone}
    waiting = [alert for alert in alerts if alert.id not in failed_ids]
    _record(session, gone, "alert_failed", now, channels=[], errors=errors)
    _record(session, waiting, "alert_retrying", now, channels=[], errors=errors)
    return Tally(retrying=len(waiting), failed=len(gone))


def in_quiet_hours(recipient: Recipient, now: datetime, agency_timezone: str) -> bool:
    """Whether ``now`` falls in the recipient's quiet hours, on their clock."""
    if recipient.quiet_hours is None:
        return False
    local = now.astimezone(ZoneInfo(recipient.timezone or agency_timezone))
    return recipient.quiet_hours.contains(local.time())


def _digests(session: Session, notifier: Notifier, now: datetime) -> list[Delivery]:
    """What was held for recipients whose quiet hours are over: one digest each, or each
    alert on its own (``digest: each``)."""
    held: dict[str, list[Alert]] = defaultdict(list)
    for alert in due_alerts(session=session, status=AlertStatus.HELD, now=now, limit=10_000):
        held[alert.recipient].append(alert)
    deliveries = []
    for email, alerts in held.items():
        recipient = notifier.config.recipient(email)
        if recipient is not None and in_quiet_hours(recipient, now, notifier.timezone):
            continue
        news = [news_of_alert(session, alert, notifier) for alert in alerts]
        if notifier.config.digest.mode is DigestMode.EACH:
            for alert, item in zip(alerts, news, strict=True):
                message = _single(item, notifier)
                deliveries.append(_claim(session, recipient, [alert], message, True, now))
        else:
            links = _links(news, notifier)
            message = digest(news, links, notifier.config.digest.max_items)
            deliveries.append(_claim(session, recipient, alerts, message, True, now))
    return deliveries


def _claim(
    session: Session,
    recipient: Recipient | None,
    alerts: Sequence[Alert],
    message: AlertMessage,
    is_digest: bool,
    now: datetime,
) -> Delivery:
    claim(session=session, alerts=alerts, now=now)
    ids = tuple(alert.id for alert in alerts if alert.id is not None)
    channels = tuple(c.url_env for c in recipient.channels) if recipient is not None else ()
    return Delivery(ids, alerts[0].recipient, channels, message, is_digest, now)


def _single(item: News, notifier: Notifier) -> AlertMessage:
    return single(item, _links([item], notifier))


def _links(items: Sequence[News], notifier: Notifier) -> list[Link]:
    """The desk's pages the news is handled on: the inbox for replies, sources for feeds."""
    links = []
    if any(isinstance(item, ReplyNews) for item in items):
        links.append(notifier.inbox)
    if any(isinstance(item, Notice) for item in items):
        links.append(notifier.sources)
    return links


def _record(
    session: Session,
    alerts: Sequence[Alert],
    action: str,
    now: datetime,
    *,
    channels: list[str],
    errors: dict[str, str],
) -> None:
    for alert in alerts:
        assert alert.id is not None  # rows read back from the database
        data: dict[str, object] = {
            "channels": channels,
            "errors": errors,
            "batch": len(alerts),
            "attempt": alert.attempts,
        }
        if alert.next_attempt_at is not None:
            data["next_attempt_at"] = alert.next_attempt_at.isoformat()
        record_event(
            session=session,
            entity="alert",
            entity_id=alert.id,
            action=action,
            actor="notifier",
            at=now,
            data=data,
        )
