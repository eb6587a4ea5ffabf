"""INSERT ... ON CONFLICT DO NOTHING for SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def insert_ignoring_duplicates(session: Session, model: type[SQLModel]) -> Any:
    """An INSERT for ``model`` that skips rows violating any unique key.

    Without a conflict target both databases skip on every unique constraint, which is what
    makes concurrent workers safe without locks in Python.
    """
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"bidflow supports SQLite and PostgreSQL, not {dialect}")
