"""Who may push to ``POST /hooks/jobs/{source}``: signatures, timestamps, the secret, and which
feeds of the config (read again when it changes) accept pushes; the real app on a real SQLite
database."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bidflow.db import session_scope
from bidflow.models import SourceState
from connectors.feeds.webhook import sign
from tests.factories import agency_dict, write_config
from tests.web.hooks import FEEDS, SECRET, SECRET_ENV, item, signed, stored_ids


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
