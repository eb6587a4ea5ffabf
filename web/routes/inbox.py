"""The Inbox page: client messages and status changes of sent proposals, newest first, each
acknowledged by whoever read it; and the follow-ups that are due.

An account manager assigned bidders (``users[].bidders`` in the agency config, or
``bidflow users add --role account_manager --bidder NAME ...``) sees their clients' items, the
follow-ups of those bidders' proposals, and messages not matched to a proposal yet; one with
no assignment sees every client's, as owners and sales leads do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from bidflow.config import Role
from bidflow.errors import NotFoundError
from bidflow.models import Bidder, FollowUp, Job, Proposal, User
from bidflow.store.inbox import (
    InboxItem,
    acknowledge,
    follow_ups_due,
    recently_acknowledged,
    unacknowledged_items,
)
from bidflow.types import utcnow
from bidflow.wording import ago
from connectors.inbox.storing import link_message
from web.auth import InboxDep, SignedIn
from web.deps import SessionDep, is_htmx
from web.links import web_link
from web.templating import templates

router = APIRouter(tags=["inbox"])

EXCERPT_CHARS = 280


@dataclass(frozen=True)
class InboxRow:
    """An inbox item as the page shows it."""

    item: InboxItem
    job_link: str | None
    excerpt: str
    age: str
    client: str
    acknowledged_age: str | None


@dataclass(frozen=True)
class FollowUpRow:
    """A follow-up that is due, with the job and bidder of its proposal."""

    id: int | None
    sequence: int
    proposal_id: int | None
    job_title: str
    job_link: str | None
    bidder: str
    due: str
    due_iso: str


@router.get("/inbox")
def inbox_page(request: Request, session: SessionDep, user: InboxDep) -> Response:
    """What clients said and did, waiting to be read, then follow-ups due now."""
    now = utcnow()
    mine = managed_bidders(session, user)
    items = unacknowledged_items(session=session, bidder_ids=mine)
    due = follow_ups_due(session=session, now=now, bidder_ids=mine)
    context = {
        "items": [_row(item, now) for item in items],
        "acknowledged": [_row(item, now) for item in recently_acknowledged(session=session)],
        "follow_ups": [_follow_up_row(*row, now) for row in due],
        "scoped": mine is not None,
    }
    return templates.TemplateResponse(request, "inbox.html", context)


@router.post("/inbox/{item_key}/acknowledge")
def acknowledge_item(
    request: Request, item_key: str, session: SessionDep, user: InboxDep
) -> Response:
    """Record who read the item and when; htmx removes it from the list, a plain form reloads."""
    acknowledge(session=session, key=item_key, actor=user.email)
    if is_htmx(request):
        return Response(status_code=200)  # an empty answer: the item's element is swapped out
    return RedirectResponse(request.url_for("inbox_page"), status_code=303)


@router.post("/inbox/{item_key}/link")
def link_item(
    item_key: str,
    session: SessionDep,
    user: InboxDep,
    proposal_id: Annotated[int, Form(ge=1)],
) -> Response:
    """Attach a message nobody could match to the proposal it is about (it then moves the
    proposal on and stops its follow-ups, as a matched one does)."""
    kind, _, number = item_key.partition("-")
    if kind != "message" or not number.isdigit():
        raise NotFoundError(f"'{item_key}' is not a message of the inbox")
    link_message(session=session, message_id=int(number), proposal_id=proposal_id, actor=user.email)
    return RedirectResponse(f"/inbox#inbox-{item_key}", status_code=303)


def managed_bidders(session: Session, user: SignedIn) -> list[int] | None:
    """The bidders whose clients are ``user``'s: an account manager's assigned bidders; None
    (every client) for owners, sales leads and account managers with no assignment."""
    if user.role is not Role.ACCOUNT_MANAGER:
        return None
    row = session.get(User, user.id)
    return list(row.manages) if row is not None and row.manages else None


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The text on one line, cut at a word near ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut + "…"


def _row(item: InboxItem, now: datetime) -> InboxRow:
    acknowledged = item.acknowledged_at
    return InboxRow(
        item=item,
        job_link=web_link(item.job_url),
        excerpt=excerpt(item.text),
        age=ago(item.at, now=now),
        client=item.client_name or item.client_country or "client unknown",
        acknowledged_age=None if acknowledged is None else ago(acknowledged, now=now),
    )


def _follow_up_row(
    follow_up: FollowUp, proposal: Proposal, job: Job, bidder: Bidder, now: datetime
) -> FollowUpRow:
    return FollowUpRow(
        id=follow_up.id,
        sequence=follow_up.sequence,
        proposal_id=proposal.id,
        job_title=job.title,
        job_link=web_link(job.url),
        bidder=bidder.name,
        due=f"due {ago(follow_up.due_at, now=now)}",
        due_iso=follow_up.due_at.isoformat(),
    )
