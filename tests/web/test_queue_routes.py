"""The review queue over HTTP: the real app and a real SQLite database, checked in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape

from bidflow.config import Role
from bidflow.db import session_scope
from bidflow.store.decisions import store_decisions
from bidflow.store.proposals import get_proposal
from bidflow.types import utcnow
from tests.factories import make_job
from tests.web.desk import EMAILS, DeskClient
from tests.web.seed import (
    DRAFT,
    add_bidder,
    load_proposal,
    proposal_actions,
    proposal_events,
    queue_drafts,
    seed_review_queue,
    transition_refusal,
)
from web.app import create_app


def test_root_redirects_to_queue(client: DeskClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/queue")


def test_healthz(client: DeskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_fresh_home_is_migrated_and_served() -> None:
    # No sqlite_url fixture: create_app must read BIDFLOW_HOME itself and create the schema
    # (the sign-in page reads the users table, and says how to add the first user).
    with TestClient(create_app()) as fresh:
        response = fresh.get("/queue")
    assert response.status_code == 200
    assert str(response.url).endswith("/login?next=%2Fqueue")
    assert "No one can sign in yet" in response.text
    assert "bidflow users add" in response.text


def test_queue_lists_drafts_and_escapes_a_hostile_title(
    client: DeskClient, sqlite_url: str
) -> None:
    seeded = seed_review_queue(sqlite_url)

    html = client.get("/queue").text

    assert "<title>bidflow — review queue</title>" in html
    assert '<strong id="queued-count">2</strong>' in html
    for proposal_id in (seeded.hostile, seeded.plain):
        assert f'id="proposal-{proposal_id}" data-status="queued"' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html
    assert 'rel="noopener noreferrer"' in html
    assert "$1,500" in html
    assert "offline draft" in html
    assert "just now" in html and "<time datetime=" in html
    assert "I have built three booking APIs" in html
    assert 'name="csrf_token"' in html


def test_card_shows_job_signals(client: DeskClient, sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        bidder = add_bidder(session, name="Ben")
        queue_drafts(
            session,
            bidder=bidder,
            jobs=[
                make_job(
                    title="Hourly React work",
                    job_type="hourly",
                    budget=None,
                    hourly_min=25,
                    hourly_max=35,
                    posted_at=utcnow() - timedelta(minutes=14),
                    client_payment_verified=None,
                    client_country="Canada",
                    proposals_bucket="20 to 50",
                    url="javascript:alert(1)",
                )
            ],
            flags=[{"check": "placeholder", "reason": "the letter still says [CLIENT NAME]"}],
        )

    html = client.get("/queue").text

    assert "$25–$35/hr" in html
    assert "14 min ago" in html
    assert "<dd>?</dd>" in html  # payment verification unknown
    assert "Canada" in html and "20 to 50" in html and "Ben" in html
    assert "the letter still says [CLIENT NAME]" in html
    assert 'class="flags"' in html
    assert "javascript:" not in html  # a non-http job URL is shown as text, never as a link


def test_approve_sets_status_reviewer_letter_and_event(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)

    response = client.submit(f"/proposals/{seeded.plain}/approve")

    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/queue#proposal-{seeded.plain}")
    proposal = load_proposal(sqlite_url, seeded.plain)
    assert proposal.status == "approved"
    assert proposal.reviewer == EMAILS[Role.OWNER]  # the signed-in user
    assert proposal.final_text == DRAFT
    events = proposal_events(sqlite_url, seeded.plain)
    assert [(e.entity, e.action, e.actor) for e in events][-1] == (
        "proposal",
        "approved",
        EMAILS[Role.OWNER],
    )
    assert load_proposal(sqlite_url, seeded.hostile).status == "queued"
    page = client.get("/queue").text
    assert f'id="proposal-{seeded.plain}" data-status="approved"' in page
    assert "Submit this yourself on the marketplace, then mark it as sent" in page


def test_approve_keeps_an_unsaved_edit(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)

    client.submit(f"/proposals/{seeded.plain}/approve", text="Hello,\r\nshorter letter.\r\n")

    proposal = load_proposal(sqlite_url, seeded.plain)
    assert proposal.status == "approved"
    assert proposal.final_text == "Hello,\nshorter letter."
    assert proposal_actions(sqlite_url, seeded.plain) == ["queued", "edited", "approved"]


def test_approving_the_unchanged_letter_records_no_edit(
    client: DeskClient, sqlite_url: str
) -> None:
    seeded = seed_review_queue(sqlite_url)

    client.submit(f"/proposals/{seeded.plain}/approve", text=DRAFT.replace("\n", "\r\n"))

    assert proposal_actions(sqlite_url, seeded.plain) == ["queued", "approved"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_requires_a_reason(client: DeskClient, sqlite_url: str, reason: str) -> None:
    seeded = seed_review_queue(sqlite_url)

    response = client.submit(f"/proposals/{seeded.plain}/reject", reason=reason)

    assert response.status_code == 422
    assert "reason is required" in response.text
    assert "Traceback" not in response.text
    assert load_proposal(sqlite_url, seeded.plain).status == "queued"
    assert proposal_actions(sqlite_url, seeded.plain) == ["queued"]


def test_reject_stores_the_reason(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)

    response = client.submit(
        f"/proposals/{seeded.plain}/reject", reason="  Client wants an agency "
    )

    assert response.status_code == 303
    proposal = load_proposal(sqlite_url, seeded.plain)
    assert proposal.status == "rejected"
    assert proposal.reject_reason == "Client wants an agency"
    last = proposal_events(sqlite_url, seeded.plain)[-1]
    assert (last.action, last.data) == ("rejected", {"reason": "Client wants an agency"})
    assert f'id="proposal-{seeded.plain}"' not in client.get("/queue").text


def test_edit_changes_final_text_only(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)

    response = client.submit(f"/proposals/{seeded.plain}/edit", text="Dear client,\r\nNew letter.")

    assert response.status_code == 303
    proposal = load_proposal(sqlite_url, seeded.plain)
    assert proposal.final_text == "Dear client,\nNew letter."
    assert proposal.draft_text == DRAFT
    assert proposal.status == "queued"
    assert proposal_actions(sqlite_url, seeded.plain) == ["queued", "edited"]
    assert "Dear client,\nNew letter.</textarea>" in client.get("/queue").text


def test_an_edit_longer_than_any_letter_is_refused_and_nothing_changes(
    client: DeskClient, sqlite_url: str
) -> None:
    seeded = seed_review_queue(sqlite_url)

    response = client.submit(f"/proposals/{seeded.plain}/edit", text="x" * 20_001)

    assert response.status_code == 422
    assert "text must be at most 20000 characters" in response.text
    assert load_proposal(sqlite_url, seeded.plain).final_text is None
    assert proposal_actions(sqlite_url, seeded.plain) == ["queued"]


def test_mark_sent_stores_bid_and_connects(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)
    client.submit(f"/proposals/{seeded.plain}/approve")

    response = client.submit(f"/proposals/{seeded.plain}/mark-sent", bid="450.5", connects="16")

    assert response.status_code == 303
    proposal = load_proposal(sqlite_url, seeded.plain)
    assert proposal.status == "sent"
    assert (proposal.bid_amount, proposal.connects) == (450.5, 16)
    assert proposal.sent_at is not None
    last = proposal_events(sqlite_url, seeded.plain)[-1]
    # The send also keeps what the reports group it by, as it was at that moment.
    assert (last.action, last.data) == (
        "sent",
        {
            "bid": 450.5,
            "connects": 16,
            "proposals_bucket": "5 to 10",
            "client_total_spent": 25000.0,
        },
    )
    assert f'id="proposal-{seeded.plain}"' not in client.get("/queue").text


def test_mark_sent_without_bid_or_connects(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)
    client.submit(f"/proposals/{seeded.plain}/approve")

    client.submit(f"/proposals/{seeded.plain}/mark-sent", bid="", connects="")

    proposal = load_proposal(sqlite_url, seeded.plain)
    assert (proposal.status, proposal.bid_amount, proposal.connects) == ("sent", None, None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"connects": "abc"}, "connects must be a whole number"),
        ({"bid": "lots"}, "bid must be a number"),
        ({"bid": "-5"}, "bid must be at least 0"),
    ],
)
def test_mark_sent_refuses_bad_numbers(
    client: DeskClient, sqlite_url: str, fields: dict[str, Any], message: str
) -> None:
    seeded = seed_review_queue(sqlite_url)
    client.submit(f"/proposals/{seeded.plain}/approve")

    response = client.submit(f"/proposals/{seeded.plain}/mark-sent", **fields)

    assert response.status_code == 422
    assert message in response.text
    assert load_proposal(sqlite_url, seeded.plain).status == "approved"


def test_illegal_transition_is_a_readable_409(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)

    response = client.submit(f"/proposals/{seeded.plain}/mark-sent", bid="100")

    assert response.status_code == 409
    assert escape(transition_refusal("queued", "sent")) in response.text
    proposal = load_proposal(sqlite_url, seeded.plain)
    assert (proposal.status, proposal.bid_amount) == ("queued", None)
    assert proposal_actions(sqlite_url, seeded.plain) == ["queued"]


@pytest.mark.parametrize("token", [None, "", "not-the-cookie-value-but-long-enough-123"])
def test_post_without_the_csrf_token_is_refused(
    client: DeskClient, sqlite_url: str, token: str | None
) -> None:
    seeded = seed_review_queue(sqlite_url)
    data = {} if token is None else {"csrf_token": token}

    response = client.post(f"/proposals/{seeded.plain}/approve", data=data)

    assert response.status_code == 403
    assert "security token is missing or out of date" in response.text
    assert load_proposal(sqlite_url, seeded.plain).status == "queued"
    assert proposal_actions(sqlite_url, seeded.plain) == ["queued"]


def test_post_without_the_csrf_cookie_is_refused(app: FastAPI, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)
    with TestClient(app) as stranger:  # never loaded a page, so it has no cookie
        response = stranger.post(
            f"/proposals/{seeded.plain}/approve", data={"csrf_token": "x" * 43}
        )
    assert response.status_code == 403
    assert load_proposal(sqlite_url, seeded.plain).status == "queued"


def test_csrf_cookie_is_same_site_strict(app: FastAPI) -> None:
    with TestClient(app) as fresh:
        cookie = fresh.get("/login").headers["set-cookie"]
    assert cookie.startswith("bidflow_csrf=") and "SameSite=Strict" in cookie


def test_unknown_proposal_is_404(client: DeskClient) -> None:
    response = client.submit("/proposals/999/approve")

    assert response.status_code == 404
    assert "999" in response.text.split('role="alert">')[1].split("</p>")[0]


def test_card_says_why_the_job_matched(client: DeskClient, sqlite_url: str) -> None:
    reasons = [
        {"rule": "budget", "status": "passed", "message": "fixed budget $1,500 fits the range"},
        {"rule": "payment", "status": "missing", "message": "payment verification not given"},
        {"rule": "fit", "status": "passed", "message": "matches Ana's skills: Django <b>"},
    ]
    with session_scope(sqlite_url) as session:
        bidder = add_bidder(session)
        (proposal_id,) = queue_drafts(session, bidder=bidder, jobs=[make_job()])
        proposal = get_proposal(session=session, proposal_id=proposal_id)
        decision = {
            "job_id": proposal.job_id,
            "bidder_id": proposal.bidder_id,
            "ruleset": "default",
            "passed": True,
            "score": 0.9,
            "routed": True,
            "reasons": reasons,
        }
        store_decisions(session=session, decisions=[decision])
    page = client.get("/queue").text
    assert '<li class="passed">fixed budget $1,500 fits the range</li>' in page
    assert '<li class="unknown">payment verification not given</li>' in page
    assert "matches Ana&#39;s skills: Django &lt;b&gt;" in page
