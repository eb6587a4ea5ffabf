"""Expected failures as pages: one handler turns bidflow errors, bad form fields and HTTP errors
into ``error.html`` (or, for htmx, a one-line message swapped into the page's message area)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException

from bidflow.errors import BidflowError, DatabaseError, NotFoundError, TransitionError
from web.deps import is_htmx
from web.templating import templates

HANDLED: tuple[type[Exception], ...] = (BidflowError, RequestValidationError, HTTPException)

_STATUS: dict[type[BidflowError], int] = {
    NotFoundError: 404,
    TransitionError: 409,
    DatabaseError: 503,
}


def render_error(request: Request, status_code: int, message: str) -> Response:
    """The error page, or for htmx a message partial retargeted to ``#messages``."""
    context = {"status_code": status_code, "message": message}
    if is_htmx(request):
        response = templates.TemplateResponse(
            request, "partials/message.html", context, status_code=status_code
        )
        # Without these htmx would put the message where the card was, and the card would be lost.
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return templates.TemplateResponse(request, "error.html", context, status_code=status_code)


def handle_error(request: Request, exc: Exception) -> Response:
    """The exception handler for everything in ``HANDLED``."""
    if isinstance(exc, BidflowError):
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
        return render_error(request, status, str(exc))
    if isinstance(exc, RequestValidationError):
        return render_error(request, 422, describe_invalid_fields(exc.errors()))
    if isinstance(exc, HTTPException):
        if exc.status_code == 404:
            return render_error(request, 404, f"there is no page at {request.url.path}")
        return render_error(request, exc.status_code, str(exc.detail))
    raise exc  # only registered for HANDLED; anything else is a bug and should look like one


def describe_invalid_fields(errors: Sequence[Any]) -> str:
    """One plain sentence per invalid field, e.g. "connects must be a whole number"."""
    return "; ".join(_describe(error) for error in errors) or "the form is invalid"


def _describe(error: dict[str, Any]) -> str:
    location = error.get("loc") or ("form",)
    field = str(location[-1])
    kind = error.get("type", "")
    limits = error.get("ctx") or {}
    if kind in ("missing", "string_too_short", "string_pattern_mismatch"):
        return f"{field} is required"
    if kind in ("int_parsing", "int_from_float"):
        return f"{field} must be a whole number"
    if kind in ("float_parsing", "finite_number"):
        return f"{field} must be a number"
    if kind == "greater_than_equal":
        return f"{field} must be at least {limits.get('ge')}"
    if kind == "string_too_long":
        return f"{field} must be at most {limits.get('max_length')} characters"
    return f"{field}: {error.get('msg', 'invalid value')}"


def to_sign_in(request: Request, _exc: Exception) -> Response:
    """A visitor who is not signed in goes to the sign-in page, then back here."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = f"/login?{urlencode({'next': back if request.method == 'GET' else '/queue'})}"
    if is_htmx(request):  # htmx would swap the sign-in page into a card; load it whole instead
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def refuse(request: Request, exc: Exception) -> Response:
    """Signed in, but not allowed: 403 with who they are and who may."""
    return render_error(request, 403, str(exc))
