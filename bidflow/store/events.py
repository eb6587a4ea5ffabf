"""The append-only event log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from bidflow.models import Event
from bidflow.types import utcnow


def record_event(
    *,
    session: Session,
    entity: str,
    entity_id: int,
    action: str,
    actor: str,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """Append one event; it is written with the caller's transaction."""
    event = Event(
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor=actor,
        at=at or utcnow(),
        data=data or {},
    )
    session.add(event)
    return event


def events_for(*, session: Session, entity: str, entity_id: int) -> Sequence[Event]:
    """Every event of one entity, oldest first."""
    query = (
        select(Event)
        .where(Event.entity == entity, Event.entity_id == entity_id)
        .order_by(Event.at, Event.id)  # type: ignore[arg-type]
    )
    return session.exec(query).all()
