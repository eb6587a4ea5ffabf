"""One proposal's draft page: the job and the letter side by side.

Reviewers edit (autosaved), regenerate, approve or reject the draft here; once approved, the
page shows the letter ready to paste with the job's marketplace link, and a form to record that
it was sent. Every action posts to the existing proposal routes (``web.routes.proposals``,
``web.routes.versions``); this module only shows the page. bidflow never submits anything to
the marketplace.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response

from bidflow.config import Role
from bidflow.store.jobs import get_job
from bidflow.store.outcomes import next_outcomes
from bidflow.store.proposals import get_proposal
from web.auth import OutcomeDep, check_own
from web.deps import SessionDep
from web.routes.proposals import card_for
from web.templating import templates

router = APIRouter(tags=["draft"])


@router.get("/proposals/{proposal_id}")
def draft_page(
    request: Request, proposal_id: int, session: SessionDep, user: OutcomeDep
) -> Response:
    """The draft page: reviewers may act on any proposal, a bidder only views their own and
    marks it as sent (``check_own``); account managers view it and record what happened after
    the send."""
    proposal = get_proposal(session=session, proposal_id=proposal_id)
    check_own(user, proposal)
    context = {
        "card": card_for(session, proposal),
        "proposal": proposal,
        "job": get_job(session=session, job_id=proposal.job_id),
        "can_review": user.can(Role.SALES_LEAD),
        "outcomes": next_outcomes(proposal),
        "queue_address": queue_address(request),
    }
    return templates.TemplateResponse(request, "draft.html", context)


def queue_address(request: Request) -> str:
    """Where "Back to the queue" leads: the queue page the visitor came from, with its filters,
    or the plain queue. Only the query of a same-site queue address is kept, so the link never
    leaves the desk."""
    queue_path = request.url_for("queue_page").path
    try:
        came_from = urlsplit(request.headers.get("referer", ""))
    except ValueError:  # a malformed header from a client; not worth an error page
        return queue_path
    if came_from.netloc != request.url.netloc or came_from.path != queue_path:
        return queue_path
    return f"{queue_path}?{came_from.query}" if came_from.query else queue_path
