"""Client messages and status news pushed to an inbox webhook, read item by item.

An item is a JSON object: ``id`` (the sender's id for it, required: pushing it again changes
nothing), ``kind`` (``reply`` by default, or a status the marketplace reported: ``viewed``,
``interviewing``, ``offer``, ``hired``, ``declined``, ``withdrawn``, ``job_closed``), ``body``,
``sender``, ``received_at`` (ISO 8601; default now), and whatever identifies the proposal:
``proposal_id``, ``job_url``, ``job_id`` (the marketplace's job id), or ``client`` and ``title``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.inbox.base import KINDS, MAX_BODY_CHARS, InboxItem


@dataclass
class PushedItems:
    items: list[InboxItem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_items(items: list[Any], *, now: datetime) -> PushedItems:
    """The items that are messages; each one that is not is described, the others go on."""
    pushed = PushedItems()
    for index, item in enumerate(items):
        try:
            pushed.items.append(_message(item, now))
        except ValueError as exc:
            pushed.errors.append(f"item {index}: {exc}")
    return pushed


def _message(item: Any, now: datetime) -> InboxItem:
    if not isinstance(item, dict):
        raise ValueError(f"expected an object, got {type(item).__name__}")
    external_id = _text(item, "id")
    if not external_id:
        raise ValueError(
            "'id' is required: the sender's id for this message, so a repeat is ignored"
        )
    kind = _text(item, "kind") or "reply"
    if kind not in KINDS:
        raise ValueError(f"'kind' is '{kind}'; use one of {', '.join(KINDS)}")
    proposal_id = item.get("proposal_id")
    if proposal_id is not None and (
        isinstance(proposal_id, bool) or not isinstance(proposal_id, int)
    ):
        raise ValueError(f"'proposal_id' must be a whole number, got {proposal_id!r}")
    return InboxItem(
        external_id=external_id[:255],
        kind=kind,
        body=(_text(item, "body") or "")[:MAX_BODY_CHARS],
        sender=_text(item, "sender"),
        received_at=_when(item.get("received_at"), now),
        proposal_id=proposal_id,
        job_url=_text(item, "job_url"),
        job_id=_text(item, "job_id"),
        client=_text(item, "client"),
        title=_text(item, "title"),
    )


def _text(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise ValueError(f"'{key}' must be text, got {type(value).__name__}")
    return str(value).strip() or None


def _when(value: Any, now: datetime) -> datetime:
    if value is None:
        return now
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(
            f"'received_at' is '{value}'; write it as ISO 8601, e.g. 2026-11-22T09:30:00Z"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
