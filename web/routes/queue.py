"""The review queue: every proposal waiting for a person, one card each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from bidflow.config import Role
from bidflow.models import Bidder, Job, Proposal, ProposalStatus
from bidflow.store.decisions import triage_reasons
from bidflow.store.proposals import review_queue
from bidflow.types import utcnow
from web.auth import SenderDep, SignedIn
from web.cards import build_card
from web.deps import SessionDep
from web.templating import templates

router = APIRouter(tags=["queue"])
QueueRow = tuple[Proposal, Job, Bidder]


@router.get("/", include_in_schema=False)
def home(request: Request) -> RedirectResponse:
    return RedirectResponse(request.url_for("queue_page"), status_code=303)


@router.get("/queue")
def queue_page(request: Request, session: SessionDep, user: SenderDep) -> Response:
    """Drafts to review and approved proposals to send, freshest job first (a bidder sees
    their own)."""
    now = utcnow()
    rows = _visible(review_queue(session=session), user)
    reasons = triage_reasons(session=session, pairs=[(p.job_id, p.bidder_id) for p, _, _ in rows])
    cards = [
        build_card(p, job, bidder, now=now, reasons=reasons.get((p.job_id, p.bidder_id), []))
        for p, job, bidder in rows
    ]
    context = {"cards": cards, **count_statuses(card.status for card in cards)}
    return templates.TemplateResponse(request, "queue.html", context)


@router.get("/queue/summary")
def queue_summary(request: Request, session: SessionDep, user: SenderDep) -> Response:
    """The queue's counts line, which htmx reloads after every successful action on a card."""
    rows = _visible(review_queue(session=session), user)
    counts = count_statuses(proposal.status for proposal, _, _ in rows)
    return templates.TemplateResponse(request, "partials/summary_refresh.html", counts)


def _visible(rows: Sequence[QueueRow], user: SignedIn) -> list[QueueRow]:
    if user.role is Role.BIDDER:
        return [row for row in rows if row[0].bidder_id == user.bidder_id]
    return list(rows)


def count_statuses(statuses: Iterable[str]) -> dict[str, int]:
    """``queued``: drafts waiting for review; ``approved``: proposals waiting to be sent."""
    seen = list(statuses)
    return {
        "queued": seen.count(ProposalStatus.QUEUED),
        "approved": seen.count(ProposalStatus.APPROVED),
    }
