"""Storing pushed client messages: matched to their proposal, kept once, and moving the
proposal on (a reply makes it ``replied``; a reported status is recorded) when the lifecycle
allows; unmatched ones are kept for a person to link."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from bidflow.lifecycle import ALLOWED
from bidflow.models import Job, Message, Proposal, ProposalStatus
from bidflow.store.followups import stop_follow_ups_on_message
from bidflow.store.proposals import transition
from connectors.inbox.pushed import PushedMessage

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


@dataclass
class StoredMessages:
    new: int = 0
    duplicates: int = 0
    matched: int = 0
    unmatched: list[str] = field(default_factory=list)  # the senders' ids, for the answer


def store_pushed(
    *, session: Session, source: str, messages: Sequence[PushedMessage]
) -> StoredMessages:
    """Store each message not seen before from ``source``; see the module docstring."""
    result = StoredMessages()
    for pushed in messages:
        if _seen(session, source, pushed.external_id):
            result.duplicates += 1
            continue
        proposal = match_proposal(session, pushed)
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
        _move_on(session, proposal, pushed, actor=source)
    return result


def match_proposal(session: Session, pushed: PushedMessage) -> Proposal | None:
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
        query = (
            select(Proposal)
            .join(Job, col(Job.id) == Proposal.job_id)
            .where(condition, col(Proposal.sent_at).is_not(None))
            .order_by(col(Proposal.sent_at).desc())
        )
        found = session.exec(query).first()
        if found is not None:
            return found
    return None


def _seen(session: Session, source: str, external_id: str) -> bool:
    query = select(Message.id).where(Message.source == source, Message.external_id == external_id)
    return session.exec(query).first() is not None


def _move_on(session: Session, proposal: Proposal, pushed: PushedMessage, *, actor: str) -> None:
    """Record the status the message reports when the lifecycle allows it from where the
    proposal is (a late "viewed" after a reply changes nothing), and stop follow-ups on a
    client's answer."""
    assert proposal.id is not None
    target = STATUS_OF_KIND[pushed.kind]
    if target in ALLOWED[ProposalStatus(proposal.status)]:
        transition(session=session, proposal_id=proposal.id, to=target, actor=actor)
    stop_follow_ups_on_message(
        session=session,
        proposal_id=proposal.id,
        kind=pushed.kind,
        at=pushed.received_at,
        actor=actor,
    )
