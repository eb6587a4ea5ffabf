"""The inbox: client messages and post-send status changes waiting for a person to read them,
acknowledgements of them, and follow-ups that are due.

An inbox item is either a ``Message`` row or a lifecycle ``Event`` that moved a sent proposal on
(viewed, replied, hired, declined...). Neither table has columns for acknowledgement, so an
acknowledgement is an event of its own (action ``message_acknowledged``) naming the item's table
and id: who acknowledged and when stay in the append-only log, and the schema is unchanged.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bidflow.errors import NotFoundError
from bidflow.lifecycle import ALLOWED
from bidflow.models import Bidder, Event, FollowUp, Job, Message, Proposal, ProposalStatus
from bidflow.store.events import record_event
from bidflow.store.followups import AWAITING_ANSWER, SCHEDULED
from bidflow.types import utcnow

ACKNOWLEDGED = "message_acknowledged"
# The ``entity`` of an acknowledgement event: which table the acknowledged item lives in.
MESSAGE = "message"
STATUS_CHANGE = "event"
# What can happen to a proposal once it is sent: the news an account manager has to read.
# Drafting, approving and sending are the desk's own doings and stay out of the inbox.
INBOX_STATUSES: tuple[str, ...] = tuple(sorted(s.value for s in ALLOWED[ProposalStatus.SENT]))

_Ack = aliased(Event)


@dataclass(frozen=True)
class InboxItem:
    """One thing to read: a message or a status change, with the proposal it is about."""

    key: str  # "message-12" or "event-34": what /inbox/{key}/acknowledge names
    kind: str  # the message's kind ("reply", "invite"...) or the proposal's new status
    at: datetime  # when it was received or happened
    text: str
    sender: str | None
    proposal_id: int | None
    job_title: str | None
    job_url: str | None
    client_name: str | None
    client_country: str | None
    bidder: str | None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


def unacknowledged_items(
    *, session: Session, bidder_ids: Collection[int] | None = None, limit: int = 200
) -> list[InboxItem]:
    """Messages and status changes nobody has acknowledged yet, newest first.

    ``bidder_ids``: only those about these bidders' proposals (an account manager's clients),
    and messages matched to no proposal yet, which are everyone's until someone links them.
    """
    items = _message_items(
        session, ~_acknowledged(MESSAGE, col(Message.id)) & _mine(bidder_ids, unmatched=True), limit
    )
    items += _status_items(
        session, ~_acknowledged(STATUS_CHANGE, col(Event.id)) & _mine(bidder_ids), limit
    )
    return _newest_first(items)[:limit]


def _mine(bidder_ids: Collection[int] | None, *, unmatched: bool = False) -> Any:
    """The condition that a row's proposal belongs to one of ``bidder_ids`` (None: any)."""
    if bidder_ids is None:
        return true()
    owned = col(Proposal.bidder_id).in_(list(bidder_ids))
    return or_(owned, col(Proposal.id).is_(None)) if unmatched else owned


def recently_acknowledged(*, session: Session, limit: int = 20) -> list[InboxItem]:
    """The last ``limit`` acknowledged items with who acknowledged them and when, latest first."""
    query = (
        select(Event)
        .where(Event.action == ACKNOWLEDGED)
        .order_by(col(Event.at).desc(), col(Event.id).desc())
    )
    latest: dict[tuple[str, int], Event] = {}
    for ack in session.exec(query.limit(limit)).all():
        # Two people clicking at once can both record one; the item is listed once.
        latest.setdefault((ack.entity, ack.entity_id), ack)
    wanted = list(latest.items())
    message_ids = [entity_id for (entity, entity_id), _ in wanted if entity == MESSAGE]
    event_ids = [entity_id for (entity, entity_id), _ in wanted if entity == STATUS_CHANGE]
    found = _message_items(session, col(Message.id).in_(message_ids), limit)
    found += _status_items(session, col(Event.id).in_(event_ids), limit)
    by_key = {item.key: item for item in found}
    items = []
    for (entity, entity_id), ack in wanted:
        item = by_key.get(f"{entity}-{entity_id}")
        if item is not None:
            items.append(replace(item, acknowledged_by=ack.actor, acknowledged_at=ack.at))
    return items


def acknowledge(*, session: Session, key: str, actor: str, now: datetime | None = None) -> Event:
    """Record that ``actor`` has read the item ``key``; acknowledging it again changes nothing
    (the first acknowledgement is returned)."""
    entity, entity_id = _parse_key(key)
    proposal_id = _proposal_of(session, entity, entity_id)
    earlier = session.exec(
        select(Event).where(
            Event.action == ACKNOWLEDGED, Event.entity == entity, Event.entity_id == entity_id
        )
    ).first()
    if earlier is not None:
        return earlier
    return record_event(
        session=session,
        entity=entity,
        entity_id=entity_id,
        action=ACKNOWLEDGED,
        actor=actor,
        data={"proposal_id": proposal_id},
        at=now or utcnow(),
    )


