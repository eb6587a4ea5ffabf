"""Client messages pushed to an inbox webhook: matched to their proposal (by id, job link, job
id, or client and title), kept once, moving the proposal on and stopping its follow-ups; an
unmatched one is kept for a person; unsigned or malformed pushes are refused or described."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from bidflow.config import Role
from bidflow.db import session_scope
from bidflow.models import FollowUp, Message
from bidflow.settings import Settings
from bidflow.store.followups import schedule_follow_ups
from bidflow.types import utcnow
from tests.factories import agency_dict, make_job, write_config
from tests.web.desk import EMAILS, DeskClient, add_users
from tests.web.hooks import SECRET, SECRET_ENV, signed
from tests.web.seed import add_bidder, load_proposal, proposal_events, sent_proposal
from web.app import create_app

URL = "https://www.upwork.com/jobs/~01abc"


@pytest.fixture
def hook(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    data = agency_dict(inbox_hooks=[{"name": "zapier", "secret_env": SECRET_ENV}])
    settings = Settings(database_url=sqlite_url, config=write_config(tmp_path / "cfg", data))
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def proposal_id(sqlite_url: str) -> int:
    with session_scope(sqlite_url) as session:
        job = make_job(url=URL, external_id="~01abc", client_name="Acme", title="Booking API")
        sent = sent_proposal(session, add_bidder(session), job, utcnow() - timedelta(days=1))
        schedule_follow_ups(
            session=session, proposal_id=sent, due_times=[utcnow() + timedelta(days=1)]
        )
    return sent


def _messages(url: str) -> list[Message]:
    with session_scope(url) as session:
        return list(session.exec(select(Message).order_by(col(Message.id))).all())


def test_a_reply_matched_by_job_link_moves_the_proposal_and_stops_follow_ups(
    hook: TestClient, sqlite_url: str, proposal_id: int
) -> None:
    reply = {"id": "mail-1", "job_url": URL, "body": "Can we talk?", "sender": "Acme"}

    answer = hook.post("/hooks/messages/zapier", **signed({"messages": [reply]}))
    again = hook.post("/hooks/messages/zapier", **signed(reply))

    assert answer.status_code == 200, answer.text
    assert answer.json() | {"errors": []} == {
        "accepted": 1, "new": 1, "duplicates": 0, "matched": 1, "unmatched": [], "errors": [],
    }  # fmt: skip
    assert again.json()["duplicates"] == 1
    (stored,) = _messages(sqlite_url)
    assert (stored.proposal_id, stored.kind, stored.body) == (proposal_id, "reply", "Can we talk?")
    assert load_proposal(sqlite_url, proposal_id).status == "replied"
    assert proposal_events(sqlite_url, proposal_id)[-1].actor == "hook:zapier"
    with session_scope(sqlite_url) as session:
        statuses = session.exec(select(FollowUp.status)).all()
    assert statuses == ["cancelled"]


@pytest.mark.parametrize(
    "identifies",
    [{"job_id": "~01abc"}, {"client": "Acme", "title": "Booking API"}],
)
def test_other_ways_to_name_the_proposal(
    hook: TestClient, sqlite_url: str, proposal_id: int, identifies: dict[str, str]
) -> None:
    push = {"id": "n-1", "kind": "viewed", **identifies}
    assert hook.post("/hooks/messages/zapier", **signed(push)).json()["matched"] == 1
    assert load_proposal(sqlite_url, proposal_id).status == "viewed"


def test_an_unmatched_message_is_kept_for_a_person(hook: TestClient, sqlite_url: str) -> None:
    push = {"id": "stray-1", "job_url": "https://elsewhere.example/x", "body": "Hello?"}

    answer = hook.post("/hooks/messages/zapier", **signed(push)).json()

    assert (answer["matched"], answer["unmatched"]) == (0, ["stray-1"])
    (stored,) = _messages(sqlite_url)
    assert stored.proposal_id is None and stored.body == "Hello?"


def test_bad_items_are_described_and_the_rest_stored(
    hook: TestClient, sqlite_url: str, proposal_id: int
) -> None:
    items = [
        {"body": "no id"},
        {"id": "k-1", "kind": "applauded"},
        {"id": "t-1", "received_at": "yesterday"},
        {"id": "ok-1", "proposal_id": proposal_id, "body": "Fine"},
    ]

    answer = hook.post("/hooks/messages/zapier", **signed(items))

    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert errors[0].startswith("item 0: 'id' is required")
    assert errors[1].startswith("item 1: 'kind' is 'applauded'; use one of reply, viewed")
    assert errors[2].startswith("item 2: 'received_at' is 'yesterday'; write it as ISO 8601")
    assert [m.external_id for m in _messages(sqlite_url)] == ["ok-1"]


def test_unsigned_or_unknown_pushes_are_refused(hook: TestClient, sqlite_url: str) -> None:
    unsigned = hook.post("/hooks/messages/zapier", json={"id": "x"})
    forged = hook.post("/hooks/messages/zapier", **signed({"id": "x"}, secret="not the secret"))
    unknown = hook.post("/hooks/messages/nobody", **signed({"id": "x"}))

    assert (unsigned.status_code, forged.status_code, unknown.status_code) == (401, 401, 404)
    assert "missing signature" in unsigned.json()["error"]
    assert _messages(sqlite_url) == []


def test_a_person_links_an_unmatched_message_and_it_counts(
    hook: TestClient, sqlite_url: str, proposal_id: int
) -> None:
    push = {"id": "stray-2", "job_url": "https://elsewhere.example/y", "body": "Yes, let's go"}
    hook.post("/hooks/messages/zapier", **signed(push))
    (stray,) = _messages(sqlite_url)
    add_users(sqlite_url)
    desk = DeskClient(hook.app)
    desk.sign_in(Role.ACCOUNT_MANAGER)
    key = f"message-{stray.id}"
    assert f'action="/inbox/{key}/link"' in desk.get("/inbox").text

    assert desk.submit(f"/inbox/{key}/link", proposal_id=str(proposal_id)).status_code == 303
    again = desk.submit(f"/inbox/{key}/link", proposal_id=str(proposal_id))

    assert again.status_code == 409 and "already linked" in again.text
    assert _messages(sqlite_url)[0].proposal_id == proposal_id
    assert load_proposal(sqlite_url, proposal_id).status == "replied"
    assert proposal_events(sqlite_url, proposal_id)[-1].actor == EMAILS[Role.ACCOUNT_MANAGER]
    with session_scope(sqlite_url) as session:
        assert session.exec(select(FollowUp.status)).all() == ["cancelled"]
    assert desk.submit("/inbox/event-1/link", proposal_id="1").status_code == 404
