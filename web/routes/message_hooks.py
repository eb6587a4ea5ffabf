"""``POST /hooks/messages/{name}``: client messages and status news pushed by an inbox webhook of
the agency config (``inbox_hooks``), signed like job webhooks (HMAC-SHA256 of the raw body).

Answers are JSON: counts, the ids of messages matched to no proposal (kept for a person to link;
the inbox shows them), and one line per item that is not a message (422; the others are stored).
"""

from __future__ import annotations

import os

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bidflow.config.inbox import InboxHookConfig
from bidflow.errors import ConfigError
from bidflow.types import utcnow
from connectors.feeds.webhook import (
    MAX_BODY_BYTES,
    PayloadError,
    SignatureError,
    signed_items,
)
from connectors.inbox.pushed import read_items
from connectors.inbox.storing import store_items
from web.config_file import AgencyConfigFile, one_line
from web.deps import SessionDep
from web.routes.hooks import BodyDep

router = APIRouter(prefix="/hooks", tags=["hooks"])


@router.post("/messages/{name}")
def receive_messages(
    name: str, request: Request, body: BodyDep, session: SessionDep
) -> JSONResponse:
    config_file: AgencyConfigFile = request.app.state.agency_config
    try:
        hook = _hook(config_file, name)
    except ConfigError as exc:
        return _refuse(503, one_line(exc))
    if hook is None:
        return _refuse(404, f"no enabled inbox hook named '{name}' in {config_file.path}")
    if body is None:
        return _refuse(
            413, f"body is larger than {MAX_BODY_BYTES // 2**20} MB; send fewer messages"
        )
    secret = os.environ.get(hook.secret_env)
    if not secret:
        return _refuse(503, f"set {hook.secret_env} to the inbox hook's secret")
    now = utcnow()
    try:
        items = signed_items(secret=secret, body=body, headers=request.headers, now=now)
    except SignatureError as exc:
        return _refuse(401, str(exc))
    except PayloadError as exc:
        return _refuse(400, str(exc))
    if (
        len(items) == 1
        and isinstance(items[0], dict)
        and isinstance(items[0].get("messages"), list)
    ):
        items = items[0]["messages"]
    pushed = read_items(items, now=now)
    stored = store_items(session=session, source=f"hook:{hook.name}", items=pushed.items)
    answer = {
        "accepted": len(pushed.items),
        "new": stored.new,
        "duplicates": stored.duplicates,
        "matched": stored.matched,
        "unmatched": stored.unmatched,
        "errors": pushed.errors,
    }
    return JSONResponse(answer, status_code=422 if pushed.errors else 200)


def _hook(config_file: AgencyConfigFile, name: str) -> InboxHookConfig | None:
    return next((h for h in config_file.load().inbox_hooks if h.name == name and h.enabled), None)


def _refuse(status: int, error: str) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)
