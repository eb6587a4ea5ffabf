"""A TestClient for the review desk that posts forms the way its pages do."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from bidflow import db
from bidflow.config import Role
from bidflow.passwords import hash_password
from bidflow.store.users import save_user
from web.csrf import CSRF_COOKIE

PASSWORD = "correct horse battery staple"
# One desk user per role; the bidder user is the config's first bidder (tests.factories).
EMAILS = {role: f"{role.value}@agency.test" for role in Role}


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # Argon2 is slow on purpose: hash once per test session


def add_users(url: str, bidder: str | None = None) -> None:
    """A user per role in the database at ``url``, all with ``PASSWORD``; ``bidder`` (a
    bidder's name, already stored) is the bidder user's."""
    with db.session_scope(url) as session:
        for role, email in EMAILS.items():
            save_user(
                session=session,
                email=email,
                name=role.value.replace("_", " ").title(),
                role=role,
                bidder=bidder if role is Role.BIDDER else None,
                password_hash=_password_hash(),
            )


if TYPE_CHECKING:
    # Starlette's TestClient answers with httpx2's Response when httpx2 is installed (it is here).
    from httpx2 import Response


class DeskClient(TestClient):
    """A TestClient that echoes its CSRF cookie in forms (load any page first to get one)."""

    def csrf_token(self) -> str:
        return str(self.cookies[CSRF_COOKIE])

    def sign_in(self, role: Role = Role.OWNER) -> None:
        """Sign in as the test user of ``role`` (see ``add_users``)."""
        self.get("/login")
        answer = self.submit("/login", email=EMAILS[role], password=PASSWORD)
        assert answer.status_code == 303, answer.text

    def switch_to(self, role: Role) -> None:
        """Sign out, then in again as the test user of ``role``."""
        self.submit("/logout")
        self.sign_in(role)

    def submit(self, path: str, *, htmx: bool = False, **fields: Any) -> Response:
        """POST a form the way the page does: with the CSRF token, and without following the
        redirect so tests can see it."""
        headers = {"HX-Request": "true"} if htmx else {}
        data = {"csrf_token": self.csrf_token(), **fields}
        return self.post(path, data=data, headers=headers, follow_redirects=False)
