"""Speed to lead: a job published at a local fake Upwork API until its draft is in the review
queue, with the default intervals and an LLM that takes 2 s a letter.

Everything is real and local: the fake Upwork GraphQL API, a fake OpenAI server answering
after ``LLM_S`` seconds, a SQLite database and Prefect's local server. The deployments' flows
run as their schedules in prefect.yaml start them — ``ingest`` every 60 s (each feed polled on
its own ``poll_every``, default 2 minutes; new jobs triaged and drafted in the same run) and
``triage-draft`` every 60 s — while the tracked jobs are published at seeded random moments
among a stream of other postings (most fail triage, as most of a real feed does; 200 a minute
by default, far more than one feed sees, so each poll reads nine pages of 50). For each
tracked job: total = draft queued − published; poll wait = published → the next search
request that could return it; LLM time = the run's first LLM request → this job's answer
(letters share the concurrency limit's slots); overhead = total − poll wait − LLM time: what
bidflow itself adds (the poll's requests, storing, triage, planning, queueing, Prefect), split
into before the run's first LLM request and after this job's answer. Also counts Prefect task
runs per job stored. The last line is one JSON object.
Run: ``python bench/speed_to_lead.py [JOBS] [BACKGROUND_PER_MINUTE]``.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prefect.settings import PREFECT_API_URL  # noqa: E402
from prefect.testing.utilities import prefect_test_harness  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bidflow import db  # noqa: E402
from bidflow.settings import get_settings  # noqa: E402
from bidflow.types import utcnow  # noqa: E402
from connectors.feeds.upwork_api import UpworkApiSource  # noqa: E402
from flows.ingest import ingest_flow  # noqa: E402
from flows.triage_draft import triage_draft_flow  # noqa: E402
from tests.connectors.fake_openai import Say, running_fake_openai  # noqa: E402
from tests.connectors.servers import serve  # noqa: E402
from tests.connectors.upwork.fake_server import FakeUpwork  # noqa: E402
from tests.connectors.upwork.nodes import BASE_TIME, iso, make_node, money  # noqa: E402
from tests.connectors.upwork.support import connect_feed, feed_config  # noqa: E402
from tests.factories import agency_dict  # noqa: E402

LLM_S = 2.0
SCHEDULE_S = 60.0  # both deployments' interval in prefect.yaml
POLL_EVERY_S = 120.0  # a feed's default poll_every
OVERHEAD_TARGET_S = 2.0
TASK_RUNS_PER_JOB_TARGET = 0.05
LETTER = (
    "Hi, I have built booking APIs in Django for two clinic chains, with PostgreSQL and a"
    " REST layer your front end can use from day one. I would start with the data model and"
    " the booking endpoints, then payments, with tests throughout. Could you share how many"
    " clinics and practitioners the first release must serve?"
)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _queued_at(url: str) -> set[str]:
    """External ids of jobs whose draft is in the review queue."""
    query = text(
        "SELECT job.external_id FROM proposal JOIN job ON job.id = proposal.job_id"
        " WHERE proposal.status = 'queued'"
    )
    with db.get_engine(url).connect() as connection:
        return set(connection.execute(query).scalars())


def _count(url: str, table: str) -> int:
    with db.get_engine(url).connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _task_runs() -> int:
    answer = httpx.post(f"{PREFECT_API_URL.value()}/task_runs/count", json={}, timeout=30)
    answer.raise_for_status()
    return int(answer.json())


def _every(period: float, run: Callable[[], Any], stop: threading.Event) -> threading.Thread:
    """A thread starting ``run`` every ``period`` seconds, as a deployment's schedule does."""

    def loop() -> None:
        started = time.monotonic()
        tick = 0
        while not stop.is_set():
            run()
            tick += 1
            stop.wait(max(0.0, started + tick * period - time.monotonic()))

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def _agency(home: Path, fake: FakeUpwork) -> Path:
    data = agency_dict(feeds=[feed_config(fake).model_dump(mode="json")])
    config = home / "agency.yaml"
    config.write_text(yaml.safe_dump(data))
    return config


def _node(tracked: bool, number: int) -> dict[str, Any]:
    """A posting by a client of its own (the client cooldown would otherwise park all but one),
    published now; an untracked one is turned down by the rules (a $50 fixed price), as most
    of a real feed is."""
    now = iso(utcnow())
    node = make_node(publishedDateTime=now, createdDateTime=now)
    joined = BASE_TIME - timedelta(days=400, seconds=number)
    node["client"] = node["client"] | {"memberSinceDateTime": iso(joined)}
    return node if tracked else node | {"amount": money("50.0")}


