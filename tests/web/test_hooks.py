"""Jobs pushed to ``POST /hooks/jobs/{source}``: signatures, payload shapes, item errors, health,
and what is in the database when the answer arrives; the real app on a real SQLite database."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select
from starlette.types import Message, Receive, Scope, Send

from bidflow.db import session_scope
from bidflow.models import Job, SourceState
from bidflow.settings import Settings
from connectors.feeds.webhook import sign
from tests.factories import agency_dict, write_config
from tests.web.browser import serve
from tests.web.seed import load_proposal, seed_review_queue
from web.app import create_app
from web.csrf import CSRF_COOKIE

SECRET_ENV = "BIDFLOW_TEST_HOOK_SECRET"
SECRET = "correct horse battery staple"
FEEDS: list[dict[str, Any]] = [
    {"name": "alerts", "kind": "webhook", "secret_env": SECRET_ENV},
    {"name": "news", "kind": "rss", "url": "https://example.test/feed.xml"},
    {"name": "paused", "kind": "webhook", "secret_env": SECRET_ENV, "enabled": False},
]


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", agency_dict(feeds=FEEDS))


@pytest.fixture
def hooks_app(sqlite_url: str, config_path: Path, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return create_app(Settings(database_url=sqlite_url, config=config_path))


@pytest.fixture
def hook(hooks_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(hooks_app) as client:
        yield client


def item(number: int, **fields: Any) -> dict[str, Any]:
    """A job as a job-alert service sends it, in the default item shape."""
    job: dict[str, Any] = {
        "id": f"ext-{number}",
        "url": f"https://jobs.example/{number}",
        "title": f"Django REST API for a clinic #{number}",
        "description": "Build and document the booking endpoints.",
        "budget": "$800",
        "posted_at": f"2025-06-01T10:{number:02d}:00Z",
        "client": {"country": "Germany", "hires": 4, "payment_verified": True},
    }
    return job | fields


def signed(payload: Any, *, secret: str = SECRET, timestamp: str | None = None) -> dict[str, Any]:
    """Keyword arguments for ``client.post``: the JSON body and the headers that sign it."""
    body = json.dumps(payload).encode()
    headers = {"X-Bidflow-Signature": sign(secret, body, timestamp)}
    if timestamp is not None:
        headers["X-Bidflow-Timestamp"] = timestamp
    return {"content": body, "headers": headers}


def stored_ids(url: str) -> list[str]:
    with session_scope(url) as session:
        return sorted(session.exec(select(Job.external_id).where(Job.source == "alerts")))


def health(url: str) -> SourceState:
    with session_scope(url) as session:
        state = session.get(SourceState, "alerts")
        assert state is not None, "no health row for the feed"
        return state


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


def test_wrong_secret_is_refused_and_nothing_stored(hook: TestClient, sqlite_url: str) -> None:
    response = hook.post("/hooks/jobs/alerts", **signed(item(1), secret="guess"))

    assert response.status_code == 401
    error = response.json()["error"]
    assert error.startswith("X-Bidflow-Signature does not match")
    assert "HMAC-SHA256 of the raw body" in error
    assert stored_ids(sqlite_url) == []
    with session_scope(sqlite_url) as session:  # strangers cannot mark the feed as failing
        assert session.get(SourceState, "alerts") is None


def test_missing_signature_is_refused(hook: TestClient, sqlite_url: str) -> None:
    response = hook.post("/hooks/jobs/alerts", json=item(1))

    assert response.status_code == 401
    error = response.json()["error"]
    assert error.startswith("missing signature: send X-Bidflow-Signature: sha256=<hex>")
    assert "HMAC-SHA256" in error
    assert stored_ids(sqlite_url) == []


def test_github_style_signature_header(hook: TestClient, sqlite_url: str) -> None:
    body = json.dumps(item(1)).encode()
    headers = {"X-Hub-Signature-256": sign(SECRET, body)}

    assert hook.post("/hooks/jobs/alerts", content=body, headers=headers).status_code == 200
    assert stored_ids(sqlite_url) == ["ext-1"]


def test_timestamped_signature(hook: TestClient, sqlite_url: str) -> None:
    now = str(int(time.time()))
    unsigned_stamp = signed(item(1))
    unsigned_stamp["headers"]["X-Bidflow-Timestamp"] = now

    assert hook.post("/hooks/jobs/alerts", **unsigned_stamp).status_code == 401
    assert hook.post("/hooks/jobs/alerts", **signed(item(1), timestamp=now)).status_code == 200
    assert stored_ids(sqlite_url) == ["ext-1"]


@pytest.mark.parametrize(("offset", "words"), [(-600, "s old"), (600, "s in the future")])
def test_timestamp_too_far_from_now(
    hook: TestClient, sqlite_url: str, offset: int, words: str
) -> None:
    stamp = str(int(time.time()) + offset)

    response = hook.post("/hooks/jobs/alerts", **signed(item(1), timestamp=stamp))

    assert response.status_code == 401
    assert response.json()["error"].startswith("X-Bidflow-Timestamp is ")
    assert words in response.json()["error"]
    assert stored_ids(sqlite_url) == []


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("nope", "no webhook feed named 'nope' in {}"),
        ("news", "no webhook feed named 'news' in {}"),
        ("paused", "webhook feed 'paused' is disabled in {}"),
    ],
    ids=["unknown", "rss-feed", "disabled"],
)
def test_only_enabled_webhook_feeds_accept_pushes(
    hook: TestClient, config_path: Path, source: str, error: str
) -> None:
    response = hook.post(f"/hooks/jobs/{source}", **signed(item(1)))

    assert response.status_code == 404
    assert response.json() == {"error": error.format(config_path)}


def test_secret_not_set(hook: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV)

    response = hook.post("/hooks/jobs/alerts", **signed(item(1)))

    assert response.status_code == 503
    assert response.json() == {"error": f"set {SECRET_ENV} to the webhook secret"}


def test_config_is_reread_when_it_changes(hook: TestClient, config_path: Path) -> None:
    assert hook.post("/hooks/jobs/later", **signed(item(1))).status_code == 404
    later = {"name": "later", "kind": "webhook", "secret_env": SECRET_ENV}
    write_config(config_path.parent, agency_dict(feeds=[*FEEDS, later]))
    assert hook.post("/hooks/jobs/later", **signed(item(1))).status_code == 200

    config_path.write_text("feeds: [\n", encoding="utf-8")
    response = hook.post("/hooks/jobs/later", **signed(item(1)))

    assert response.status_code == 503
    assert response.json()["error"].startswith(f"{config_path}:")
    assert "not valid YAML" in response.json()["error"]
    assert "\n" not in response.json()["error"]


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
