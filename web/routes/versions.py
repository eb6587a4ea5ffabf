"""A proposal's letter versions: regenerate it with the reviewer's instruction, list its history.

Regenerating calls the LLM, so it runs outside the request's database session (the flow opens
its own, around the write only); the answer is then read fresh, like the other card actions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from bidflow.db import session_scope
from bidflow.store.proposals import get_proposal
from bidflow.store.versions import list_versions
from flows.regenerate import MAX_INSTRUCTION, regenerate_proposal
from web.auth import REVIEWERS, ActorDep, SenderDep, check_own
from web.deps import SessionDep, is_htmx
from web.routes.proposals import card_for
from web.templating import templates

router = APIRouter(prefix="/proposals", tags=["versions"])

# A pattern of one non-space character makes an instruction of only spaces count as missing.
InstructionField = Annotated[str, Form(max_length=MAX_INSTRUCTION, pattern=r"\S")]


@router.post("/{proposal_id}/regenerate", dependencies=[REVIEWERS])
def regenerate(
    request: Request, proposal_id: int, instruction: InstructionField, actor: ActorDep
) -> Response:
    """Write the letter again following the reviewer's instruction, as a new version."""
    state = request.app.state
    regenerate_proposal(
        settings=state.settings,
        agency=state.agency_config.load(),
        url=state.database_url,
        proposal_id=proposal_id,
        instruction=instruction.replace("\r\n", "\n"),
        actor=actor,
    )
    if not is_htmx(request):
        anchor = f"#proposal-{proposal_id}"
        return RedirectResponse(f"{request.url_for('queue_page')}{anchor}", status_code=303)
    with session_scope(state.database_url) as session:
        response = templates.TemplateResponse(
            request,
            "partials/card.html",
            {"card": card_for(session, get_proposal(session=session, proposal_id=proposal_id))},
        )
    response.headers["HX-Trigger"] = "queue-changed"
    return response


@router.get("/{proposal_id}/versions")
def versions(request: Request, proposal_id: int, session: SessionDep, user: SenderDep) -> Response:
    """The history of the proposal's letter, oldest first, as an HTML fragment."""
    proposal = get_proposal(session=session, proposal_id=proposal_id)
    check_own(user, proposal)
    history = list_versions(session=session, proposal_id=proposal_id)
    return templates.TemplateResponse(
        request, "partials/versions.html", {"proposal": proposal, "versions": history}
    )
