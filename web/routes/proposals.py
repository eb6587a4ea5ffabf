"""What a reviewer does to one proposal: edit its letter, approve, reject, mark it as sent.

Each action answers a plain form post with a redirect back to the queue, and an htmx request with
the card re-rendered in place (or nothing, when the proposal has left the queue). Marking as sent
only records what the reviewer did on the marketplace; bidflow never submits anything itself.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from bidflow.errors import ConfigError, NotFoundError
from bidflow.models import Bidder, Proposal, ProposalStatus
from bidflow.store.decisions import triage_reasons
from bidflow.store.jobs import get_job
from bidflow.store.outcomes import record_outcome
from bidflow.store.proposals import (
    REVIEWABLE,
    approve,
    edit_text,
    get_proposal,
    mark_sent,
    reject,
)
from bidflow.types import utcnow
from rules.followup_schedule import schedule_for_sent
from web.auth import REVIEWERS, ActorDep, OutcomeDep, SenderDep, check_own
from web.cards import ProposalCard, build_card
from web.deps import SessionDep, is_htmx
from web.forms import LetterField, ReasonField, unix_lines
from web.templating import templates

router = APIRouter(prefix="/proposals", tags=["proposals"])

BidField = Annotated[float | None, Form(ge=0, allow_inf_nan=False)]
ConnectsField = Annotated[int | None, Form(ge=0)]


@router.post("/{proposal_id}/edit", dependencies=[REVIEWERS])
def edit(
    request: Request, proposal_id: int, text: LetterField, session: SessionDep, actor: ActorDep
) -> Response:
    """Save the reviewer's version of the letter."""
    edit_text(session=session, proposal_id=proposal_id, text=unix_lines(text), actor=actor)
    return _answer(request, session, proposal_id)


@router.post("/{proposal_id}/approve", dependencies=[REVIEWERS])
def approve_proposal(
    request: Request,
    proposal_id: int,
    session: SessionDep,
    actor: ActorDep,
    text: Annotated[str | None, Form()] = None,
    override_reason: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Approve the draft, keeping the letter as shown; the card's Approve button sends the text
    too, so an edit the reviewer did not save separately is not lost. A flagged draft needs
    ``override_reason`` (the store refuses it otherwise, answered as 409 with the reason)."""
    letter = None if text is None else unix_lines(text)
    approve(
        session=session,
        proposal_id=proposal_id,
        actor=actor,
        text=letter,
        override_reason=override_reason,
    )
    return _answer(request, session, proposal_id)


@router.post("/{proposal_id}/reject", dependencies=[REVIEWERS])
def reject_proposal(
    request: Request, proposal_id: int, reason: ReasonField, session: SessionDep, actor: ActorDep
) -> Response:
    """Reject the draft for a stated reason."""
    reject(session=session, proposal_id=proposal_id, actor=actor, reason=reason)
    return _answer(request, session, proposal_id)


@router.post("/{proposal_id}/mark-sent")
def mark_proposal_sent(
    request: Request,
    proposal_id: int,
    session: SessionDep,
    actor: ActorDep,
    user: SenderDep,
    bid: BidField = None,
    connects: ConnectsField = None,
) -> Response:
    """Record that the reviewer submitted the approved proposal on the marketplace themselves."""
    check_own(user, get_proposal(session=session, proposal_id=proposal_id))
    mark_sent(session=session, proposal_id=proposal_id, actor=actor, bid=bid, connects=connects)
    # The cadence comes from the agency config; an unreadable config must not lose the send
    # (it is recorded; its follow-ups are not scheduled, and the Sources page shows the error).
    with suppress(ConfigError):
        agency = request.app.state.agency_config.load()
        schedule_for_sent(session=session, proposal_id=proposal_id, agency=agency, actor=actor)
    return _answer(request, session, proposal_id)


@router.post("/{proposal_id}/outcome")
def record_proposal_outcome(
    proposal_id: int,
    session: SessionDep,
    actor: ActorDep,
    user: OutcomeDep,
    status: Annotated[str, Form(max_length=32)],
    message: Annotated[str | None, Form(max_length=20_000)] = None,
    contract_value: Annotated[float | None, Form(ge=0, lt=100_000_000, allow_inf_nan=False)] = None,
) -> Response:
    """Record what the marketplace told a person after the send (a view, a reply, a hire with
    its contract value...), with the client's message when pasted; the lifecycle refuses an
    impossible move (409)."""
    check_own(user, get_proposal(session=session, proposal_id=proposal_id))
    record_outcome(
        session=session,
        proposal_id=proposal_id,
        status=status,
        actor=actor,
        message=None if message is None else unix_lines(message),
        contract_value=contract_value if status == ProposalStatus.HIRED else None,
    )
    return RedirectResponse(f"/proposals/{proposal_id}#outcome", status_code=303)


def _answer(request: Request, session: Session, proposal_id: int) -> Response:
    """A redirect to the card for plain forms; for htmx the card itself (empty once the proposal
    has left the queue) and an event telling the page to refresh its counts."""
    proposal = get_proposal(session=session, proposal_id=proposal_id)
    still_listed = proposal.status in REVIEWABLE
    if not is_htmx(request):
        anchor = f"#proposal-{proposal_id}" if still_listed else ""
        return RedirectResponse(f"{request.url_for('queue_page')}{anchor}", status_code=303)
    response: Response
    if still_listed:
        response = templates.TemplateResponse(
            request, "partials/card.html", {"card": card_for(session, proposal)}
        )
    else:
        response = Response(content="", media_type="text/html")
    response.headers["HX-Trigger"] = "queue-changed"
    return response


def card_for(session: Session, proposal: Proposal) -> ProposalCard:
    """The review card of a stored proposal, with its job, bidder and triage reasons."""
    job = get_job(session=session, job_id=proposal.job_id)
    bidder = session.get(Bidder, proposal.bidder_id)
    if bidder is None:
        raise NotFoundError(f"bidder {proposal.bidder_id} not found")
    pair = (proposal.job_id, proposal.bidder_id)
    reasons = triage_reasons(session=session, pairs=[pair]).get(pair, [])
    return build_card(proposal, job, bidder, now=utcnow(), reasons=reasons)
