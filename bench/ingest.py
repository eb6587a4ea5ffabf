"""Ingest throughput: a 20,000-job snapshot polled through the real files feed into SQLite and
PostgreSQL, side by side with a plain ``executemany`` insert of the same rows.

For each database: new jobs/s (first poll: read, normalise, dedupe, store; the ingest workers
start inside the measured poll, cold, on SQLite), the same with no worker process, re-ingest jobs/s
(second poll of the same snapshot: all duplicates), store-only jobs/s (``store_jobs`` on the
normalised jobs) and the plain ``executemany`` floor. The last line is one JSON object.
Run: ``python bench/ingest.py [N]``. PostgreSQL: BIDFLOW_TEST_POSTGRES_URL or the local cluster.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from bench.snapshot import write_snapshot  # noqa: E402
from bidflow import db  # noqa: E402
from bidflow.config import AgencyConfig  # noqa: E402
from bidflow.models import Job  # noqa: E402
from bidflow.settings import Settings  # noqa: E402
from bidflow.store.jobs import store_jobs  # noqa: E402
from bidflow.types import utcnow  # noqa: E402
from connectors.feeds.base import FetchContext  # noqa: E402
from connectors.feeds.files import FilesSource  # noqa: E402
from connectors.feeds.polling import poll_feed  # noqa: E402
from tests.postgres import postgres_server_url, temporary_database  # noqa: E402


def _seconds(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _agency(snapshot: Path) -> AgencyConfig:
    return AgencyConfig.model_validate(
        {
            "bidders": [{"name": "A", "title": "Dev", "skills": ["Python"], "hourly_rate": 50}],
            "feeds": [{"name": "snapshot", "kind": "files", "path": str(snapshot)}],
        }
    )


def measure(url: str, snapshot: Path, home: Path, floor_url: str) -> dict[str, float]:
    """Figures for one database; ``floor_url`` is a second, empty database of the same kind."""
    db.upgrade(url)
    db.upgrade(floor_url)
    agency = _agency(snapshot)
    feed = agency.feeds[0]
    settings = Settings(home=home, database_url=url)
    first: dict[str, Any] = {}
    first_s = _seconds(lambda: first.update(vars(poll_feed(feed, agency, settings, url, utcnow()))))
    again: dict[str, Any] = {}
    again_s = _seconds(lambda: again.update(vars(poll_feed(feed, agency, settings, url, utcnow()))))
    source = FilesSource(name="floor", path=snapshot)
    jobs = source.fetch(FetchContext(now=utcnow(), home=home)).complete().jobs
    rows = [job.model_dump() | {"first_seen_at": utcnow()} for job in jobs]

    def floor() -> None:
        with db.get_engine(floor_url).begin() as connection:
            connection.execute(insert(Job.__table__), rows)  # type: ignore[attr-defined]

    floor_s = _seconds(floor)
    # The same first poll with normalising kept in the poller's process, into the floor's
    # database (emptied): what BIDFLOW_INGEST_WORKERS=0 or a one-CPU machine gets.
    with db.get_engine(floor_url).begin() as connection:
        connection.execute(Job.__table__.delete())  # type: ignore[attr-defined]
    alone = Settings(home=home, database_url=floor_url, ingest_workers=0)
    alone_s = _seconds(lambda: poll_feed(feed, agency, alone, floor_url, utcnow()))

    def store_only() -> None:
        relabelled = [job.model_copy(update={"source": "store-only"}) for job in jobs]
        with db.session_scope(floor_url) as session:
            session.execute(Job.__table__.delete())  # type: ignore[attr-defined]
            store_jobs(session=session, jobs=relabelled)

    store_s = _seconds(store_only)
    assert first["new"] == len(jobs) and again["new"] == 0, (first, again)
    return {
        "new_jobs_per_s": round(first["new"] / first_s),
        "new_jobs_per_s_one_process": round(first["new"] / alone_s),
        "reingest_jobs_per_s": round(again["fetched"] / again_s),
        "store_only_jobs_per_s": round(len(jobs) / store_s),
        "executemany_jobs_per_s": round(len(rows) / floor_s),
        "ratio_new_vs_executemany": round(floor_s / first_s, 2),
        "ratio_store_vs_executemany": round(floor_s / store_s, 2),
    }


def main(count: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bidflow-bench-ingest-"))
    try:
        snapshot = work / "snapshot.jsonl"
        origin = write_snapshot(snapshot, count)
        figures: dict[str, Any] = {"jobs": count, "snapshot_from": origin}
        sqlite = measure(f"sqlite:///{work / 'a.db'}", snapshot, work, f"sqlite:///{work / 'b.db'}")
        figures.update({f"sqlite_{k}": v for k, v in sqlite.items()})
        server, why_not = postgres_server_url()
        if server is None:
            figures["postgresql"] = f"skipped: {why_not}"
        else:
            with temporary_database(server) as url, temporary_database(server) as floor_url:
                pg = measure(url, snapshot, work, floor_url)
            figures.update({f"postgresql_{k}": v for k, v in pg.items()})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


if __name__ == "__main__":
    results = main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
    for name, value in results.items():
        print(f"{name:>40}: {value}")
    print(json.dumps(results))
