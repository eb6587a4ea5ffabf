"""Review-desk users: from the agency config or ``bidflow users add``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from bidflow.config import Role, UserConfig
from bidflow.errors import NotFoundError
from bidflow.models import Bidder, User


def normal_email(email: str) -> str:
    """Emails are compared case-insensitively; they are stored as typed, case-folded."""
    return email.strip().casefold()


def save_user(
    *,
    session: Session,
    email: str,
    name: str,
    role: Role,
    bidder: str | None = None,
    manages: Sequence[str] = (),
    password_hash: str | None = None,
) -> User:
    """Create the user or update their name, role, bidder and (an account manager's) managed
    bidders; a given password hash replaces the old one (None keeps it)."""
    user = find_user(session=session, email=email) or User(
        email=normal_email(email), name=name, role=role.value
    )
    user.name, user.role = name, role.value
    user.bidder_id = None if bidder is None else _bidder_id(session, bidder)
    user.manages = [_bidder_id(session, name) for name in manages]
    if password_hash is not None:
        user.password_hash = password_hash
    session.add(user)
    session.flush()
    return user


def sync_users(*, session: Session, users: Sequence[UserConfig]) -> list[User]:
    """Make the config's users exist with the config's names and roles (passwords untouched)."""
    return [
        save_user(
            session=session,
            email=user.email,
            name=user.name,
            role=user.role,
            bidder=user.bidder,
            manages=user.bidders,
        )
        for user in users
    ]


def find_user(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normal_email(email))).first()


def list_users(*, session: Session) -> Sequence[User]:
    return session.exec(select(User).order_by(User.role, User.email)).all()


def _bidder_id(session: Session, name: str) -> int:
    bidder = session.exec(select(Bidder).where(Bidder.name == name)).first()
    if bidder is None or bidder.id is None:
        raise NotFoundError(
            f"bidder '{name}' is not in the database; add it to the agency config's bidders"
            " and run `bidflow check`, then try again"
        )
    return bidder.id
