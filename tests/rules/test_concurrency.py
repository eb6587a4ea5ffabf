"""Worker processes triage and draft one backlog at the same moment; every guardrail still holds.

Four processes on PostgreSQL, two on SQLite, started together at a barrier, each running the
plain triage and draft functions (the offline drafter: no LLM is configured in tests).
"""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bidflow import db
from bidflow.config import load_agency_config
from bidflow.settings import get_settings
from bidflow.store.bidders import sync_bidders
from bidflow.store.jobs import store_jobs
from bidflow.types import utcnow
from flows import triage as triage_module
from flows.context import FlowContext
from flows.draft import draft_backlog
from flows.triage import triage_backlog
from rules.triage import BidderSlot
from tests.factories import agency_dict, make_job, write_config

JOBS = 2_000
DAILY_CAPS = {"Ana": 40, "Bo": 50, "Cy": 60}
CONNECTS_PER_JOB = 16
CY_CONNECTS = CONNECTS_PER_JOB * 45  # binds before Cy's daily cap of 60
AGENCY_CAP = 130  # binds before the bidders' 40 + 50 + 45
SHARED_CLIENTS = 7


def _config(directory: Path) -> Path:
    data = agency_dict()
    data["agency"].update(
        daily_cap=AGENCY_CAP, connects_per_job=CONNECTS_PER_JOB, client_cooldown_days=30
    )
    template = data["bidders"][0]
    data["bidders"] = [
        {
            **template,
            "name": name,
            "caps": {"per_hour": cap, "per_day": cap, "per_week": cap * 2},
        }
        for name, cap in DAILY_CAPS.items()
    ]
    data["bidders"][2]["caps"]["connects_per_week"] = CY_CONNECTS
    return write_config(directory, data)


def _client(number: int) -> str | None:
    # A quarter without a client identity, a quarter among a few repeat clients, half unique.
    if number % 4 == 0:
        return None
    if number % 4 == 1:
        return f"shared-{number % SHARED_CLIENTS}"
    return f"client-{number}"


def _seed(url: str, config_path: Path, now: datetime) -> None:
    agency = load_agency_config(config_path)
    posted = now - timedelta(hours=1)
    jobs = [make_job(client_key=_client(n), posted_at=posted) for n in range(JOBS)]
    with db.session_scope(url) as session:
        sync_bidders(session=session, bidders=agency.bidders)
        store_jobs(session=session, jobs=jobs)


def _worker(url: str, config_path: str, now: datetime, start: Any) -> None:
    """One worker: wait for the others, then triage and draft the shared backlog."""
    agency = load_agency_config(Path(config_path))
    with db.session_scope(url) as session:
        ids = dict(session.execute(text("SELECT name, id FROM bidder")).tuples().all())
    slots = tuple(BidderSlot(id=ids[b.name], config=b) for b in agency.bidders)
    context = FlowContext(settings=get_settings(), agency=agency, url=url, bidders=slots)
    triage_module.BATCH = 250  # several batches, so workers really claim different ones
    start.wait(timeout=120)
    triage_backlog(context)
    draft_backlog(context, now=now)


def _run_workers(url: str, config_path: Path, now: datetime, count: int) -> None:
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(count)
    workers = [
        spawn.Process(target=_worker, args=(url, str(config_path), now, start))
        for _ in range(count)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=180)
    assert [worker.exitcode for worker in workers] == [0] * count


def _rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with db.session_scope(url) as session:
        return [tuple(row) for row in session.execute(text(query))]


def _assert_guardrails_held(url: str) -> None:
    per_bidder = dict(
        _rows(
            url,
            "SELECT b.name, count(*) FROM proposal p JOIN bidder b ON b.id = p.bidder_id"
            " GROUP BY b.name",
        )
    )
    assert per_bidder, "no proposal was queued at all"
    for name, count in per_bidder.items():
        assert count <= DAILY_CAPS[name], (name, count)
    assert per_bidder.get("Cy", 0) * CONNECTS_PER_JOB <= CY_CONNECTS
    assert sum(per_bidder.values()) <= AGENCY_CAP
    [(proposals, jobs)] = _rows(url, "SELECT count(*), count(DISTINCT job_id) FROM proposal")
    assert proposals == jobs
    repeat_clients = _rows(
        url,
        "SELECT j.client_key FROM proposal p JOIN job j ON j.id = p.job_id"
        " WHERE j.client_key IS NOT NULL GROUP BY j.client_key HAVING count(*) > 1",
    )
    assert repeat_clients == []
    [(routed,)] = _rows(url, "SELECT count(*) FROM decision WHERE routed")
    assert routed > sum(per_bidder.values())  # so caps and cooldowns really had work to hold
    unexplained = _rows(
        url,
        "SELECT d.job_id FROM decision d WHERE d.routed AND d.parked_reason IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM proposal p WHERE p.job_id = d.job_id)",
    )
    assert unexplained == []
    [(routed_twice,)] = _rows(
        url,
        "SELECT count(*) FROM (SELECT job_id FROM decision WHERE routed"
        " GROUP BY job_id HAVING count(*) > 1) t",
    )
    assert routed_twice == 0


@pytest.mark.postgres
def test_four_workers_on_postgresql_keep_every_guardrail(postgres_url: str, tmp_path: Path) -> None:
    now = utcnow()
    config_path = _config(tmp_path / "agency")
    _seed(postgres_url, config_path, now)
    _run_workers(postgres_url, config_path, now, count=4)
    _assert_guardrails_held(postgres_url)


def test_two_workers_on_sqlite_keep_every_guardrail(sqlite_url: str, tmp_path: Path) -> None:
    now = utcnow()
    config_path = _config(tmp_path / "agency")
    _seed(sqlite_url, config_path, now)
    _run_workers(sqlite_url, config_path, now, count=2)
    _assert_guardrails_held(sqlite_url)
