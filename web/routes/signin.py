"""Signing in and out of the review desk."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from bidflow.store.users import list_users
from web.auth import SESSION_COOKIE, SESSION_HOURS, authenticate, session_cookie
from web.deps import SessionDep
from web.templating import templates

router = APIRouter(tags=["sign-in"])


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another site."""
    if not target:
        return "/queue"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/queue"
    return target


@router.get("/login")
def login_page(request: Request, session: SessionDep, next: str | None = None) -> Response:
    context = {"next": safe_next(next), "problem": None, "email": ""}
    if not list_users(session=session):
        context["problem"] = (
            "No one can sign in yet: add a desk user with"
            " `bidflow users add EMAIL --name NAME --role owner`, or set a password for a user"
            " of the agency config with `bidflow users passwd EMAIL`."
        )
    return templates.TemplateResponse(request, "login.html", context)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=255)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    user = authenticate(session, email, password)
    if user is None:
        context = {
            "next": safe_next(next),
            "email": email,
            "problem": "That email and password do not match a desk user. Check both, or ask"
            " an owner to run `bidflow users passwd EMAIL` for you.",
        }
        return templates.TemplateResponse(request, "login.html", context, status_code=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_cookie(request.app.state.signer, user),
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
