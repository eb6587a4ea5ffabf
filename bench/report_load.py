"""Bulk-loading a ``bench.report_history`` history: rows built in chunks from the numpy
columns, written with the driver's ``executemany`` (SQLite) or ``COPY`` (PostgreSQL), with the
tables' secondary indexes dropped during the load and rebuilt after it (the same definitions,
read from the database itself), which is several times faster than maintaining them row by row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from bench.report_history import (
    ACTIONS,
    BIDDERS,
    BUCKETS,
    CATEGORIES,
    LIFECYCLE,
    SOURCES,
    VARIANTS,
    History,
)

CHUNK = 200_000
Row = tuple[Any, ...]
COLUMNS: dict[str, tuple[str, ...]] = {
    "bidder": ("id", "name", "title", "skills", "hourly_rate", "timezone", "ruleset", "active",
               "profile"),
    "job": ("id", "source", "external_id", "url", "title", "description", "category", "skills",
            "job_type", "budget", "posted_at", "proposals_bucket", "client_total_spent",
            "content_hash", "raw", "first_seen_at"),
    "decision": ("id", "job_id", "bidder_id", "ruleset", "passed", "score", "routed", "reasons",
                 "decided_at"),
    "proposal": ("id", "job_id", "bidder_id", "status", "draft_text", "template_variant", "model",
                 "offline", "tokens_in", "tokens_out", "tokens_cached", "cost_usd", "flags",
                 "screening_answers", "client_questions", "version", "connects", "bid_amount",
                 "created_at", "updated_at", "sent_at"),
    "event": ("id", "entity", "entity_id", "action", "actor", "at", "data"),
}  # fmt: skip


def stamps(micros: np.ndarray, suffix: str) -> list[str]:
    """Microseconds since 1970 as the text the database stores (SQLAlchemy's SQLite form)."""
    text = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
    return [f"{value[:10]} {value[11:]}{suffix}" for value in text.tolist()]


def table_rows(history: History, table: str, suffix: str) -> Iterator[list[Row]]:
    """The table's rows in chunks; ``suffix`` ends each timestamp ("+00" for PostgreSQL)."""
    build = _BUILDERS[table]
    total = _sizes(history)[table]
    for start in range(0, total, CHUNK):
        yield build(history, start, min(start + CHUNK, total), suffix)


def _sizes(history: History) -> dict[str, int]:
    return {
        "bidder": len(BIDDERS),
        "job": len(history.jobs["posted_at"]),
        "decision": len(history.decisions["job"]),
        "proposal": len(history.proposals["job"]),
        "event": len(history.events["at"]),
    }


def _bidders(history: History, start: int, stop: int, suffix: str) -> list[Row]:
    return [
        (i + 1, name, "Engineer", "[]", 60.0, "UTC", "default", name != "Idle Ivan", "{}")
        for i, name in enumerate(BIDDERS)
    ]


def _jobs(history: History, start: int, stop: int, suffix: str) -> list[Row]:
    j = {name: values[start:stop] for name, values in history.jobs.items()}
    posted, seen = stamps(j["posted_at"], suffix), stamps(j["first_seen_at"], suffix)
    spent = [None if np.isnan(v) else v for v in j["client_total_spent"].tolist()]
    return [
        (i + 1, SOURCES[source], f"bench-{i}", f"https://jobs.example.com/{i}", f"Job {i}",
         "A synthetic job.", CATEGORIES[category], "[]", "fixed", budget, p, BUCKETS[bucket],
         money, f"{i:064x}", "{}", s)
        for i, source, category, budget, p, bucket, money, s in zip(
            range(start, stop), j["source"].tolist(), j["category"].tolist(),
            j["budget"].tolist(), posted, j["bucket"].tolist(), spent, seen, strict=True)
    ]  # fmt: skip


def _decisions(history: History, start: int, stop: int, suffix: str) -> list[Row]:
    d = {name: values[start:stop] for name, values in history.decisions.items()}
    decided = stamps(d["decided_at"], suffix)
    return [
        (i + 1, job + 1, bidder + 1, "default", passed, 0.8 if passed else 0.3, routed, "[]", at)
        for i, job, bidder, passed, routed, at in zip(
            range(start, stop), d["job"].tolist(), d["bidder"].tolist(), d["passed"].tolist(),
            d["routed"].tolist(), decided, strict=True)
    ]  # fmt: skip


def _proposals(history: History, start: int, stop: int, suffix: str) -> list[Row]:
    p = {name: values[start:stop] for name, values in history.proposals.items()}
    created, sent = stamps(p["created_at"], suffix), stamps(p["sent_at"], suffix)
    return [
        (i + 1, job + 1, bidder + 1, LIFECYCLE[status], "Hello", VARIANTS[variant],
         "gpt-4o-mini", False, 1500, 300, 1024, cost, "[]", "[]", "[]", 1,
         connects if out else None, 500.0 if out else None, made, sent_at if out else made,
         sent_at if out else None)
        for i, job, bidder, status, variant, cost, connects, made, sent_at, out in zip(
            range(start, stop), p["job"].tolist(), p["bidder"].tolist(), p["status"].tolist(),
            p["variant"].tolist(), p["cost_usd"].tolist(), p["connects"].tolist(), created, sent,
            (p["sent_at"] > 0).tolist(), strict=True)
    ]  # fmt: skip


def _events(history: History, start: int, stop: int, suffix: str) -> list[Row]:
    e = {name: values[start:stop] for name, values in history.events.items()}
    data = _event_data(history)
    return [
        (i + 1, "proposal", proposal + 1, ACTIONS[action], "bench", at, data(proposal, action, i))
        for i, proposal, action, at in zip(
            range(start, stop), e["proposal"].tolist(), e["action"].tolist(),
            stamps(e["at"], suffix), strict=True)
    ]  # fmt: skip


def _event_data(history: History) -> Callable[[int, int, int], str]:
    j, p = history.jobs, history.proposals
    connects = p["connects"]
    queued, sent, hired = (ACTIONS.index(a) for a in ("queued", "sent", "hired"))
    regenerated = ACTIONS.index("regenerated")

    def data(proposal: int, action: int, event: int) -> str:
        if action == queued:
            return json.dumps({"job_id": int(p["job"][proposal]) + 1, "model": "gpt-4o-mini",
                               "bidder_id": int(p["bidder"][proposal]) + 1})  # fmt: skip
        if action == sent:
            found: dict[str, Any] = {"bid": 500.0, "connects": int(connects[proposal])}
            if event % 10 < 7:  # older sends recorded no snapshot: the job's values stand in
                job = int(p["job"][proposal])
                spent = float(j["client_total_spent"][job])
                found["proposals_bucket"] = BUCKETS[int(j["bucket"][job])]
                found["client_total_spent"] = None if np.isnan(spent) else spent
            return json.dumps(found)
        if action == hired and event % 10 < 7:
            return json.dumps({"contract_value_usd": float(500 + (event * 37) % 9_500)})
        if action == regenerated and event % 10 < 6:
            return json.dumps({"version": 2, "model": "gpt-4o-mini", "cost_usd": 0.004})
        return "{}"

    return data


_BUILDERS: dict[str, Callable[[History, int, int, str], list[Row]]] = {
    "bidder": _bidders,
    "job": _jobs,
    "decision": _decisions,
    "proposal": _proposals,
    "event": _events,
}


def load_sqlite(path: Path, history: History) -> None:
    """Fill the migrated, empty SQLite database at ``path``."""
    connection = sqlite3.connect(path)
    # No journal while loading a throwaway file (WAL would copy every page once more); the
    # database goes back to WAL, as bidflow runs it, at the end.
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-500000")  # 500 MB while the indexes are rebuilt
    tables = tuple(COLUMNS)
    indexes = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({', '.join('?' for _ in tables)})",
        tables,
    ).fetchall()
    with connection:
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        for table, columns in COLUMNS.items():
            marks = ", ".join("?" for _ in columns)
            insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            for chunk in table_rows(history, table, ""):
                connection.executemany(insert, chunk)
        for _, sql in indexes:
            connection.execute(sql)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()


def load_postgres(libpq_url: str, history: History) -> None:
    """Fill the migrated, empty PostgreSQL database at ``libpq_url``, then VACUUM ANALYZE it
    (as autovacuum would in time: statistics for the planner, and the visibility map that lets
    index-only scans skip the table)."""
    with psycopg.connect(libpq_url) as connection:
        indexes = connection.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            " WHERE t.relname = ANY(%s) AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
            (list(COLUMNS),),
        ).fetchall()
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        with connection.cursor() as cursor:
            for table, columns in COLUMNS.items():
                with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                    for chunk in table_rows(history, table, "+00"):
                        for row in chunk:
                            copy.write_row(row)
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'),"
                    f' (SELECT max(id) FROM "{table}"))'
                )
        for _, definition in indexes:
            connection.execute(definition)
        connection.commit()
    with psycopg.connect(libpq_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
