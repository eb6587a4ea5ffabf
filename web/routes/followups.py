"""A drafted follow-up's page (``/followups/{id}``) and what people do to it: reviewers (sales
leads, owners) edit, approve or reject it; the proposal's bidder (or a reviewer) copies the
approved letter, sends it on the marketplace themselves, and marks it sent here. bidflow never
sends anything.

Actions answer a plain form with a redirect to the follow-up's page, and htmx with its queue
card re-rendered in place (nothing once it has left the queue); the page reloads itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from bidflow.config import Role
from bidflow.errors import NotFoundError
from bidflow.models import Bidder, FollowUp, Proposal
from bidflow.store.followup_review import (
    approve_follow_up,
    edit_follow_up,
    get_follow_up,
    mark_follow_up_sent,
    reject_follow_up,
)
from bidflow.store.followups import UNDER_REVIEW
from bidflow.store.jobs import get_job
from bidflow.store.proposals import get_proposal
from bidflow.types import utcnow
from web.auth import REVIEWERS, ActorDep, SenderDep, SignedIn, check_own
from web.deps import SessionDep, is_htmx
from web.followup_cards import FollowUpCard, build_follow_up_card
from web.forms import LetterField, ReasonField, unix_lines
from web.routes.proposals import card_for
from web.templating import templates

router = APIRouter(prefix="/followups", tags=["followups"])


@router.get("/{follow_up_id}")
def follow_up_page(
    request: Request, follow_up_id: int, session: SessionDep, user: SenderDep
) -> Response:
    """The follow-up beside its job and the proposal it follows; a bidder sees only the
    follow-ups of their own proposals."""
    follow_up, proposal = _owned(session, follow_up_id, user)
    context = {
        "card": _card(session, follow_up, proposal),
        "proposal_card": card_for(session, proposal),
        "job": get_job(session=session, job_id=proposal.job_id),
        "can_review": user.can(Role.SALES_LEAD),
    }
    return templates.TemplateResponse(request, "followup.html", context)


@router.post("/{follow_up_id}/edit", dependencies=[REVIEWERS])
def edit(
    request: Request, follow_up_id: int, text: LetterField, session: SessionDep, actor: ActorDep
) -> Response:
    """Save the reviewer's version of the follow-up."""
    edit_follow_up(session=session, follow_up_id=follow_up_id, text=unix_lines(text), actor=actor)
    return _answer(request, session, follow_up_id)


@router.post("/{follow_up_id}/approve", dependencies=[REVIEWERS])
def approve(
    request: Request,
    follow_up_id: int,
    session: SessionDep,
    actor: ActorDep,
    text: Annotated[str | None, Form(max_length=20_000)] = None,
    override_reason: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Approve the follow-up as shown (the text is sent along, so an unsaved edit is kept); a
    flagged one needs ``override_reason`` (refused as 409 otherwise, with the reason)."""
    approve_follow_up(
        session=session,
        follow_up_id=follow_up_id,
        actor=actor,
        text=None if text is None else unix_lines(text),
        override_reason=override_reason,
    )
    return _answer(request, session, follow_up_id)


@router.post("/{follow_up_id}/reject", dependencies=[REVIEWERS])
def reject(
    request: Request, follow_up_id: int, reason: ReasonField, session: SessionDep, actor: ActorDep
) -> Response:
    """Reject the follow-up for a stated reason; later follow-ups stay scheduled."""
    reject_follow_up(session=session, follow_up_id=follow_up_id, actor=actor, reason=reason)
    return _answer(request, session, follow_up_id)


@router.post("/{follow_up_id}/mark-sent")
def mark_sent(
    request: Request, follow_up_id: int, session: SessionDep, actor: ActorDep, user: SenderDep
) -> Response:
    """Record that the person sent the approved follow-up on the marketplace themselves."""
    _owned(session, follow_up_id, user)
    mark_follow_up_sent(session=session, follow_up_id=follow_up_id, actor=actor)
    return _answer(request, session, follow_up_id)


def _owned(session: Session, follow_up_id: int, user: SignedIn) -> tuple[FollowUp, Proposal]:
    """The follow-up and its proposal, if ``user`` may act on them (403 for another bidder's)."""
    follow_up = get_follow_up(session=session, follow_up_id=follow_up_id)
    proposal = get_proposal(session=session, proposal_id=follow_up.proposal_id)
    check_own(user, proposal)
    return follow_up, proposal


def _card(session: Session, follow_up: FollowUp, proposal: Proposal) -> FollowUpCard:
    job = get_job(session=session, job_id=proposal.job_id)
    bidder = session.get(Bidder, proposal.bidder_id)
    if bidder is None:
        raise NotFoundError(f"bidder {proposal.bidder_id} not found")
    return build_follow_up_card(follow_up, proposal, job, bidder, now=utcnow())


def _answer(request: Request, session: Session, follow_up_id: int) -> Response:
    """A redirect to the follow-up's page for plain forms; for htmx its queue card (empty once
    it has left the queue) and the event that refreshes the queue's counts."""
    if not is_htmx(request):
        return RedirectResponse(f"/followups/{follow_up_id}", status_code=303)
    follow_up = get_follow_up(session=session, follow_up_id=follow_up_id)
    response: Response = Response(content="", media_type="text/html")
    if follow_up.status in UNDER_REVIEW:
        proposal = get_proposal(session=session, proposal_id=follow_up.proposal_id)
        context = {"card": _card(session, follow_up, proposal)}
        response = templates.TemplateResponse(request, "partials/followup_card.html", context)
    response.headers["HX-Trigger"] = "queue-changed"
    return response
