"""Alerts: one row per (reply, recipient), delivered by ``connectors.notify``.

The dedupe key makes one reply alert once per recipient, even when it arrives twice as two
``Message`` rows (by email and through the API): the key is built from the proposal and a hash
of the normalised text, plus a generation number that only moves on when the same text comes
again after the dedupe window (a client writing "Thanks!" twice a week apart is two replies).
Two workers seeing the two copies at once race on the unique key, and the database keeps one.

Alerts raised for a group (``raise_alert(recipient="owners")``, a feed failing) are routed by
the notifier to people: one row each, keyed by the group alert, which becomes ``routed``.

Statuses: ``pending`` (to send, at ``next_attempt_at`` after a failed run), ``held`` (the
recipient's quiet hours; goes out in the digest), ``sending`` (a worker claimed it and is
delivering it; ``bidflow.store.alert_delivery``), ``sent``, ``failed`` (every run allowed
failed, or the channel cannot work), ``escalated`` (sent, not acknowledged in time, passed on
to the sales leads), ``routed`` (a group alert passed on to people). ``acknowledged_at`` is set
when someone reads it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from bidflow.models import Alert, Event, Message
from bidflow.store.inbox import ACKNOWLEDGED, MESSAGE
from bidflow.store.upsert import insert_ignoring_duplicates
from bidflow.types import utcnow

# Rows of this channel are the notifier's to deliver; rows of GROUP_CHANNEL name a group of
# people ("owners") and are routed to notifier rows for each of them.
APPRISE = "apprise"
GROUP_CHANNEL = "default"
REPLY = "reply"
ESCALATION = "escalation"

# An email reply quotes the conversation below the new text; the API gives the new text only.
_QUOTE_HEADER = re.compile(r"^\s*(on .{0,200} wrote:|-{2,}\s*original message\s*-{2,})\s*$", re.I)
_SIGNATURE = re.compile(r"^\s*--\s*$")


class AlertStatus(StrEnum):
    PENDING = "pending"
    HELD = "held"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    ESCALATED = "escalated"
    ROUTED = "routed"


def raise_alert(*, session: Session, dedupe_key: str, kind: str, recipient: str, text: str) -> bool:
    """Queue an alert for the group ``recipient`` ("owners") unless one with the same key
    exists; True if this call queued it. The notifier routes it to the people of the group."""
    row = {
        "dedupe_key": dedupe_key,
        "kind": kind,
        "recipient": recipient,
        "channel": GROUP_CHANNEL,
        "status": "pending",
        "text": text,
        "created_at": utcnow(),
    }
    return _insert(session, row)


def new_reply_text(body: str) -> str:
    """What the client newly wrote: quoted history and signature dropped, lines trimmed."""
    kept: list[str] = []
    for line in body.replace("\r\n", "\n").split("\n"):
        if _QUOTE_HEADER.match(line) or _SIGNATURE.match(line):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line.strip())
    return "\n".join(kept).strip()


def normalised_reply(body: str) -> str:
    """The reply as the dedupe key compares it: new text only, Unicode-normalised, case- and
    whitespace-insensitive (mail clients rewrap lines and swap quotes; the API does not)."""
    text = unicodedata.normalize("NFKC", new_reply_text(body)).casefold()
    return " ".join(text.split())


def reply_fingerprint(proposal_id: int | None, body: str) -> str:
    """The stem of a reply's dedupe keys: its proposal and the hash of its normalised text."""
    digest = hashlib.sha256(normalised_reply(body).encode()).hexdigest()[:32]
    return f"reply:{proposal_id if proposal_id is not None else '-'}:{digest}"


def queue_reply_alerts(
    *,
    session: Session,
    message: Message,
    recipients: Sequence[str],
    text: str,
    window: timedelta,
    now: datetime | None = None,
) -> list[str]:
    """Queue one pending alert of ``message`` per recipient unless the same reply (same
    proposal, same normalised text within ``window``) already alerted them; returns the
    recipients queued."""
    stem = reply_fingerprint(message.proposal_id, message.body)
    queued = []
    for recipient in recipients:
        generation = _generation(session, stem, recipient, message.received_at, window)
        if generation is None:
            continue
        row = _row(REPLY, f"{stem}:{generation}:{_tag(recipient)}", recipient, text, now)
        row |= {"proposal_id": message.proposal_id, "message_id": message.id}
        if _insert(session, row):
            queued.append(recipient)
    return queued


def queue_escalations(
    *, session: Session, alert: Alert, recipients: Sequence[str], text: str, now: datetime
) -> list[str]:
    """Pass ``alert`` on to ``recipients`` and mark it escalated (once: the keys name it)."""
    queued = []
    for recipient in recipients:
        row = _row(ESCALATION, f"escalation:{alert.id}:{_tag(recipient)}", recipient, text, now)
        row |= {"proposal_id": alert.proposal_id, "message_id": alert.message_id}
        if _insert(session, row):
            queued.append(recipient)
    alert.status = AlertStatus.ESCALATED
    session.add(alert)
    return queued


