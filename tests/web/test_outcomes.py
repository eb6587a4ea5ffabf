"""Recording what happened after a send from the proposal's page: the lifecycle decides what
may follow, the client's pasted message is kept (and shown escaped in the inbox), the actor is
the signed-in user, and an impossible move is refused with the reason."""

from __future__ import annotations

from sqlmodel import select

from bidflow.config import Role
from bidflow.db import session_scope
from bidflow.models import Message
from bidflow.store.proposals import approve, mark_sent
from tests.factories import make_job
from tests.web.desk import EMAILS, DeskClient
from tests.web.seed import add_bidder, load_proposal, proposal_events, queue_drafts

HOSTILE = "Sounds good! <script>alert(1)</script> Call me?"


def _sent(url: str) -> int:
    with session_scope(url) as session:
        (proposal_id,) = queue_drafts(session, bidder=add_bidder(session), jobs=[make_job()])
    with session_scope(url) as session:
        approve(session=session, proposal_id=proposal_id, actor="lead")
        mark_sent(session=session, proposal_id=proposal_id, actor="lead", bid=500, connects=16)
    return proposal_id


def test_an_account_manager_records_a_reply_with_the_clients_message(
    client: DeskClient, sqlite_url: str
) -> None:
    proposal_id = _sent(sqlite_url)
    client.switch_to(Role.ACCOUNT_MANAGER)
    page = client.get(f"/proposals/{proposal_id}").text
    assert 'id="outcome"' in page and '<option value="replied">replied</option>' in page
    assert '<option value="hired">hired</option>' in page

    answer = client.submit(f"/proposals/{proposal_id}/outcome", status="replied", message=HOSTILE)

    assert answer.status_code == 303
    assert load_proposal(sqlite_url, proposal_id).status == "replied"
    event = proposal_events(sqlite_url, proposal_id)[-1]
    assert (event.action, event.actor) == ("replied", EMAILS[Role.ACCOUNT_MANAGER])
    with session_scope(sqlite_url) as session:
        stored = session.exec(select(Message).where(Message.proposal_id == proposal_id)).one()
        assert (stored.kind, stored.source, stored.body) == ("reply", "desk", HOSTILE)
    inbox = client.get("/inbox").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in inbox and "<script>alert(1)" not in inbox
    after = client.get(f"/proposals/{proposal_id}").text
    assert '<option value="viewed">' not in after  # a reply is past "viewed"


def test_an_impossible_move_is_refused_with_the_reason(client: DeskClient, sqlite_url: str) -> None:
    proposal_id = _sent(sqlite_url)
    assert client.submit(f"/proposals/{proposal_id}/outcome", status="hired").status_code == 303

    answer = client.submit(f"/proposals/{proposal_id}/outcome", status="viewed")

    assert answer.status_code == 409
    assert "the proposal is hired and cannot become viewed" in answer.text
    assert load_proposal(sqlite_url, proposal_id).status == "hired"
    assert 'id="outcome"' not in client.get(f"/proposals/{proposal_id}").text  # it has ended


def test_before_the_send_there_is_nothing_to_record(client: DeskClient, sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        (queued,) = queue_drafts(session, bidder=add_bidder(session), jobs=[make_job()])
    assert 'id="outcome"' not in client.get(f"/proposals/{queued}").text
    answer = client.submit(f"/proposals/{queued}/outcome", status="viewed")
    assert answer.status_code == 409
    assert load_proposal(sqlite_url, queued).status == "queued"


def test_approving_through_this_door_is_refused(client: DeskClient, sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        (queued,) = queue_drafts(session, bidder=add_bidder(session), jobs=[make_job()])
    client.switch_to(Role.ACCOUNT_MANAGER)

    answer = client.submit(f"/proposals/{queued}/outcome", status="approved")

    assert answer.status_code == 409
    assert "approved&#39; cannot be recorded here" in answer.text
    assert load_proposal(sqlite_url, queued).status == "queued"


def test_a_hire_keeps_its_contract_value_for_the_reports(
    client: DeskClient, sqlite_url: str
) -> None:
    proposal_id = _sent(sqlite_url)
    assert 'name="contract_value"' in client.get(f"/proposals/{proposal_id}").text

    answer = client.submit(
        f"/proposals/{proposal_id}/outcome", status="hired", contract_value="1250.5", message=""
    )

    assert answer.status_code == 303
    event = proposal_events(sqlite_url, proposal_id)[-1]
    assert (event.action, event.data) == ("hired", {"contract_value_usd": 1250.5})


def test_an_empty_or_absurd_contract_value(client: DeskClient, sqlite_url: str) -> None:
    proposal_id = _sent(sqlite_url)

    refused = client.submit(
        f"/proposals/{proposal_id}/outcome", status="hired", contract_value="-5"
    )
    assert refused.status_code == 422
    assert load_proposal(sqlite_url, proposal_id).status == "sent"

    answer = client.submit(f"/proposals/{proposal_id}/outcome", status="hired", contract_value="")
    assert answer.status_code == 303
    assert proposal_events(sqlite_url, proposal_id)[-1].data in ({}, None)