def follow_ups_due(
    *,
    session: Session,
    now: datetime,
    bidder_ids: Collection[int] | None = None,
    limit: int = 200,
) -> Sequence[tuple[FollowUp, Proposal, Job, Bidder]]:
    """Scheduled follow-ups whose time has come, the longest overdue first (of ``bidder_ids``'
    proposals when given)."""
    query = (
        select(FollowUp, Proposal, Job, Bidder)
        .join(Proposal, col(Proposal.id) == FollowUp.proposal_id)
        .join(Job, col(Job.id) == Proposal.job_id)
        .join(Bidder, col(Bidder.id) == Proposal.bidder_id)
        .where(
            FollowUp.status == SCHEDULED,
            col(FollowUp.due_at) <= now,
            # Still waiting for the client: a reply or any later status stops follow-ups.
            col(Proposal.status).in_(AWAITING_ANSWER),
            _mine(bidder_ids),
        )
        .order_by(col(FollowUp.due_at), col(FollowUp.id))
        .limit(limit)
    )
    return session.exec(query).all()


def _acknowledged(entity: str, item_id: Any) -> Any:
    return exists().where(
        col(_Ack.action) == ACKNOWLEDGED, col(_Ack.entity) == entity, col(_Ack.entity_id) == item_id
    )


def _message_items(session: Session, condition: Any, limit: int) -> list[InboxItem]:
    # Outer joins: a message the connector could not match to a proposal is still news.
    query = (
        select(Message, Job, Bidder)
        .outerjoin(Proposal, col(Proposal.id) == Message.proposal_id)
        .outerjoin(Job, col(Job.id) == Proposal.job_id)
        .outerjoin(Bidder, col(Bidder.id) == Proposal.bidder_id)
        .where(condition)
        .order_by(col(Message.received_at).desc(), col(Message.id).desc())
        .limit(limit)
    )
    return [
        _item(f"{MESSAGE}-{m.id}", m.kind, m.received_at, m.body, m.sender, m.proposal_id, j, b)
        for m, j, b in session.exec(query).all()
    ]


def _status_items(session: Session, condition: Any, limit: int) -> list[InboxItem]:
    query = (
        select(Event, Proposal, Job, Bidder)
        .join(Proposal, col(Proposal.id) == Event.entity_id)
        .join(Job, col(Job.id) == Proposal.job_id)
        .join(Bidder, col(Bidder.id) == Proposal.bidder_id)
        .where(
            Event.entity == "proposal",
            col(Event.action).in_(INBOX_STATUSES),
            # A draft that expired or whose job closed before it was sent is no client's news.
            col(Proposal.sent_at).is_not(None),
            condition,
        )
        .order_by(col(Event.at).desc(), col(Event.id).desc())
        .limit(limit)
    )
    return [
        _item(f"{STATUS_CHANGE}-{e.id}", e.action, e.at, _describe(e), None, p.id, job, bidder)
        for e, p, job, bidder in session.exec(query).all()
    ]


def _item(
    key: str,
    kind: str,
    at: datetime,
    text: str,
    sender: str | None,
    proposal_id: int | None,
    job: Job | None,
    bidder: Bidder | None,
) -> InboxItem:
    return InboxItem(
        key=key,
        kind=kind,
        at=at,
        text=text,
        sender=sender,
        proposal_id=proposal_id,
        job_title=job.title if job else None,
        job_url=job.url if job else None,
        client_name=job.client_name if job else None,
        client_country=job.client_country if job else None,
        bidder=bidder.name if bidder else None,
    )


def _describe(event: Event) -> str:
    """A status change in words, with the reason when whoever recorded it gave one."""
    words = f"The proposal is now {event.action.replace('_', ' ')}."
    reason = event.data.get("reason") if isinstance(event.data, dict) else None
    return f"{words} {reason}" if reason else words


def _newest_first(items: list[InboxItem]) -> list[InboxItem]:
    return sorted(items, key=lambda item: item.at, reverse=True)


def _parse_key(key: str) -> tuple[str, int]:
    entity, _, number = key.partition("-")
    if entity not in (MESSAGE, STATUS_CHANGE) or not number.isdigit():
        raise NotFoundError(f"there is no inbox item '{key}'")
    return entity, int(number)


def _proposal_of(session: Session, entity: str, entity_id: int) -> int | None:
    """The proposal the item is about; NotFoundError if the item is not an inbox item."""
    if entity == MESSAGE:
        message = session.get(Message, entity_id)
        if message is None:
            raise NotFoundError(f"message {entity_id} not found")
        return message.proposal_id
    event = session.get(Event, entity_id)
    if event is None or event.entity != "proposal" or event.action not in INBOX_STATUSES:
        raise NotFoundError(f"status change {entity_id} not found")
    return event.entity_id
