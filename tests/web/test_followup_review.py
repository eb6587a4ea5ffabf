"""Reviewing follow-ups in the desk: a drafted follow-up is a card in the queue (the letter
sent, how long ago, the draft, its flags) and has its own page; sales leads edit, approve
(a flagged one only with a reason) or reject it; the proposal's bidder copies it and marks it
sent. States and events are checked in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlmodel import select

from bidflow import db
from bidflow.config import Role
from bidflow.models import Bidder, FollowUp, Proposal
from bidflow.store.events import events_for
from bidflow.store.followup_review import get_follow_up
from bidflow.store.followups import (
    FollowUpDraft,
    claim_due_follow_ups,
    due_follow_ups,
    follow_ups_of,
    queue_follow_up_draft,
    schedule_follow_ups,
)
from bidflow.types import utcnow
from tests.factories import make_job
from tests.web.desk import EMAILS, DeskClient, add_users
from tests.web.seed import HOSTILE_TITLE, add_bidder, sent_proposal

LETTER = "Hi,\n\nYour booking API double-books the same slot; I would fix the locking first.\n\nAna"
DRAFT = (
    "One idea for your booking API since my proposal: lock the slot row while a patient books."
    " Would a short plan for that first fix help?"
)
CONTACT_FLAG = {"check": "contact_details", "reason": "The letter gives an email address."}
LEAD = EMAILS[Role.SALES_LEAD]


@pytest.fixture
def desk(app: FastAPI, sqlite_url: str) -> DeskClient:
    """Bidders Ana and Ben; a desk user per role (the bidder user is Ana); signed in as a
    sales lead."""
    with db.session_scope(sqlite_url) as session:
        add_bidder(session, "Ana")
        add_bidder(session, "Ben")
    add_users(sqlite_url, bidder="Ana")
    client = DeskClient(app)
    client.sign_in(Role.SALES_LEAD)
    return client


def _drafted(
    url: str,
    *,
    bidder: str = "Ana",
    title: str = "Booking API for a clinic chain",
    flags: list[dict[str, str]] | None = None,
) -> tuple[int, int]:
    """A proposal sent three days ago with two follow-ups, the first drafted and queued for
    review the way the flow does it, the second due in two days; both follow-ups' ids."""
    now = utcnow()
    with db.session_scope(url, write=True) as session:
        sender = session.exec(select(Bidder).where(Bidder.name == bidder)).one()
        proposal_id = sent_proposal(session, sender, make_job(title=title), now - timedelta(days=3))
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None
        proposal.final_text = LETTER
        due = [now - timedelta(hours=1), now + timedelta(days=2)]
        schedule_follow_ups(session=session, proposal_id=proposal_id, due_times=due)
        (claimed,) = claim_due_follow_ups(session=session, now=now, limit=5, actor="drafter")
        assert claimed.id is not None and claimed.claimed_at is not None
        draft = FollowUpDraft(text=DRAFT, model="gpt-fake-1", offline=False, flags=flags or [])
        assert queue_follow_up_draft(
            session=session,
            follow_up_id=claimed.id,
            claimed_at=claimed.claimed_at,
            draft=draft,
            actor="drafter",
        )
        first, second = follow_ups_of(session=session, proposal_id=proposal_id)
        assert first.id is not None and second.id is not None
        return first.id, second.id


def _stored(url: str, follow_up_id: int) -> FollowUp:
    with db.session_scope(url) as session:
        return get_follow_up(session=session, follow_up_id=follow_up_id)


def _events(url: str, follow_up_id: int) -> list[tuple[str, str]]:
    """(action, actor) of the follow-up's events after it was queued."""
    with db.session_scope(url) as session:
        events = events_for(session=session, entity="followup", entity_id=follow_up_id)
        actions = [(event.action, event.actor) for event in events]
    assert actions[:2] == [("drafting", "drafter"), ("queued", "drafter")]
    return actions[2:]


def test_the_queue_shows_the_follow_up_card(desk: DeskClient, sqlite_url: str) -> None:
    follow_up_id, _ = _drafted(sqlite_url, flags=[CONTACT_FLAG])

    page = desk.get("/queue").text

    card = page[page.index(f'id="followup-{follow_up_id}"') :]
    card = card[: card.index("</article>")]
    assert "Follow-up #1" in card
    assert "3 days ago" in card
    assert "double-books the same slot" in card  # the letter sent
    assert DRAFT in card
    assert CONTACT_FLAG["reason"] in card and "Approve anyway" in card
    assert f'href="/followups/{follow_up_id}"' in card


def test_edit_approve_and_mark_sent(desk: DeskClient, sqlite_url: str) -> None:
    follow_up_id, later = _drafted(sqlite_url)
    edited = f"{DRAFT}\nAna"

    assert desk.submit(f"/followups/{follow_up_id}/edit", text=edited).status_code == 303
    assert _stored(sqlite_url, follow_up_id).final_text == edited
    card = desk.submit(f"/followups/{follow_up_id}/approve", htmx=True, text=edited)
    assert card.status_code == 200 and "Copy and mark sent" in card.text
    approved = _stored(sqlite_url, follow_up_id)
    assert (approved.status, approved.reviewer, approved.final_text) == ("approved", LEAD, edited)

    desk.switch_to(Role.BIDDER)  # Ana, whose proposal it follows
    page = desk.get(f"/followups/{follow_up_id}").text
    assert "Copy and mark sent" in page and "Ana" in page
    assert desk.submit(f"/followups/{follow_up_id}/mark-sent").status_code == 303

    sent = _stored(sqlite_url, follow_up_id)
    assert sent.status == "sent" and sent.sent_at is not None
    assert _events(sqlite_url, follow_up_id) == [
        ("edited", LEAD),
        ("approved", LEAD),
        ("sent", EMAILS[Role.BIDDER]),
    ]
    assert _stored(sqlite_url, later).status == "scheduled"  # the cadence goes on


