"""Small SQL pieces that SQLite and PostgreSQL spell differently, for the report's queries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, any_, bindparam, cast, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from bidflow.types import UTCDateTime


def stamp(value: datetime) -> ColumnElement[datetime]:
    """A bound timestamp stored the way the columns store it (UTC text on SQLite)."""
    return literal(value, UTCDateTime())


def entity_is(column: Any, entity: str, dialect: str) -> ColumnElement[bool]:
    """``column == entity``, written so SQLite reads a time window through ix_event_at.

    Without ANALYZE statistics SQLite prefers an index whose leading column is compared with
    "=" (ix_event_entity) and so reads every event of the entity ever; a term on
    ``entity || ''`` cannot use an index, which leaves the time window to pick one.
    PostgreSQL plans by its statistics.
    """
    return (column.concat("") if dialect == "sqlite" else column) == entity  # type: ignore[no-any-return]


def among(column: Any, ids: Sequence[int], dialect: str) -> ColumnElement[bool]:
    """``column IN ids`` as one bound value, however many ids: an array on PostgreSQL (whose
    planner then knows how many rows to expect), a JSON array read by json_each on SQLite."""
    if dialect == "postgresql":
        ids_array = bindparam("ids", list(ids), type_=ARRAY(Integer), unique=True)
        return column == any_(ids_array)  # type: ignore[no-any-return]
    ids_json: BindParameter[str] = bindparam("ids", json.dumps(list(ids)), unique=True)
    values = func.json_each(ids_json).table_valued("value")
    return column.in_(select(values.c.value))  # type: ignore[no-any-return]


def epoch_seconds(moment: Any, dialect: str) -> ColumnElement[float]:
    """Seconds since 1970 of a timestamp expression, to the microsecond.

    SQLite stores the text "YYYY-MM-DD HH:MM:SS.ffffff": the whole seconds of its first 19
    characters plus the fraction after them. (SQLite's date functions keep milliseconds only
    and round: 23:59:59.9999 would become the next day, and an event at the end of a week
    would move into the next.)
    """
    if dialect == "sqlite":
        whole = cast(func.strftime("%s", func.substr(moment, 1, 19)), Integer)
        return cast(whole, Float) + cast(func.substr(moment, 20), Float)
    return cast(func.extract("epoch", moment), Float)
