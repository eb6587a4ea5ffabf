"""Who is signed in, and what their role lets them do.

Passwords are hashed with Argon2id (``bidflow.passwords``). A signed-in browser holds one cookie,
``bidflow_session``: the user's id and a fingerprint of their password hash, signed with the
desk's secret key and dated, so it cannot be forged, it lapses after ``SESSION_HOURS``, and a
password change signs every other browser out. The cookie is HttpOnly, SameSite=Lax, and
Secure whenever the desk is served over HTTPS.

Routes declare who may use them: ``user: Annotated[SignedIn, Depends(require(Role.OWNER))]``
(owners may always do everything). A visitor who is not signed in is sent to the sign-in page;
a signed-in user without the role gets 403.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from itsdangerous import BadSignature, TimestampSigner
from sqlmodel import Session, select

from bidflow.config import Role
from bidflow.models import Proposal, User
from bidflow.passwords import hash_password, password_matches
from web.deps import SessionDep

SESSION_COOKIE = "bidflow_session"
SESSION_HOURS = 12


class SignInRequired(Exception):
    """The visitor must sign in first; the handler redirects to the sign-in page."""


class Forbidden(Exception):
    """Signed in, but the role does not allow this page or action."""

    def __init__(self, user: SignedIn, roles: tuple[Role, ...]) -> None:
        wanted = " or ".join(role.value.replace("_", " ") for role in roles)
        super().__init__(
            f"This page is for {wanted} users; you are signed in as {user.email}"
            f" ({user.role.value.replace('_', ' ')}). Ask an owner if you need access."
        )


@dataclass(frozen=True)
class SignedIn:
    """The user behind a request."""

    id: int
    email: str
    name: str
    role: Role
    bidder_id: int | None

    def can(self, *roles: Role) -> bool:
        return self.role is Role.OWNER or self.role in roles


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user with this email and password, or None (the same answer for either mistake)."""
    user = session.exec(select(User).where(User.email == email.strip().casefold())).first()
    if user is None:
        hash_password(password)  # the same time as a real check, so emails cannot be probed
        return None
    return user if password_matches(user.password_hash, password) else None


def secret_key(home: Path) -> str:
    """The desk's signing key: ``BIDFLOW_HOME/secret_key``, created (owner-only) on first use."""
    path = home / "secret_key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def session_cookie(signer: TimestampSigner, user: User) -> str:
    signed: bytes = signer.sign(f"{user.id}:{_fingerprint(user)}")
    return signed.decode()


def user_from_cookie(signer: TimestampSigner, session: Session, cookie: str) -> User | None:
    try:
        value = signer.unsign(cookie, max_age=SESSION_HOURS * 3600).decode()
        user_id, fingerprint = value.split(":", 1)
        user = session.get(User, int(user_id))
    except (BadSignature, ValueError):
        return None
    if user is None or not secrets.compare_digest(fingerprint, _fingerprint(user)):
        return None
    return user


def signed_in(request: Request, session: SessionDep) -> SignedIn:
    """The signed-in user; raises ``SignInRequired`` for a visitor."""
    cookie = request.cookies.get(SESSION_COOKIE)
    user = None if cookie is None else user_from_cookie(request.app.state.signer, session, cookie)
    if user is None or user.id is None:
        raise SignInRequired()
    found = SignedIn(user.id, user.email, user.name, Role(user.role), user.bidder_id)
    request.state.user = found  # for the templates: navigation by role, the name in the header
    return found


def require(*roles: Role) -> Callable[[SignedIn], SignedIn]:
    """A dependency admitting owners and the given roles (no roles: any signed-in user)."""

    def check(user: Annotated[SignedIn, Depends(signed_in)]) -> SignedIn:
        if roles and not user.can(*roles):
            raise Forbidden(user, roles)
        return user

    return check


UserDep = Annotated[SignedIn, Depends(require())]
# Route-level checks, for routes that need no user object: ``dependencies=[REVIEWERS]``.
REVIEWERS = Depends(require(Role.SALES_LEAD))
OWNERS = Depends(require(Role.OWNER))
# Who may see and send a proposal: reviewers, and the bidder it was written for.
SenderDep = Annotated[SignedIn, Depends(require(Role.SALES_LEAD, Role.BIDDER))]
# Who may open a proposal's page and record what happened after the send: also account
# managers, whose clients' replies these are.
OutcomeDep = Annotated[
    SignedIn, Depends(require(Role.SALES_LEAD, Role.ACCOUNT_MANAGER, Role.BIDDER))
]
OwnerDep = Annotated[SignedIn, Depends(require(Role.OWNER))]
ReviewerDep = Annotated[SignedIn, Depends(require(Role.SALES_LEAD))]
InboxDep = Annotated[SignedIn, Depends(require(Role.ACCOUNT_MANAGER, Role.SALES_LEAD))]


def actor(user: UserDep) -> str:
    """Who is acting, as recorded on events: the signed-in user's email."""
    return user.email


ActorDep = Annotated[str, Depends(actor)]


def check_own(user: SignedIn, proposal: Proposal) -> None:
    """A bidder may act only on their own proposals; reviewers on any."""
    if user.role is Role.BIDDER and proposal.bidder_id != user.bidder_id:
        raise Forbidden(user, (Role.SALES_LEAD,))
