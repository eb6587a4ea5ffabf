"""Double-submit CSRF protection for every request that can change something.

Each browser gets a random token in the ``bidflow_csrf`` cookie. Pages echo it in a hidden
``csrf_token`` field of every form and in ``<body hx-headers>`` (``X-CSRF-Token``); a POST must send
it back in one of the two. Another site can make a browser send the cookie, but cannot read it, so
it cannot put the same value in the form or header.
"""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import MutableHeaders, UploadFile
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.errors import render_error

CSRF_COOKIE = "bidflow_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

# Webhooks are called by programs that hold no cookie and could not read a token; each request
# is authenticated by its HMAC signature over the body instead (web.routes.hooks). A forged
# cross-site request cannot sign, and no cookie grants anything there, so the check is skipped
# (the token is still issued: error pages under /hooks/ render the base template).
_EXEMPT_PREFIX = "/hooks/"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,128}")
_REFUSED = (
    "This form was refused because its security token is missing or out of date "
    "(CSRF protection). Reload the page and try again."
)


class CSRFMiddleware:
    """Issues the token cookie when a browser has none and refuses unsafe requests without it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        cookie = request.cookies.get(CSRF_COOKIE)
        has_cookie = cookie is not None and _TOKEN_SHAPE.fullmatch(cookie) is not None
        token = cookie if cookie is not None and has_cookie else secrets.token_urlsafe(32)
        request.state.csrf_token = token  # read by the templates' context processor
        if not has_cookie:
            send = _setting_cookie(send, token)

        if request.method not in _SAFE_METHODS and not request.url.path.startswith(_EXEMPT_PREFIX):
            submitted, receive = await _submitted_token(request)
            if not (has_cookie and submitted and _same(token, submitted)):
                await render_error(request, 403, _REFUSED)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _same(expected: str, submitted: str) -> bool:
    # compare_digest refuses non-ASCII str, and the submitted value is whatever a client sent.
    return secrets.compare_digest(expected.encode(), submitted.encode())


def _setting_cookie(send: Send, token: str) -> Send:
    """``send``, adding the Set-Cookie header for a new token to the response."""
    cookie = f"{CSRF_COOKIE}={token}; Path=/; SameSite=Strict"

    async def send_with_cookie(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message).append("set-cookie", cookie)
        await send(message)

    return send_with_cookie


async def _submitted_token(request: Request) -> tuple[str | None, Receive]:
    """The token the client sent back, and a ``receive`` that replays the body it had to read."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header, request.receive
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(_FORM_TYPES):
        return None, request.receive
    body = await request.body()
    async with request.form() as form:  # parses the cached body; closes any uploaded files
        value = form.get(CSRF_FIELD)
    replayed = False

    async def replay() -> Message:
        # The route reads the body again; after it, pass on the server's own messages (disconnect).
        nonlocal replayed
        if replayed:
            return await request.receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return (None if isinstance(value, UploadFile) else value), replay
