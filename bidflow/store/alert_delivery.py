"""Delivering alerts across workers and runs: claims, outcomes and retries in later runs.

A notifier run claims what is due in one short transaction (status ``sending``, stamped with
the claim's time), delivers with no transaction open, then records each outcome in another.
Two runs on two workers never claim the same alert: on PostgreSQL the claiming transactions
take one advisory lock (they are short), on SQLite ``BEGIN IMMEDIATE`` serialises them. A
claim older than ``CLAIM_EXPIRY`` belongs to a worker that died mid-delivery; the alert goes
back to waiting and is delivered again (at least once beats never).

A delivery no channel took stays waiting with ``attempts`` counted and ``next_attempt_at``
set (1, 2, 4, 8, 16, then 30 min later); after the configured number of runs it is
``failed``. Waiting means ``pending``, or ``held`` for an alert of a digest, so a digest that
failed goes out again as a digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from bidflow.models import Alert
from bidflow.store.alerts import APPRISE, AlertStatus

# Longer than any run's deliveries take: the notifier stops starting deliveries after half
# of it, and one apprise call is bounded by its own socket timeouts.
CLAIM_EXPIRY = timedelta(minutes=10)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(minutes=30)
# Any fixed number will do: it only has to differ from other advisory locks on the database.
_CLAIM_LOCK = 0x6A1E27


def lock_for_claims(*, session: Session) -> None:
    """Serialise notifier runs' claiming transactions on PostgreSQL until this one ends
    (SQLite: the caller's ``session_scope(write=True)`` already holds the write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_CLAIM_LOCK)))


def release_stale_claims(*, session: Session, now: datetime) -> int:
    """Put alerts claimed more than ``CLAIM_EXPIRY`` ago back to waiting (their worker died
    before recording an outcome); returns how many."""
    stale = session.exec(
        select(Alert).where(
            Alert.status == AlertStatus.SENDING, col(Alert.claimed_at) < now - CLAIM_EXPIRY
        )
    ).all()
    for alert in stale:
        alert.status = _waiting(alert)
        alert.claimed_at = None
        session.add(alert)
    return len(stale)


def due_alerts(
    *, session: Session, status: AlertStatus, now: datetime, limit: int = 500
) -> Sequence[Alert]:
    """Notifier alerts in ``status`` (pending or held) whose next attempt is due, oldest
    first, locked against other transactions until this one ends."""
    query = (
        select(Alert)
        .where(
            Alert.channel == APPRISE,
            Alert.status == status,
            or_(col(Alert.next_attempt_at).is_(None), col(Alert.next_attempt_at) <= now),
        )
        .order_by(col(Alert.created_at), col(Alert.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.exec(query).all()


def hold(*, session: Session, alerts: Sequence[Alert]) -> None:
    """Keep ``alerts`` for their recipient's digest (quiet hours)."""
    for alert in alerts:
        alert.status = AlertStatus.HELD
        alert.digest = True
        session.add(alert)


def claim(*, session: Session, alerts: Sequence[Alert], now: datetime) -> None:
    """Mark ``alerts`` as being delivered by this run, since ``now``."""
    for alert in alerts:
        alert.status = AlertStatus.SENDING
        alert.claimed_at = now
        session.add(alert)


def claimed(*, session: Session, ids: Sequence[int], claimed_at: datetime) -> Sequence[Alert]:
    """Those of ``ids`` still claimed by the run that claimed them at ``claimed_at`` (a claim
    given up as stale and taken by another run is no longer this run's to settle)."""
    query = select(Alert).where(
        col(Alert.id).in_(ids),
        Alert.status == AlertStatus.SENDING,
        Alert.claimed_at == claimed_at,
    )
    return session.exec(query).all()


def mark_sent(*, session: Session, alerts: Sequence[Alert], now: datetime) -> None:
    for alert in alerts:
        alert.status = AlertStatus.SENT
        alert.sent_at = now
        alert.attempts += 1
        alert.next_attempt_at = alert.claimed_at = None
        session.add(alert)


def mark_failed_attempt(
    *, session: Session, alerts: Sequence[Alert], error: str, now: datetime, runs: int, final: bool
) -> list[Alert]:
    """Count a failed run on ``alerts``: each waits for its next attempt, or is ``failed``
    when ``final`` (retrying cannot help) or ``runs`` runs have tried it. Returns the failed."""
    failed = []
    for alert in alerts:
        alert.attempts += 1
        alert.last_error = error
        alert.claimed_at = None
        if final or alert.attempts >= runs:
            alert.status = AlertStatus.FAILED
            alert.next_attempt_at = None
            failed.append(alert)
        else:
            alert.status = _waiting(alert)
            alert.next_attempt_at = now + retry_delay(alert.attempts)
        session.add(alert)
    return failed


def release(*, session: Session, ids: Sequence[int], claimed_at: datetime) -> None:
    """Give back alerts this run claimed but did not try (it ran out of time): they wait
    as before, no attempt counted."""
    for alert in claimed(session=session, ids=ids, claimed_at=claimed_at):
        alert.status = _waiting(alert)
        alert.claimed_at = None
        session.add(alert)


def retry_delay(attempts: int) -> timedelta:
    """The wait before the run after ``attempts`` failed ones: 1, 2, 4, 8, 16, then 30 min."""
    doubled: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(doubled, LONGEST_RETRY)


def _waiting(alert: Alert) -> AlertStatus:
    return AlertStatus.HELD if alert.digest else AlertStatus.PENDING
