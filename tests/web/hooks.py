"""Pushes to the job webhook as a job-alert service sends them: the feeds of the test config, a
job item, the signed request, and what the database holds for the ``alerts`` feed afterwards."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from bidflow.db import session_scope
from bidflow.models import Job, SourceState
from connectors.feeds.webhook import sign

SECRET_ENV = "BIDFLOW_TEST_HOOK_SECRET"
SECRET = "correct horse battery staple"
FEEDS: list[dict[str, Any]] = [
    {"name": "alerts", "kind": "webhook", "secret_env": SECRET_ENV},
    {"name": "news", "kind": "rss", "url": "https://example.test/feed.xml"},
    {"name": "paused", "kind": "webhook", "secret_env": SECRET_ENV, "enabled": False},
]


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