def test_a_flagged_follow_up_is_approved_only_with_a_reason(
    desk: DeskClient, sqlite_url: str
) -> None:
    follow_up_id, _ = _drafted(sqlite_url, flags=[CONTACT_FLAG])

    refused = desk.submit(f"/followups/{follow_up_id}/approve", text=DRAFT)
    assert refused.status_code == 409 and "contact_details" in refused.text
    assert _stored(sqlite_url, follow_up_id).status == "queued"

    reason = "the address is the client's own, quoted back"
    approved = desk.submit(f"/followups/{follow_up_id}/approve", override_reason=reason)
    assert approved.status_code == 303
    assert _stored(sqlite_url, follow_up_id).status == "approved"
    with db.session_scope(sqlite_url) as session:
        events = events_for(session=session, entity="followup", entity_id=follow_up_id)
        (override,) = [event for event in events if event.action == "override"]
    assert override.actor == LEAD
    assert override.data == {"flags": [CONTACT_FLAG], "reason": reason}


def test_a_rejected_follow_up_leaves_the_next_one_scheduled(
    desk: DeskClient, sqlite_url: str
) -> None:
    follow_up_id, later = _drafted(sqlite_url)
    after_both_due = utcnow() + timedelta(days=3)
    with db.session_scope(sqlite_url) as session:
        # The client gets one nudge at a time: the second waits while the first is reviewed.
        assert due_follow_ups(session=session, now=after_both_due) == []
    assert desk.submit(f"/followups/{follow_up_id}/reject", reason=" ").status_code == 422

    assert desk.submit(f"/followups/{follow_up_id}/reject", reason="too pushy").status_code == 303

    rejected = _stored(sqlite_url, follow_up_id)
    assert (rejected.status, rejected.reject_reason, rejected.reviewer) == (
        "rejected",
        "too pushy",
        LEAD,
    )
    assert _events(sqlite_url, follow_up_id) == [("rejected", LEAD)]
    assert _stored(sqlite_url, later).status == "scheduled"
    with db.session_scope(sqlite_url) as session:
        due = due_follow_ups(session=session, now=after_both_due)  # now it is due on time
    assert [f.id for f in due] == [later]
    assert "too pushy" in desk.get(f"/followups/{follow_up_id}").text


def test_a_bidder_can_neither_approve_nor_send_another_bidders_follow_up(
    desk: DeskClient, sqlite_url: str
) -> None:
    own, _ = _drafted(sqlite_url)
    others, _ = _drafted(sqlite_url, bidder="Ben", title="Ben's storefront")
    desk.submit(f"/followups/{others}/approve")
    desk.switch_to(Role.BIDDER)

    assert desk.submit(f"/followups/{own}/approve").status_code == 403
    assert desk.submit(f"/followups/{own}/reject", reason="no").status_code == 403
    assert desk.submit(f"/followups/{others}/mark-sent").status_code == 403
    assert desk.get(f"/followups/{others}").status_code == 403
    assert (_stored(sqlite_url, own).status, _stored(sqlite_url, others).status) == (
        "queued",
        "approved",
    )
    desk.switch_to(Role.ACCOUNT_MANAGER)
    assert desk.get(f"/followups/{own}").status_code == 403


def test_a_reply_cancels_an_approved_follow_up_before_it_is_sent(
    desk: DeskClient, sqlite_url: str
) -> None:
    follow_up_id, later = _drafted(sqlite_url)
    desk.submit(f"/followups/{follow_up_id}/approve")
    proposal_id = _stored(sqlite_url, follow_up_id).proposal_id

    desk.submit(f"/proposals/{proposal_id}/outcome", status="replied", message="Call me")

    refused = desk.submit(f"/followups/{follow_up_id}/mark-sent")
    assert refused.status_code == 409
    assert _stored(sqlite_url, follow_up_id).status == "cancelled"
    assert _stored(sqlite_url, later).status == "cancelled"
    assert f'id="followup-{follow_up_id}"' not in desk.get("/queue").text


def test_a_hostile_job_title_is_escaped(desk: DeskClient, sqlite_url: str) -> None:
    follow_up_id, _ = _drafted(sqlite_url, title=HOSTILE_TITLE)

    for path in ("/queue", f"/followups/{follow_up_id}"):
        page = desk.get(path).text
        assert HOSTILE_TITLE not in page, path
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, path


def test_actions_need_the_csrf_token(desk: DeskClient, sqlite_url: str) -> None:
    follow_up_id, _ = _drafted(sqlite_url)

    answer = desk.post(f"/followups/{follow_up_id}/approve", follow_redirects=False)

    assert answer.status_code == 403
    assert _stored(sqlite_url, follow_up_id).status == "queued"
