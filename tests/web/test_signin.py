"""Signing in: who may see which page, what the session cookie promises, and the ways in that
must stay shut (wrong password, forged or stale cookie, another site's form, another bidder)."""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI
from itsdangerous import TimestampSigner
from sqlmodel import select

from bidflow import db
from bidflow.config import Role
from bidflow.models import Bidder
from bidflow.passwords import hash_password
from bidflow.store.users import find_user
from tests.factories import make_job
from tests.web.desk import EMAILS, PASSWORD, DeskClient, add_users
from tests.web.seed import add_bidder, load_proposal, queue_drafts
from web.auth import SESSION_COOKIE, SESSION_HOURS, session_cookie


@pytest.fixture
def desk(app: FastAPI, sqlite_url: str) -> DeskClient:
    """A browser that is not signed in (it holds the CSRF cookie)."""
    with db.session_scope(sqlite_url) as session:
        add_bidder(session, name="Ana")
        add_bidder(session, name="Ben")
    add_users(sqlite_url, bidder="Ana")
    client = DeskClient(app)
    client.get("/login")
    return client


def test_a_visitor_is_sent_to_sign_in_and_back(desk: DeskClient) -> None:
    answer = desk.get("/queue?bidder=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fqueue%3Fbidder%3D1"

    htmx = desk.get("/queue", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")

    signed_in = desk.submit(
        "/login", email=EMAILS[Role.SALES_LEAD], password=PASSWORD, next="/queue?bidder=1"
    )
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/queue?bidder=1")
    assert desk.get("/queue").status_code == 200


@pytest.mark.parametrize("email", [EMAILS[Role.OWNER], "nobody@agency.test"])
def test_a_wrong_password_or_unknown_email_get_the_same_answer(
    desk: DeskClient, email: str
) -> None:
    answer = desk.submit("/login", email=email, password="not the password")

    assert answer.status_code == 401
    assert "That email and password do not match" in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_emails_are_matched_case_insensitively(desk: DeskClient) -> None:
    answer = desk.submit("/login", email=EMAILS[Role.OWNER].upper(), password=PASSWORD)
    assert answer.status_code == 303


def test_the_session_cookie_is_http_only_lax_and_secure_over_https(
    app: FastAPI, sqlite_url: str
) -> None:
    add_users(sqlite_url)
    for base_url, secure in (("http://testserver", False), ("https://testserver", True)):
        client = DeskClient(app, base_url=base_url)
        client.get("/login")
        answer = client.submit("/login", email=EMAILS[Role.OWNER], password=PASSWORD)
        cookie = next(
            c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
        )
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert ("Secure" in cookie) is secure


def test_a_forged_or_stale_cookie_is_not_a_session(
    desk: DeskClient, app: FastAPI, sqlite_url: str
) -> None:
    with db.session_scope(sqlite_url) as session:
        owner = find_user(session=session, email=EMAILS[Role.OWNER])
        assert owner is not None
        genuine = session_cookie(app.state.signer, owner)
        stale = session_cookie(_signer_in_the_past(app, SESSION_HOURS * 3600 + 60), owner)
        forged = session_cookie(TimestampSigner("another key", salt="bidflow-session"), owner)
    for cookie, admitted in ((genuine, True), (stale, False), (forged, False)):
        desk.cookies.set(SESSION_COOKIE, cookie)
        assert (desk.get("/queue", follow_redirects=False).status_code == 200) is admitted


def test_changing_a_password_signs_out_every_other_browser(
    desk: DeskClient, sqlite_url: str
) -> None:
    desk.sign_in(Role.OWNER)
    assert desk.get("/queue", follow_redirects=False).status_code == 200
    with db.session_scope(sqlite_url) as session:
        owner = find_user(session=session, email=EMAILS[Role.OWNER])
        assert owner is not None
        owner.password_hash = hash_password("a brand new password")
        session.add(owner)
    assert desk.get("/queue", follow_redirects=False).status_code == 303


def test_sign_in_without_the_csrf_token_is_refused(desk: DeskClient) -> None:
    answer = desk.post("/login", data={"email": EMAILS[Role.OWNER], "password": PASSWORD})
    assert answer.status_code == 403
    assert "security token" in answer.text


def test_sign_in_never_redirects_to_another_site(desk: DeskClient) -> None:
    for target in ("https://evil.test/", "//evil.test/x", "javascript:alert(1)"):
        answer = desk.submit("/login", email=EMAILS[Role.OWNER], password=PASSWORD, next=target)
        assert answer.headers["location"] == "/queue"


def test_sign_out_ends_the_session(desk: DeskClient) -> None:
    desk.sign_in(Role.OWNER)
    assert desk.submit("/logout").status_code == 303
    assert desk.get("/queue", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("role", "path", "allowed"),
    [
        (Role.ACCOUNT_MANAGER, "/queue", False),
        (Role.ACCOUNT_MANAGER, "/sources", False),
        (Role.BIDDER, "/sources", False),
        (Role.BIDDER, "/queue", True),
        (Role.SALES_LEAD, "/sources", True),
        (Role.OWNER, "/sources", True),
    ],
)
def test_each_page_checks_the_role(desk: DeskClient, role: Role, path: str, allowed: bool) -> None:
    desk.sign_in(role)
    answer = desk.get(path, follow_redirects=False)
    assert answer.status_code == (200 if allowed else 403)
    if not allowed:
        assert EMAILS[role] in answer.text  # says who you are signed in as


def test_a_bidder_sees_and_sends_only_their_own_proposals(
    desk: DeskClient, sqlite_url: str
) -> None:
    with db.session_scope(sqlite_url) as session:
        bidders = {b.name: b for b in session.exec(select(Bidder)).all()}
        own = queue_drafts(session, bidder=bidders["Ana"], jobs=[make_job(title="Ana's job")])[0]
        other = queue_drafts(session, bidder=bidders["Ben"], jobs=[make_job(title="Ben's job")])[0]
    desk.sign_in(Role.SALES_LEAD)
    for proposal_id in (own, other):
        assert desk.submit(f"/proposals/{proposal_id}/approve").status_code == 303
    desk.submit("/logout")

    desk.sign_in(Role.BIDDER)
    page = desk.get("/queue").text
    assert "Ana&#39;s job" in page and "Ben&#39;s job" not in page
    assert desk.submit(f"/proposals/{own}/approve").status_code == 403  # reviewers approve
    assert desk.submit(f"/proposals/{other}/mark-sent", bid="500").status_code == 403
    assert load_proposal(sqlite_url, other).status == "approved"
    assert desk.submit(f"/proposals/{own}/mark-sent", bid="500", connects="16").status_code == 303
    assert load_proposal(sqlite_url, own).status == "sent"


def _signer_in_the_past(app: FastAPI, seconds: int) -> TimestampSigner:
    signer: TimestampSigner = app.state.signer

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    return Earlier(signer.secret_keys[-1], salt="bidflow-session")


# Webhooks authenticate each request by its HMAC signature instead of a session.
PUBLIC = {
    "/login",
    "/logout",
    "/healthz",
    "/healthz/ready",
    "/static",
    "/hooks/jobs/{source}",
    "/hooks/messages/{name}",
}


def test_every_route_but_the_public_ones_needs_a_signed_in_user(app: FastAPI) -> None:
    """A new route that forgets its role check fails here: a visitor must be sent to sign in."""
    visitor = DeskClient(app)
    visitor.get("/login")
    checked = 0
    for route in _routes(app):
        path = getattr(route, "path", "")
        if path in PUBLIC:
            continue
        concrete = path.replace("{proposal_id}", "1").replace("{item_key}", "message-1")
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            if method == "HEAD":
                continue
            if method == "GET":
                answer = visitor.get(concrete, follow_redirects=False)
            else:
                answer = visitor.submit(concrete)
            assert answer.status_code == 303, f"{method} {path} answered {answer.status_code}"
            assert answer.headers["location"].startswith("/login"), f"{method} {path}"
            checked += 1
    assert checked >= 15  # the desk's pages and actions, not an empty loop


def _routes(app: FastAPI) -> list[object]:
    """Every route, including those of included routers (FastAPI wraps those)."""
    found: list[object] = []
    for route in app.routes:
        included = getattr(route, "original_router", None)
        found.extend(included.routes if included is not None else [route])
    return found


@pytest.mark.parametrize(
    ("role", "home"), [(Role.ACCOUNT_MANAGER, "/inbox"), (Role.SALES_LEAD, "/queue")]
)
def test_the_home_page_is_each_roles_own(desk: DeskClient, role: Role, home: str) -> None:
    desk.sign_in(role)
    assert desk.get("/", follow_redirects=False).headers["location"] == home
