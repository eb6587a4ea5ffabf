"""Storing pushed client messages: matched to their proposal, kept once, and moving the
proposal on (a reply makes it ``replied``; a reported status is recorded) when the lifecycle
allows; unmatched ones are kept for a person to link."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ScalarResult
from sqlmodel import Session, col, select

from bidflow.errors import NotFoundError, TransitionError
from bidflow.lifecycle import ALLOWED
from bidflow.models import Job, Message, Proposal, ProposalStatus
from bidflow.store.alerts import normalised_reply
from bidflow.store.events import record_event
from bidflow.store.followups import stop_follow_ups_on_message
from bidflow.store.proposals import transition
from connectors.inbox.base import InboxItem

# The status a message of each kind moves a proposal to (a view is news, not an answer).
STATUS_OF_KIND: dict[str, ProposalStatus] = {
    "reply": ProposalStatus.REPLIED,
    "viewed": ProposalStatus.VIEWED,
    "interviewing": ProposalStatus.INTERVIEWING,
    "offer": ProposalStatus.OFFER,
    "hired": ProposalStatus.HIRED,
    "declined": ProposalStatus.DECLINED,
    "withdrawn": ProposalStatus.WITHDRAWN,
    "job_closed": ProposalStatus.JOB_CLOSED,
}


# How far apart two sources may report one reply (mail can lag an API by many minutes), and
# how long an excerpt must be to stand for the whole message.
SAME_REPLY_WITHIN = timedelta(hours=6)
MIN_EXCERPT_CHARS = 20


@dataclass
class StoredMessages:
    new: int = 0
    duplicates: int = 0
    matched: int = 0
    unmatched: list[str] = field(default_factory=list)  # the senders' ids, for the answer


def store_items(*, session: Session, source: str, items: Sequence[InboxItem]) -> StoredMessages:
    """Store each message not seen before from ``source``; see the module docstring."""
    result = StoredMessages()
    for pushed in items:
        if _seen(session, source, pushed.external_id):
            result.duplicates += 1
            continue
        proposal = match_proposal(session, pushed)
        copy_of = _same_reply_from_elsewhere(session, proposal, source, pushed)
        if copy_of is not None:
            # The reply already came through another source (an email notification and the
            # API both report it): one message, one alert, and the fuller text kept.
            if len(pushed.body) > len(copy_of.body):
                copy_of.body = pushed.body
                session.add(copy_of)
            result.duplicates += 1
            continue
        session.add(
            Message(
                proposal_id=None if proposal is None else proposal.id,
                source=source,
                external_id=pushed.external_id,
                kind=pushed.kind,
                sender=pushed.sender,
                body=pushed.body,
                received_at=pushed.received_at,
            )
        )
        session.flush()
        result.new += 1
        if proposal is None or proposal.id is None:
            result.unmatched.append(pushed.external_id)
            continue
        result.matched += 1
        move_on(session, proposal, kind=pushed.kind, at=pushed.received_at, actor=source)
    return result


def match_proposal(session: Session, pushed: InboxItem) -> Proposal | None:
    """The sent proposal a message is about: by its id, else the job's link, else the job's
    marketplace id, else the client's name and the job's title; None when nothing matches."""
    if pushed.proposal_id is not None:
        return session.get(Proposal, pushed.proposal_id)
    conditions = []
    if pushed.job_url:
        conditions.append(col(Job.url) == pushed.job_url)
    if pushed.job_id:
        conditions.append(col(Job.external_id) == pushed.job_id)
    if pushed.client and pushed.title:
        conditions.append(
            (col(Job.client_name) == pushed.client) & (col(Job.title) == pushed.title)
        )
    for condition in conditions:
        found = _sent_proposals(session, condition).first()
        if found is not None:
            return found
    if pushed.title:  # a notification email may name only the job: enough when it is unique
        candidates = _sent_proposals(session, col(Job.title) == pushed.title).fetchmany(2)
        if len(candidates) == 1:
            return candidates[0]
    return None


def _sent_proposals(session: Session, condition: Any) -> ScalarResult[Proposal]:
    query = (
        select(Proposal)
        .join(Job, col(Job.id) == Proposal.job_id)
        .where(condition, col(Proposal.sent_at).is_not(None))
        .order_by(col(Proposal.sent_at).desc())
    )
    return session.exec(query)


def _same_reply_from_elsewhere(
    session: Session, proposal: Proposal | None, source: str, item: InboxItem
) -> Message | None:
    """A reply to ``proposal`` another source stored near the same time whose text is this
    one's, or this one's excerpt, or the other way round (notification emails cut long
    messages short and end them with an ellipsis)."""
    if proposal is None or item.kind != "reply":
        return None
    text = _comparable(item.body)
    if not text:
        return None
    query = select(Message).where(
        Message.proposal_id == proposal.id,
        Message.kind == "reply",
        Message.source != source,
        col(Message.received_at) >= item.received_at - SAME_REPLY_WITHIN,
        col(Message.received_at) <= item.received_at + SAME_REPLY_WITHIN,
    )
    for earlier in session.exec(query).all():
        other = _comparable(earlier.body)
        shorter, longer = sorted((text, other), key=len)
        if (
            shorter
            and longer.startswith(shorter)
            and (len(shorter) == len(longer) or len(shorter) >= MIN_EXCERPT_CHARS)
        ):
            return earlier
    return None


def _comparable(body: str) -> str:
    """The reply as copies are compared: normalised, without a trailing ellipsis."""
    return normalised_reply(body).removesuffix("…").removesuffix("...").rstrip()


def _seen(session: Session, source: str, external_id: str) -> bool:
    query = select(Message.id).where(Message.source == source, Message.external_id == external_id)
    return session.exec(query).first() is not None


def move_on(session: Session, proposal: Proposal, *, kind: str, at: datetime, actor: str) -> None:
    """Record the status a message of ``kind`` reports when the lifecycle allows it from where
    the proposal is (a late "viewed" after a reply changes nothing), and stop follow-ups on a
    client's answer."""
    assert proposal.id is not None
    target = STATUS_OF_KIND.get(kind)
    if target is not None and target in ALLOWED[ProposalStatus(proposal.status)]:
        transition(session=session, proposal_id=proposal.id, to=target, actor=actor)
    stop_follow_ups_on_message(
        session=session, proposal_id=proposal.id, kind=kind, at=at, actor=actor
    )


def link_message(*, session: Session, message_id: int, proposal_id: int, actor: str) -> Message:
    """Attach a message nobody could match to the sent proposal a person says it is about,
    then let it move the proposal on as if it had matched (an event records who linked it)."""
    message = session.get(Message, message_id)
    if message is None:
        raise NotFoundError(f"message {message_id} not found")
    if message.proposal_id is not None:
        raise TransitionError(
            f"message {message_id} is already linked to proposal #{message.proposal_id}"
        )
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.sent_at is None:
        raise NotFoundError(
            f"no sent proposal #{proposal_id}; link a message to a proposal that was sent"
        )
    message.proposal_id = proposal_id
    session.add(message)
    record_event(
        session=session,
        entity="message",
        entity_id=message_id,
        action="linked",
        actor=actor,
        data={"proposal_id": proposal_id},
    )
    move_on(session, proposal, kind=message.kind, at=message.received_at, actor=actor)
    return message
