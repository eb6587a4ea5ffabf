"""Alerts waiting to be delivered; the notifier sends them, the dedupe key sends each once."""

from __future__ import annotations

from sqlmodel import Session

from bidflow.models import Alert
from bidflow.store.upsert import insert_ignoring_duplicates
from bidflow.types import utcnow


def raise_alert(*, session: Session, dedupe_key: str, kind: str, recipient: str, text: str) -> bool:
    """Queue an alert unless one with the same key exists; True if this call queued it."""
    row = {
        "dedupe_key": dedupe_key,
        "kind": kind,
        "recipient": recipient,
        "channel": "default",
        "status": "pending",
        "text": text,
        "created_at": utcnow(),
    }
    statement = insert_ignoring_duplicates(session, Alert).returning(Alert.__table__.c.id)  # type: ignore[attr-defined]
    return session.execute(statement, [row]).first() is not None
