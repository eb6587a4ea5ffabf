"""Jobs pushed to ``POST /hooks/jobs/{source}``: payload shapes, item errors, body limits, health,
and what is in the database when the answer arrives; the real app on a real SQLite database.
Who may push is in ``test_hook_auth``."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select
from starlette.types import Message, Receive, Scope, Send

from bidflow.db import session_scope
from bidflow.models import Alert, Job
from connectors.feeds.webhook import sign
from tests.web.browser import serve
from tests.web.hooks import SECRET, health, item, signed, stored_ids
from tests.web.seed import load_proposal, seed_review_queue
from web.csrf import CSRF_COOKIE


def test_signed_job_is_stored_before_the_answer(hooks_app: FastAPI, sqlite_url: str) -> None:
    at_answer: list[list[str]] = []

    async def watching(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                at_answer.append(stored_ids(sqlite_url))  # a separate connection
            await send(message)

        await hooks_app(scope, receive, send_watched)

    with TestClient(watching) as client:
        response = client.post("/hooks/jobs/alerts", **signed(item(1)))

    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "new": 1, "duplicates": 0, "linked": 0, "errors": []}
    assert at_answer == [["ext-1"]]
    with session_scope(sqlite_url) as session:
        job = session.exec(select(Job)).one()
    assert (job.title, job.client_country, job.client_hires) == (item(1)["title"], "Germany", 4)


def test_batch_stores_valid_items_and_names_the_bad_one(hook: TestClient, sqlite_url: str) -> None:
    batch = [item(1), item(2, title=None), item(3)]

    response = hook.post("/hooks/jobs/alerts", **signed({"jobs": batch}))

    assert response.status_code == 422
    assert response.json() == {
        "accepted": 2,
        "new": 2,
        "duplicates": 0,
        "linked": 0,
        "errors": ["item 2: missing 'title'"],
    }
    assert stored_ids(sqlite_url) == ["ext-1", "ext-3"]


def test_dropped_field_is_a_note_not_a_failure(hook: TestClient, sqlite_url: str) -> None:
    response = hook.post("/hooks/jobs/alerts", **signed([item(1, client={"hires": "lots"})]))

    assert response.status_code == 200
    note = "item 1: field 'client.hires' = 'lots' is not a number; stored without it"
    assert response.json()["errors"] == [note]
    assert stored_ids(sqlite_url) == ["ext-1"]


def test_notes_and_failures_are_listed_in_item_order(hook: TestClient, sqlite_url: str) -> None:
    batch = [item(1), item(2, title="  "), item(3), item(4, client={"hires": "lots"})]

    response = hook.post("/hooks/jobs/alerts", **signed(batch))

    assert response.status_code == 422
    assert response.json()["errors"] == [
        "item 2: missing 'title'",
        "item 4: field 'client.hires' = 'lots' is not a number; stored without it",
    ]
    assert response.json()["accepted"] == 3
    assert stored_ids(sqlite_url) == ["ext-1", "ext-3", "ext-4"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_over_five_megabytes(hook: TestClient, sqlite_url: str, chunked: bool) -> None:
    request = signed([item(1, description="x" * 6_000_000)])
    body: bytes = request["content"]
    if chunked:  # no Content-Length: the limit must hold while the body is read
        request["content"] = iter([body[i : i + 65536] for i in range(0, len(body), 65536)])

    response = hook.post("/hooks/jobs/alerts", **request)

    assert response.status_code == 413
    assert response.json() == {"error": "body is larger than 5 MB; send fewer jobs"}
    assert stored_ids(sqlite_url) == []


def test_invalid_json_names_the_position(hook: TestClient, sqlite_url: str) -> None:
    body = b'{"title": "API",}'
    headers = {"X-Bidflow-Signature": sign(SECRET, body)}

    response = hook.post("/hooks/jobs/alerts", content=body, headers=headers)

    assert response.status_code == 400
    assert response.json() == {
        "error": "body is not valid JSON: Expecting property name enclosed in double quotes"
        " at line 1, column 17 (character 16)"
    }
    assert health(sqlite_url).last_error == response.json()["error"]


def test_sending_again_counts_duplicates(hook: TestClient, sqlite_url: str) -> None:
    payload = signed([item(1), item(2)])
    assert hook.post("/hooks/jobs/alerts", **payload).json()["new"] == 2

    again = hook.post("/hooks/jobs/alerts", **payload)

    assert again.status_code == 200
    assert again.json() == {"accepted": 2, "new": 0, "duplicates": 2, "linked": 0, "errors": []}
    assert stored_ids(sqlite_url) == ["ext-1", "ext-2"]


def test_csrf_protects_forms_but_not_hooks(hook: TestClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)
    assert hook.get("/queue").status_code == 200  # the browser now holds a CSRF cookie
    assert CSRF_COOKIE in hook.cookies

    refused = hook.post(f"/proposals/{seeded.plain}/approve", data={})
    pushed = hook.post("/hooks/jobs/alerts", **signed(item(1)))

    assert refused.status_code == 403
    assert load_proposal(sqlite_url, seeded.plain).status == "queued"
    assert pushed.status_code == 200


def test_health_follows_pushes(hook: TestClient, sqlite_url: str) -> None:
    hook.post("/hooks/jobs/alerts", **signed([item(9, title=None)]))
    assert health(sqlite_url).consecutive_failures == 1

    hook.post("/hooks/jobs/alerts", **signed([item(1), item(7), item(3, title=None)]))

    state = health(sqlite_url)
    assert (state.status, state.consecutive_failures) == ("ok", 0)
    assert (state.last_fetched, state.last_new, state.total_new) == (3, 2, 2)
    assert state.newest_posted_at is not None
    assert state.newest_posted_at.isoformat() == "2025-06-01T10:07:00+00:00"

    hook.post("/hooks/jobs/alerts", **signed([item(8, title=None)]))
    state = health(sqlite_url)
    assert (state.status, state.consecutive_failures) == ("error", 1)
    assert state.last_error == "no job in the push: item 1: missing 'title'"


def test_push_over_real_http(hooks_app: FastAPI, sqlite_url: str) -> None:
    with serve(hooks_app) as base_url:
        response = httpx.post(f"{base_url}/hooks/jobs/alerts", **signed([item(1), item(2)]))
        in_database = stored_ids(sqlite_url)  # while the server still runs

    assert response.status_code == 200
    assert response.json()["new"] == 2
    assert in_database == ["ext-1", "ext-2"]


def test_a_pushed_feed_failing_three_times_alerts_the_owners_once(
    hook: TestClient, sqlite_url: str
) -> None:
    for _ in range(4):
        assert hook.post("/hooks/jobs/alerts", **signed([item(1, title=None)])).status_code == 422
    with session_scope(sqlite_url) as session:
        alerts = session.exec(select(Alert)).all()
    assert [(a.kind, a.recipient) for a in alerts] == [("source_failing", "owners")]
    assert "Feed 'alerts' has failed 3" in alerts[0].text
