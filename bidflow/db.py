"""The database: engines, sessions and schema migrations (Alembic)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from bidflow.errors import DatabaseError

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web app read while a flow writes; busy_timeout waits out short write locks
    # instead of failing; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One pooled engine per database URL, shared by the whole process."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


@contextmanager
def session_scope(url: str, *, write: bool = False) -> Iterator[Session]:
    """A session that commits when the block ends cleanly and rolls back otherwise.

    ``write=True`` is for check-then-write transactions (caps, claims): on SQLite it takes the
    database's write lock before the first read, so no other process can write in between.
    PostgreSQL needs no such lock; callers lock the rows they count instead.
    """
    with Session(get_engine(url), expire_on_commit=False) as session:
        try:
            if write and session.get_bind().dialect.name == "sqlite":
                # pysqlite opens a transaction only before the first INSERT/UPDATE, after any
                # reads; an explicit BEGIN IMMEDIATE replaces that (it then sees a transaction
                # open and issues no BEGIN of its own) and waits out busy_timeout for the lock.
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    # '%' is alembic's interpolation character; passwords may contain it.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["engine"] = get_engine(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (creating it if it is a new SQLite file)."""
    try:
        if revision == "head" and current_revision(url) == head_revision():
            return  # one query, where alembic would load every migration script to say so
        command.upgrade(_alembic_config(url), revision)
    except OperationalError as exc:
        safe = make_url(url).render_as_string(hide_password=True)
        raise DatabaseError(
            f"cannot reach the database at {safe} ({exc.orig}); check BIDFLOW_DATABASE_URL"
            " and that the server is running"
        ) from None


def current_revision(url: str) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest schema revision this version of bidflow knows (read once per process)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    if head is None:
        raise DatabaseError(f"no migrations found in {MIGRATIONS}")
    return head
