"""INSERT ... ON CONFLICT DO NOTHING for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel

from bidflow.errors import DatabaseError


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
    raise DatabaseError(
        f"bidflow stores its data in SQLite or PostgreSQL, not {dialect}; change"
        " BIDFLOW_DATABASE_URL"
    )


def bulk_insert_ignoring_duplicates(
    session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert many rows straight through the driver's executemany, skipping duplicates.

    Values pass through each column type's own SQLAlchemy bind processor, so they are stored
    exactly as ``session.execute(insert(...), rows)`` would store them; what is skipped is
    SQLAlchemy's per-row statement bookkeeping, which costs more than the insert itself when
    tens of thousands of jobs arrive at once.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    table = model.__table__  # type: ignore[attr-defined]
    columns = [column for column in table.columns if column.name in rows[0]]
    processors = [column.type._cached_bind_processor(dialect) for column in columns]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(dialect.identifier_preparer.quote(column.name) for column in columns)
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names})"
        f" VALUES ({', '.join([marker] * len(columns))}) ON CONFLICT DO NOTHING"
    )
    # Most columns need no conversion: read every value in one C call, convert the few that do.
    names_in_order = [column.name for column in columns]
    getter = itemgetter(*names_in_order)
    values_of = getter if len(names_in_order) > 1 else (lambda row: (getter(row),))
    converting = [(i, process) for i, process in enumerate(processors) if process is not None]
    parameters = []
    for row in rows:
        values = list(values_of(row))
        for index, process in converting:
            values[index] = process(values[index])
        parameters.append(tuple(values))
    connection.exec_driver_sql(sql, parameters)