def main(jobs: int, background_per_minute: int) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="bidflow-bench-lead-")) / "home"
    home.mkdir(parents=True)
    patch = pytest.MonkeyPatch()
    patch.setenv("BIDFLOW_HOME", str(home))
    patch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    patch.chdir(home)
    rng = random.Random(5)
    fake = FakeUpwork()
    span = 2 * POLL_EVERY_S  # tracked jobs appear over two polling cycles
    try:
        with (
            prefect_test_harness(server_startup_timeout=120),
            serve(fake.handle) as server,
            running_fake_openai() as llm,
        ):
            fake.server = server
            llm.responder = lambda body: Say(LETTER, delay_s=LLM_S)
            patch.setenv("OPENAI_BASE_URL", llm.base_url)
            patch.setenv("OPENAI_API_KEY", "bench")
            patch.setenv("UPWORK_CLIENT_SECRET", fake.client_secret)
            get_settings.cache_clear()
            config = str(_agency(home, fake))
            connect_feed(fake, UpworkApiSource.from_config(feed_config(fake)), home)
            url = get_settings().resolved_database_url
            ingest_flow(config)  # the first poll: an empty feed, the database migrated
            tasks_before, stop = _task_runs(), threading.Event()
            started = time.monotonic()
            schedules = [
                _every(SCHEDULE_S, lambda: ingest_flow(config, True, True), stop),
                _every(SCHEDULE_S, lambda: triage_draft_flow(config), stop),
            ]
            moments = sorted(rng.uniform(2.0, span) for _ in range(jobs))
            background = int(background_per_minute * span / 60)
            noise = sorted(rng.uniform(0.0, span) for _ in range(background))
            published: dict[str, float] = {}
            titles: dict[str, str] = {}
            queued: dict[str, float] = {}
            deadline = started + span + POLL_EVERY_S + 60
            while time.monotonic() < deadline and len(queued) < jobs:
                now = time.monotonic() - started
                while noise and noise[0] <= now:
                    noise.pop(0)
                    fake.publish(_node(False, len(noise)))
                while len(published) < jobs and moments[len(published)] <= now:
                    node = _node(True, 1_000_000 + len(published))
                    fake.publish(node)
                    published[node["ciphertext"]] = time.monotonic()
                    titles[node["ciphertext"]] = node["title"]
                for external_id in _queued_at(url) & published.keys() - queued.keys():
                    queued[external_id] = time.monotonic()
                time.sleep(0.05)
            stop.set()
            for thread in schedules:
                thread.join(timeout=300)
            task_runs = _task_runs() - tasks_before
            stored = _count(url, "job")
    finally:
        patch.undo()
        get_settings.cache_clear()
    searches = sorted(
        s.at for s in fake.requests("graphql") if "marketplaceJobPostingsSearch" in s.query
    )
    missing = set(published) - set(queued)
    asked = sorted((a.at, json.dumps(a.body)) for a in llm.arrivals)
    totals, waits, llm_times, overheads, before_llm = [], [], [], [], []
    for key, at in published.items():
        if key not in queued:
            continue
        fetched = next((s for s in searches if s >= at), queued[key])
        # The LLM's share: from the first letter its run asked for to its own letter's answer
        # (letters wait for each other's slots under the concurrency limit).
        first = next((moment for moment, _ in asked if moment >= fetched), fetched)
        own = next((moment for moment, body in asked if titles[key] in body), first)
        llm_time = own + LLM_S - first
        totals.append(queued[key] - at)
        waits.append(fetched - at)
        llm_times.append(llm_time)
        overheads.append(queued[key] - fetched - llm_time)
        before_llm.append(first - fetched)  # polling, storing, triage, planning, Prefect
    return {
        "jobs": jobs,
        "drafted": len(totals),
        "missing": len(missing),
        "jobs_stored": stored,
        "llm_s": LLM_S,
        "p50_s": round(statistics.median(totals), 1),
        "p95_s": round(_percentile(totals, 0.95), 1),
        "poll_wait_p50_s": round(statistics.median(waits), 1),
        "llm_p50_s": round(statistics.median(llm_times), 1),
        "overhead_p50_s": round(statistics.median(overheads), 2),
        "overhead_p95_s": round(_percentile(overheads, 0.95), 2),
        "overhead_before_llm_p50_s": round(statistics.median(before_llm), 2),
        "overhead_after_llm_p50_s": round(
            statistics.median(o - b for o, b in zip(overheads, before_llm, strict=True)), 2
        ),
        "overhead_p95_vs_target": round(_percentile(overheads, 0.95) / OVERHEAD_TARGET_S, 2),
        "task_runs": task_runs,
        "task_runs_per_job": round(task_runs / max(stored, 1), 4),
        "task_runs_per_job_vs_target": round(
            task_runs / max(stored, 1) / TASK_RUNS_PER_JOB_TARGET, 2
        ),
    }


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    jobs, per_minute = (arguments + [50, 200][len(arguments) :])[:2]
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    figures = main(jobs, per_minute)
    for name, value in figures.items():
        print(f"{name:>28}: {value}")  # noqa: T201
    print(json.dumps(figures))  # noqa: T201
