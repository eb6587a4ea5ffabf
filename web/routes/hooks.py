"""``POST /hooks/jobs/{source}``: jobs pushed by job-alert services, browser extensions, n8n or
Zapier into a webhook feed of the agency config.

Callers are programs, so every answer is JSON: ``{"error": "..."}`` when the request is refused
as a whole, else counts and one line per problem item. Requests are authenticated by their
HMAC signature (see connectors.feeds.webhook), not by cookies, so CSRF checks do not apply.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from bidflow.config.feeds import WebhookFeedConfig
from bidflow.errors import ConfigError, NotFoundError
from bidflow.models import JobBase
from bidflow.store.jobs import StoredJobs, store_jobs
from bidflow.store.sources import record_failure, record_success
from bidflow.types import utcnow
from connectors.feeds.webhook import (
    MAX_BODY_BYTES,
    PayloadError,
    SignatureError,
    read_items,
    signed_items,
)
from web.config_file import AgencyConfigFile, one_line
from web.deps import SessionDep

router = APIRouter(prefix="/hooks", tags=["hooks"])


async def limited_body(request: Request) -> bytes | None:
    """The raw request body, or None when it is larger than MAX_BODY_BYTES. Read here, before
    the route runs in its thread, and never more than the limit of it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


BodyDep = Annotated[bytes | None, Depends(limited_body)]


@router.post("/jobs/{source}")
def receive_jobs(source: str, request: Request, body: BodyDep, session: SessionDep) -> JSONResponse:
    """Store the valid jobs of a signed JSON body (one job, a list, or ``{"jobs": [...]}``).

    200 when every item is a job; 422 when some are not (the others are stored all the same).
    The session dependency commits before the answer is sent, so a sender that reads the
    database after a 200 or 422 finds the jobs there.
    """
    now = utcnow()
    config_file: AgencyConfigFile = request.app.state.agency_config
    try:
        feed = webhook_feed(config_file, source)
    except ConfigError as exc:
        return _refuse(503, one_line(exc))
    except NotFoundError as exc:
        return _refuse(404, str(exc))

    def fail(status: int, error: str) -> JSONResponse:
        # Returned, not raised: raising would roll back the health record with the request.
        record_failure(session=session, name=feed.name, kind=feed.kind, error=error, now=now)
        return _refuse(status, error)

    # Requests that fail before their signature is checked (too large, unsigned, badly signed)
    # are refused without touching the feed's health: anyone who knows the URL could send
    # them, and they must not be able to make a working feed look broken.
    if body is None:
        return _refuse(413, f"body is larger than {MAX_BODY_BYTES // 2**20} MB; send fewer jobs")
    secret = os.environ.get(feed.secret_env)
    if not secret:
        return fail(503, f"set {feed.secret_env} to the webhook secret")
    try:
        items = signed_items(secret=secret, body=body, headers=request.headers, now=now)
    except SignatureError as exc:
        return _refuse(401, str(exc))
    except PayloadError as exc:
        return fail(400, str(exc))
    pushed = read_items(items, feed, now=now)
    if items and not pushed.jobs:
        more = len(pushed.errors) - 1
        error = f"no job in the push: {pushed.errors[0]}" + (f" (and {more} more)" if more else "")
        record_failure(session=session, name=feed.name, kind=feed.kind, error=error, now=now)
        stored = StoredJobs(new_ids=[], duplicates=0)
    else:
        stored = _store(session, feed, pushed.jobs, received=len(items), now=now)
    answer = {
        "accepted": len(pushed.jobs),
        "new": len(stored.new_ids),
        "duplicates": stored.duplicates,
        "linked": stored.linked,
        "errors": pushed.errors,
    }
    return JSONResponse(answer, status_code=422 if pushed.rejected else 200)


def webhook_feed(config_file: AgencyConfigFile, source: str) -> WebhookFeedConfig:
    """The enabled webhook feed named ``source``; ConfigError when the config cannot be read,
    NotFoundError when it names no such feed."""
    for feed in config_file.load().feeds:
        if feed.name == source and isinstance(feed, WebhookFeedConfig):
            if not feed.enabled:
                raise NotFoundError(f"webhook feed '{source}' is disabled in {config_file.path}")
            return feed
    raise NotFoundError(f"no webhook feed named '{source}' in {config_file.path}")


def _store(
    session: Session,
    feed: WebhookFeedConfig,
    jobs: Sequence[JobBase],
    *,
    received: int,
    now: datetime,
) -> StoredJobs:
    """Store ``jobs`` and note the push in the feed's health, in the request's transaction."""
    stored = store_jobs(session=session, jobs=jobs)
    record_success(
        session=session,
        name=feed.name,
        kind=feed.kind,
        status="ok",
        fetched=received,
        new=len(stored.new_ids),
        newest_posted_at=max((job.posted_at for job in jobs if job.posted_at), default=None),
        cursor=None,
        now=now,
    )
    return stored


def _refuse(status: int, error: str) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)
