"""The one Jinja environment of the review desk, and what every template can see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def _request_context(request: Request) -> dict[str, Any]:
    # csrf_token: set by web.csrf.CSRFMiddleware on every request; forms and <body hx-headers>
    # echo it back. user: set by web.auth when the page needs a signed-in user (None on the
    # sign-in and error pages), so the header shows that user's pages.
    return {
        "csrf_token": request.state.csrf_token,
        "user": getattr(request.state, "user", None),
    }


# Job text comes from strangers: autoescape is on for every template, and StrictUndefined turns a
# misspelt variable into an error instead of an empty string on a reviewer's screen.
templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined),
    context_processors=[_request_context],
)
