"""Flagged drafts on the review desk, over HTTP: flags shown in red with their reasons, an
override reason field only when flags block approval, and approval only with that reason."""

from __future__ import annotations

from markupsafe import escape

from bidflow.db import session_scope
from tests.factories import make_job
from tests.web.desk import DeskClient
from tests.web.seed import add_bidder, load_proposal, proposal_events, queue_drafts

HOSTILE_REASON = "The letter shares a link “<script>alert(1)</script>”."
FLAG = {"check": "contact_details", "reason": HOSTILE_REASON}
OFFLINE = {"check": "offline", "reason": "no language model is configured"}
UNCHECKED = {"check": "client_cooldown", "reason": "the feed does not say who the client is"}


def _queue(url: str, flags: list[dict[str, str]], bidder: str = "Ana") -> int:
    with session_scope(url) as session:
        (proposal_id,) = queue_drafts(
            session, bidder=add_bidder(session, bidder), jobs=[make_job()], flags=flags
        )
    return proposal_id


def _card(client: DeskClient, proposal_id: int) -> str:
    page = client.get("/queue").text
    start = page.index(f'id="proposal-{proposal_id}"')
    return page[start : page.index("</article>", start)]


def test_flags_are_listed_escaped_with_an_override_field(
    client: DeskClient, sqlite_url: str
) -> None:
    proposal_id = _queue(sqlite_url, [FLAG])

    card = _card(client, proposal_id)

    assert '<ul class="flags"' in card
    assert '<li class="flag check-contact_details"><strong>contact_details</strong>' in card
    assert str(escape(HOSTILE_REASON)) in card and "<script>alert" not in card
    assert 'name="override_reason"' in card and "Approve anyway" in card


def test_an_unflagged_or_noticed_draft_has_no_override_field(
    client: DeskClient, sqlite_url: str
) -> None:
    plain = _queue(sqlite_url, [])
    noticed = _queue(sqlite_url, [OFFLINE, UNCHECKED], bidder="Ben")

    for proposal_id in (plain, noticed):
        card = _card(client, proposal_id)
        assert 'name="override_reason"' not in card and ">Approve</button>" in card
    assert "client_cooldown" in _card(client, noticed)  # still shown, just not blocking
    assert client.submit(f"/proposals/{noticed}/approve", htmx=True).status_code == 200
    assert load_proposal(sqlite_url, noticed).status == "approved"


def test_approving_a_flagged_draft_without_a_reason_is_refused(
    client: DeskClient, sqlite_url: str
) -> None:
    proposal_id = _queue(sqlite_url, [FLAG])

    for fields in ({}, {"override_reason": "  "}):
        response = client.submit(f"/proposals/{proposal_id}/approve", htmx=True, **fields)
        assert response.status_code == 409
        assert "flagged (contact_details)" in response.text

    assert load_proposal(sqlite_url, proposal_id).status == "queued"
    assert [event.action for event in proposal_events(sqlite_url, proposal_id)] == ["queued"]


def test_an_override_reason_approves_and_is_logged(client: DeskClient, sqlite_url: str) -> None:
    proposal_id = _queue(sqlite_url, [FLAG])

    response = client.submit(
        f"/proposals/{proposal_id}/approve", override_reason="The link is the client's own site."
    )

    assert response.status_code == 303
    assert load_proposal(sqlite_url, proposal_id).status == "approved"
    override = proposal_events(sqlite_url, proposal_id)[-1]
    assert override.action == "override"
    assert override.data == {"flags": [FLAG], "reason": "The link is the client's own site."}
    assert override.actor == load_proposal(sqlite_url, proposal_id).reviewer


def test_approving_without_the_csrf_token_is_refused(client: DeskClient, sqlite_url: str) -> None:
    proposal_id = _queue(sqlite_url, [FLAG])

    response = client.post(f"/proposals/{proposal_id}/approve", data={"override_reason": "because"})

    assert response.status_code == 403
    assert load_proposal(sqlite_url, proposal_id).status == "queued"
