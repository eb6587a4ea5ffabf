"""Weekly report over a year of history: 1,000,000 proposals and 5,000,000 events (plus their
jobs, decisions and bidders) in SQLite and in PostgreSQL.

    python -m bench.report [--proposals N] [--fresh]      (--clean drops the caches)

The history comes from ``bench.report_history`` and is bulk-loaded once per size and schema:
the SQLite file is kept under the temp dir, the PostgreSQL database on the server
(``--fresh`` rebuilds both). Each measurement runs in a child process, so its peak memory
(``ru_maxrss`` of that process) is the report's alone: the seconds ``build_weekly_report``
takes for 2026-W48 on Berlin's calendar, and one plain ``GROUP BY action`` count over the same
week's events beside it. The last line printed is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select
from sqlmodel import col

from analytics.report import build_weekly_report
from analytics.sql_dialect import entity_is, stamp
from analytics.weekly import IsoWeek
from bench.report_history import END, History, generate
from bench.report_load import load_postgres, load_sqlite
from bidflow import db
from bidflow.models import Event
from tests.postgres import _libpq, postgres_server_url

WEEK, TIMEZONE, NOW = IsoWeek(2026, 48), "Europe/Berlin", END + timedelta(hours=7)
GENERATOR_VERSION = 2  # bump when bench.report_history changes what it generates
CACHE = Path(tempfile.gettempdir()) / "bidflow-bench-report"


def _cache_key(proposals: int) -> str:
    return f"{proposals}_g{GENERATOR_VERSION}_s{db.head_revision()}".lower()


class Source:
    """The generated history, made at most once per run and only if a cache is missing."""

    def __init__(self, proposals: int) -> None:
        self.proposals = proposals
        self._history: History | None = None

    def forget(self) -> None:
        self._history = None

    def history(self) -> History:
        if self._history is None:
            started = time.perf_counter()
            self._history = generate(self.proposals)
            print(
                f"generated {self.proposals:,} proposals in {time.perf_counter() - started:.0f} s"
            )
        return self._history


def sqlite_database(source: Source, fresh: bool) -> str:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"history_{_cache_key(source.proposals)}.db"
    for stale in CACHE.glob(f"history_{source.proposals}_*"):
        if stale != path:  # another generator or schema version: never read again
            stale.unlink()
    if fresh or not path.exists():
        loading = path.with_suffix(".loading")
        loading.unlink(missing_ok=True)
        url = f"sqlite:///{loading}"
        db.upgrade(url)
        db.get_engine(url).dispose()
        started = time.perf_counter()
        load_sqlite(loading, source.history())
        loading.replace(path)  # only a complete load is ever found by the next run
        print(f"sqlite: loaded in {time.perf_counter() - started:.0f} s ({path})")
    return f"sqlite:///{path}"


def postgres_database(source: Source, fresh: bool) -> str | None:
    server, why_not = postgres_server_url()
    if server is None:
        print(f"postgresql skipped: {why_not}")
        return None
    name = f"bidflow_bench_report_{_cache_key(source.proposals)}"
    name = re.sub(r"[^a-z0-9_]", "_", name)
    admin = _libpq(server)
    url = server.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            (f"bidflow_bench_report_{source.proposals}_%",),
        ).fetchall()
        for (stale,) in found:
            if stale != name:  # another generator or schema version: never read again
                connection.execute(f'DROP DATABASE "{stale}" WITH (FORCE)')
    if not fresh and _complete(_libpq(url), source.proposals):
        return url
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    db.upgrade(url)
    db.get_engine(url).dispose()
    started = time.perf_counter()
    load_postgres(_libpq(url), source.history())
    print(f"postgresql: loaded in {time.perf_counter() - started:.0f} s (database {name})")
    return url


def _complete(libpq_url: str, proposals: int) -> bool:
    """Whether a database from an earlier run holds the whole history (a load that was cut
    short leaves fewer events: the load commits once, at its end)."""
    try:
        with psycopg.connect(libpq_url, connect_timeout=5) as connection:
            row = connection.execute("SELECT count(*) FROM event").fetchone()
    except psycopg.Error:
        return False
    return row is not None and row[0] == 5 * proposals


def measure(url: str) -> dict[str, Any]:
    """In a child process: the report's seconds and peak memory, and the GROUP BY's seconds."""
    answer = subprocess.run(
        [sys.executable, "-m", "bench.report", "--measure", url],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(answer.stdout.strip().splitlines()[-1])
    return figures


def _child(url: str) -> None:
    start, end = WEEK.bounds(TIMEZONE)
    dialect = db.get_engine(url).dialect.name
    group_by = (
        select(col(Event.action), func.count())
        .where(
            entity_is(Event.entity, "proposal", dialect),
            Event.at >= stamp(start),
            Event.at < stamp(end),
        )
        .group_by(Event.action)
    )
    with db.session_scope(url) as session:
        session.execute(group_by).all()  # warm the week's pages for both measurements alike
        before_mib = _rss_mib()
        load_before = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        report = build_weekly_report(session=session, week=WEEK, timezone=TIMEZONE, now=NOW)
        report_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        counts = dict(session.execute(group_by).tuples().all())
        group_by_s = time.perf_counter() - started
    sent = report.table("funnel_by_bidder").frame.iloc[-1]["sent"]
    assert counts.get("sent") == sent, (counts.get("sent"), sent)  # the same week, counted twice
    print(
        json.dumps(
            {
                "s": round(report_s, 2),
                # This process's own CPU seconds (for SQLite all the work; for PostgreSQL the
                # client's share) and the machine's load, since the cores are shared.
                "cpu_s": round(cpu_s, 2),
                "load_1min": round(max(load_before, os.getloadavg()[0]), 1),
                "peak_mib": round(_rss_mib()),
                "before_report_mib": round(before_mib),
                "group_by_s": round(group_by_s, 3),
                "ratio_vs_group_by": round(report_s / group_by_s, 1),
                "week_sends": int(sent),
            }
        )
    )


def _rss_mib() -> float:
    """This process's peak resident memory. VmHWM belongs to the process image, so unlike
    ru_maxrss it does not inherit the peak of the parent that forked us (which holds the
    generated history)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def clean() -> None:
    """Remove the cached histories: SQLite files under the temp dir, databases on the server."""
    for path in CACHE.glob("history_*"):
        path.unlink()
    server, _ = postgres_server_url()
    if server is not None:
        with psycopg.connect(_libpq(server), autocommit=True) as connection:
            found = connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'bidflow_bench_report_%'"
            ).fetchall()
            for (name,) in found:
                connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def main(proposals: int, fresh: bool) -> dict[str, Any]:
    source = Source(proposals)
    figures: dict[str, Any] = {"proposals": proposals, "events": 5 * proposals}
    targets = [("sqlite", sqlite_database(source, fresh)), ("postgres", None)]
    targets[1] = ("postgres", postgres_database(source, fresh))
    source.forget()  # the measurements should have the machine's memory to themselves
    for name, url in targets:
        if url is None:
            continue
        found = measure(url)
        print(
            f"{name}: report {found['s']} s ({found['cpu_s']} s CPU in this process, load"
            f" {found['load_1min']}), peak {found['peak_mib']} MiB ({found['before_report_mib']}"
            f" MiB before it); GROUP BY {found['group_by_s']} s; ratio"
            f" {found['ratio_vs_group_by']}; {found['week_sends']:,} sends that week"
        )
        figures |= {
            f"{name}_s": found["s"],
            f"{name}_cpu_s": found["cpu_s"],
            f"{name}_load_1min": found["load_1min"],
            f"{name}_peak_mib": found["peak_mib"],
            f"{name}_group_by_s": found["group_by_s"],
            f"{name}_ratio_vs_group_by": found["ratio_vs_group_by"],
        }
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=1_000_000)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached databases")
    parser.add_argument("--clean", action="store_true", help="drop every cached database")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _child(args.measure)
    elif args.clean:
        clean()
    else:
        print(json.dumps(main(args.proposals, args.fresh)))
