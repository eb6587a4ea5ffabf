"""Large polls normalised in worker processes: the same jobs and problem lines as in one
process, and a worker that dies costs speed, not jobs."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bidflow import db
from bidflow.config import AgencyConfig
from bidflow.models import Job, JobBase
from bidflow.settings import Settings
from bidflow.types import utcnow
from connectors.feeds import workers
from connectors.feeds.base import FeedBatch
from connectors.feeds.items import DEFAULT_MAPPING
from connectors.feeds.polling import poll_feed
from tests.factories import agency_dict, make_job

COUNT = workers.PARALLEL_FROM + 700  # enough for the workers, not a multiple of a chunk
BROKEN = {17, 1_203, COUNT - 1}  # items without a title, in three different chunks


def _items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for number in range(COUNT):
        item: dict[str, Any] = {
            "id": f"job-{number}",
            "title": f"  Build   dashboard {number} ",
            "description": f"Line one  of {number}\r\n\r\n\r\nline   two",
            "budget": f"${number + 100}",
            "skills": "Python, SQL",
            "posted": f"{number % 50} minutes ago",
            "client": {"country": "Canada", "hires": str(number % 7)},
        }
        if number in BROKEN:
            del item["title"]
        if number == 40:
            item["client"]["hires"] = "lots"  # an optional field that is dropped with a note
        items.append(item)
    return items


def _poll(tmp_path: Path, url: str, workers_count: int) -> tuple[Any, list[tuple[Any, ...]]]:
    db.upgrade(url)
    path = tmp_path / "history.jsonl"
    if not path.exists():
        path.write_text("\n".join(json.dumps(item) for item in _items()), encoding="utf-8")
    feeds = [{"name": "history", "kind": "files", "path": str(path)}]
    agency = AgencyConfig.model_validate(agency_dict(feeds=feeds))
    settings = Settings(home=tmp_path, database_url=url, ingest_workers=workers_count)
    summary = poll_feed(agency.feeds[0], agency, settings, url, utcnow())
    with db.session_scope(url) as session:
        jobs = session.exec(select(Job).order_by(Job.external_id)).all()
        stored = [
            (job.external_id, job.title, job.description, job.budget, job.skills, job.raw)
            for job in jobs
        ]
    return summary, stored


def test_workers_store_what_one_process_stores(tmp_path: Path) -> None:
    one, alone = _poll(tmp_path, f"sqlite:///{tmp_path / 'one.db'}", 0)
    many, shared = _poll(tmp_path, f"sqlite:///{tmp_path / 'many.db'}", 1)
    assert len(shared) == COUNT - len(BROKEN) == many.new
    assert shared == alone
    assert many.problems == one.problems  # in item order, whoever normalised which chunk
    assert [line.split(": ")[1] for line in many.problems] == [
        "line 18",
        "line 41",
        "line 1204",
        f"line {COUNT}",
    ]
    assert many.fetched == COUNT - len(BROKEN)


def test_a_second_poll_of_the_same_history_adds_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    _poll(tmp_path, url, 1)
    again, stored = _poll(tmp_path, url, 1)
    assert (again.new, again.duplicates, len(stored)) == (0, again.fetched, COUNT - len(BROKEN))


def _labelled() -> list[tuple[str, Any]]:
    return [(f"item {n}", item) for n, item in enumerate(_items(), start=1)]


def _normalise(count: int) -> FeedBatch:
    batch = FeedBatch(source="history")
    batch.pending = workers.normalised_in_workers(
        _labelled(),
        DEFAULT_MAPPING,
        source="history",
        fetched_at=utcnow(),
        html_descriptions=False,
        workers=count,
    )
    return batch.complete()


def test_a_killed_worker_costs_no_job(caplog: pytest.LogCaptureFixture) -> None:
    workers.warm_up(1)
    pool = workers._shared_pool(1)
    pool.submit(int).result()  # the worker is up
    for process in list(pool._processes.values()):
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
    with caplog.at_level(logging.WARNING, logger=workers.__name__):
        batch = _normalise(1)
    assert len(batch.jobs) == COUNT - len(BROKEN)
    assert len({job.external_id for job in batch.jobs}) == len(batch.jobs)
    assert "normalising in the poller's process instead" in caplog.text
    # The next large poll gets a new pool.
    assert len(_normalise(1).jobs) == COUNT - len(BROKEN)


def test_a_stuck_worker_costs_no_job(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = workers._shared_pool(1)
    pool.submit(int).result()  # the worker is up
    (worker,) = [p.pid for p in pool._processes.values() if p.pid is not None]
    monkeypatch.setattr(workers, "STALL_S", 1.0)
    os.kill(worker, signal.SIGSTOP)  # alive but not working: no error will ever arrive
    try:
        with caplog.at_level(logging.WARNING, logger=workers.__name__):
            batch = _normalise(1)
    finally:
        os.kill(worker, signal.SIGKILL)
    assert len(batch.jobs) == COUNT - len(BROKEN)
    assert len({job.external_id for job in batch.jobs}) == len(batch.jobs)
    assert "no ingest worker finished a chunk in 1 s" in caplog.text


def test_jobs_from_workers_are_whole_models(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=workers.__name__):
        batch = _normalise(1)
    assert not caplog.text  # the workers did their share
    job = next(job for job in batch.jobs if job.external_id == "job-5")
    assert isinstance(job, JobBase)
    assert job.title == "Build dashboard 5"
    assert job.description == "Line one of 5\n\nline two"
    assert job.model_dump()["budget"] == 105
    assert job == job.model_copy()


def test_chunks_yield_ready_jobs_then_pending_ones() -> None:
    batch = FeedBatch(source="s", jobs=[make_job(external_id=f"a{n}") for n in range(3)])
    later = [make_job(external_id=f"b{n}") for n in range(4)]
    batch.pending = iter([(later[:1], ["first"]), (later[1:], []), ([], ["last"])])
    sizes = [len(chunk) for chunk in batch.chunks(2)]
    assert sizes == [2, 2, 2, 1]
    assert [job.external_id for job in batch.jobs] == [
        *(f"a{n}" for n in range(3)),
        *(f"b{n}" for n in range(4)),
    ]
    assert batch.problems == ["first", "last"]
    assert batch.pending is None


_POLLER = """
import sys
from connectors.feeds import workers
pool = workers._shared_pool(1)
pool.submit(int).result()
print(*[p.pid for p in pool._processes.values()], flush=True)
sys.stdin.read()  # until killed
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child of ours that exited but was not reaped yet is gone for every purpose here.
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split(") ")[-1][:1] != "Z"


def test_workers_end_when_their_poller_is_killed() -> None:
    poller = subprocess.Popen(
        [sys.executable, "-c", _POLLER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert poller.stdout is not None
    pids = [int(pid) for pid in poller.stdout.readline().split()]
    assert pids and all(_alive(pid) for pid in pids)
    poller.kill()
    poller.wait()
    deadline = time.monotonic() + 30  # the watch looks once a second
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in pids)
