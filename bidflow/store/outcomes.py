"""What happened after a send, recorded by a person in the desk (the marketplace said it to
them: a view, a reply, an interview, a hire...), with the client's message when they paste it."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from bidflow.errors import TransitionError
from bidflow.lifecycle import ALLOWED, check_transition
from bidflow.models import Message, Proposal, ProposalStatus
from bidflow.store.followups import stop_follow_ups_on_message
from bidflow.store.proposals import get_proposal, transition
from bidflow.types import utcnow

MANUAL_SOURCE = "desk"
# Statuses a person can record once a proposal is out: everything the lifecycle allows after
# a send (viewed, replied, interviewing, offer, hired, declined, withdrawn, job closed, expired).
AFTER_SEND: frozenset[ProposalStatus] = ALLOWED[ProposalStatus.SENT]


def next_outcomes(proposal: Proposal) -> list[str]:
    """What may be recorded next for ``proposal``, in lifecycle order; empty before the send
    and after an end."""
    if proposal.sent_at is None:
        return []
    allowed = ALLOWED[ProposalStatus(proposal.status)] & AFTER_SEND
    return [status.value for status in ProposalStatus if status in allowed]


def record_outcome(
    *,
    session: Session,
    proposal_id: int,
    status: str,
    actor: str,
    message: str | None = None,
    contract_value: float | None = None,
) -> Proposal:
    """Move the proposal to ``status`` (the lifecycle decides whether it may) and keep the
    client's ``message``, if given, as a message of the proposal (the inbox shows it). A hire
    may carry the contract's value in USD: the event keeps it as ``contract_value_usd``, which
    the reports count as revenue.

    Only what follows a send can be recorded here: approving or sending is the review's job,
    with its own checks, and must not be reachable through this door.
    """
    current = get_proposal(session=session, proposal_id=proposal_id)
    if status not in next_outcomes(current):
        check_transition(current.status, status)  # the lifecycle's own reason, when it has one
        raise TransitionError(
            f"'{status}' cannot be recorded here; after the send record one of"
            f" {', '.join(next_outcomes(current)) or 'nothing (it was not sent, or it has ended)'}"
        )
    if contract_value is not None and status != ProposalStatus.HIRED:
        raise TransitionError("a contract value belongs to a hire; record it with 'hired'")
    if contract_value is not None and not 0 <= contract_value < 100_000_000:
        raise TransitionError("the contract value must be a positive amount in USD")
    data = None if contract_value is None else {"contract_value_usd": round(contract_value, 2)}
    proposal = transition(
        session=session, proposal_id=proposal_id, to=status, actor=actor, data=data
    )
    text = (message or "").strip()
    if text:
        session.add(
            Message(
                proposal_id=proposal_id,
                source=MANUAL_SOURCE,
                external_id=f"desk-{uuid.uuid4()}",
                kind="reply" if status == ProposalStatus.REPLIED else status,
                sender=f"recorded by {actor}",
                body=text,
                received_at=utcnow(),
            )
        )
        session.flush()
        stop_follow_ups_on_message(
            session=session, proposal_id=proposal_id, kind=status, at=utcnow(), actor=actor
        )
    return get_proposal(session=session, proposal_id=proposal.id or proposal_id)