def unrouted_group_alerts(*, session: Session, since: datetime) -> Sequence[Alert]:
    """Group alerts ("owners") raised since ``since`` and not yet routed to people, oldest
    first. Older ones are history by the time a notifier first sees them, not news."""
    query = (
        select(Alert)
        .where(
            Alert.channel == GROUP_CHANNEL,
            Alert.status == AlertStatus.PENDING,
            col(Alert.created_at) >= since,
        )
        .order_by(col(Alert.created_at), col(Alert.id))
    )
    return session.exec(query).all()


def route_group_alert(
    *, session: Session, alert: Alert, recipients: Sequence[str], now: datetime
) -> list[str]:
    """Pass a group alert on to ``recipients`` (one notifier row each, keyed by the group
    alert, so each person gets it once) and mark it routed; returns the recipients queued."""
    queued = []
    for recipient in recipients:
        key = f"routed:{alert.id}:{_tag(recipient)}"
        if _insert(session, _row(alert.kind, key, recipient, alert.text, now)):
            queued.append(recipient)
    alert.status = AlertStatus.ROUTED
    session.add(alert)
    return queued


def acknowledge_alert(*, session: Session, alert_id: int, at: datetime | None = None) -> Alert:
    """Someone read the alert; the first acknowledgement's time is kept."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise KeyError(alert_id)
    if alert.acknowledged_at is None:
        alert.acknowledged_at = at or utcnow()
        session.add(alert)
    return alert


def overdue_alerts(
    *, session: Session, now: datetime, after: timedelta, window: timedelta
) -> list[Alert]:
    """Reply alerts sent at least ``after`` ago that nobody has acknowledged, in the inbox
    either: acknowledging the message there counts (and is copied onto the alert), as does
    acknowledging the copy of the reply another source brought within ``window``."""
    query = select(Alert).where(
        Alert.channel == APPRISE,
        Alert.kind == REPLY,
        Alert.status == AlertStatus.SENT,
        col(Alert.acknowledged_at).is_(None),
        col(Alert.sent_at) <= now - after,
    )
    overdue = []
    for alert in session.exec(query).all():
        acknowledged = _inbox_acknowledgement(session, alert, window)
        if acknowledged is None:
            overdue.append(alert)
        else:
            alert.acknowledged_at = acknowledged
            session.add(alert)
    return overdue


def _inbox_acknowledgement(session: Session, alert: Alert, window: timedelta) -> datetime | None:
    """When the alert's reply was acknowledged in the inbox: its own message, or another
    message of the same proposal received since (less ``window``, for a reply seen twice):
    whoever acknowledged a later message has read the conversation."""
    message = session.get(Message, alert.message_id) if alert.message_id is not None else None
    if message is None:
        return None
    ids = [message.id]
    if message.proposal_id is not None:
        ids = list(
            session.exec(
                select(Message.id).where(
                    Message.proposal_id == message.proposal_id,
                    col(Message.received_at) >= message.received_at - window,
                )
            ).all()
        )
    ack = session.exec(
        select(Event)
        .where(Event.action == ACKNOWLEDGED, Event.entity == MESSAGE, col(Event.entity_id).in_(ids))
        .order_by(col(Event.at))
    ).first()
    return ack.at if ack is not None else None


def _generation(
    session: Session, stem: str, recipient: str, received_at: datetime, window: timedelta
) -> int | None:
    """The generation a reply with this stem gets for ``recipient``: None when an earlier one
    within ``window`` already alerted them (a duplicate), else one past the last."""
    query = (
        select(Alert, Message)
        .outerjoin(Message, col(Message.id) == Alert.message_id)
        .where(
            col(Alert.dedupe_key).startswith(f"{stem}:", autoescape=True),
            Alert.recipient == recipient,
        )
    )
    earlier = session.exec(query).all()
    for alert, seen in earlier:
        moment = seen.received_at if seen is not None else alert.created_at
        if abs(received_at - moment) <= window:
            return None
    return max((int(alert.dedupe_key.split(":")[3]) for alert, _ in earlier), default=-1) + 1


def _row(kind: str, key: str, recipient: str, text: str, now: datetime | None) -> dict[str, object]:
    return {
        "dedupe_key": key,
        "kind": kind,
        "recipient": recipient,
        "channel": APPRISE,
        "status": AlertStatus.PENDING.value,
        "text": text,
        "created_at": now or utcnow(),
    }


def _tag(recipient: str) -> str:
    # Hashed: an email can be as long as the whole key may be.
    return hashlib.sha256(recipient.strip().casefold().encode()).hexdigest()[:12]


def _insert(session: Session, row: dict[str, object]) -> bool:
    statement = insert_ignoring_duplicates(session, Alert).returning(Alert.__table__.c.id)  # type: ignore[attr-defined]
    return session.execute(statement, [row]).first() is not None
