"""Throughput of the cycle's stages on generated postings, side by side with a plain-insert floor.

Prints, as its last line, one JSON object: jobs/s for a first ingest and a re-ingest (all
duplicates), the ratio of the first ingest to a plain ``executemany`` insert of the same rows,
triage jobs/s (x bidders) and offline letters/s. Run: ``python bench/pipeline.py [N]``.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from bidflow import db
from bidflow.config import load_agency_config
from bidflow.models import Job
from bidflow.samples.generator import generate_jobs, write_json
from bidflow.store.bidders import sync_bidders
from bidflow.store.jobs import store_jobs, untriaged_jobs
from bidflow.types import utcnow
from connectors.feeds.base import FetchContext
from connectors.feeds.files import FilesSource
from connectors.llm import DraftRequest, OfflineDrafter, draft_all
from prompts.assemble import proposal_prompt
from rules.triage import BidderSlot, triage_jobs

DEMO_CONFIG = Path(__file__).resolve().parents[1] / "bidflow" / "samples" / "agency.yaml"


def _timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


def main(count: int) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="bidflow-bench-"))
    try:
        feed = work / "jobs.json"
        write_json(generate_jobs(count=count, anchor=utcnow()), feed)
        fetched = (
            FilesSource(name="bench", path=feed).fetch(FetchContext(now=utcnow(), home=work)).jobs
        )
        # The generator repeats itself at large counts; the floor's plain INSERT needs unique rows.
        jobs = list({job.content_hash: job for job in fetched}.values())
        url, floor_url = f"sqlite:///{work / 'bidflow.db'}", f"sqlite:///{work / 'floor.db'}"
        db.upgrade(url)
        db.upgrade(floor_url)

        def ingest() -> None:
            with db.session_scope(url) as session:
                store_jobs(session=session, jobs=jobs)

        def floor() -> None:
            rows = [job.model_dump() | {"first_seen_at": utcnow()} for job in jobs]
            with db.get_engine(floor_url).begin() as connection:
                connection.execute(insert(Job.__table__), rows)  # type: ignore[attr-defined]

        first_s = _timed(ingest)
        floor_s = _timed(floor)  # second, so neither side pays the process's warm-up alone
        again_s = _timed(ingest)

        agency = load_agency_config(DEMO_CONFIG)
        with db.session_scope(url) as session:
            rows = sync_bidders(session=session, bidders=agency.bidders)
            slots = [BidderSlot(id=rows[b.name].id or 0, config=b) for b in agency.bidders]
            stored = list(untriaged_jobs(session=session, limit=count))
        triage_s = _timed(lambda: triage_jobs(stored, slots, agency).rows)

        sample = stored[: min(500, len(stored))]
        requests = []
        for number, job in enumerate(sample):
            prompt = proposal_prompt(job, agency.bidders[number % 3], agency)
            requests.append(
                DraftRequest(number, prompt.system, prompt.user, prompt.offline_variables)
            )
        draft_s = _timed(lambda: asyncio.run(draft_all(requests, OfflineDrafter(), concurrency=8)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "jobs": len(jobs),
        "ingest_jobs_per_s": round(len(jobs) / first_s),
        "reingest_jobs_per_s": round(len(jobs) / again_s),
        "floor_executemany_jobs_per_s": round(len(jobs) / floor_s),
        "ingest_ratio_vs_floor": round(floor_s / first_s, 2),
        "triage_jobs_per_s": round(len(stored) / triage_s),
        "triage_bidders": len(agency.bidders),
        "offline_drafts_per_s": round(len(requests) / draft_s),
    }


if __name__ == "__main__":
    figures = main(int(sys.argv[1]) if len(sys.argv) > 1 else 5_000)
    for name, value in figures.items():
        print(f"{name:>30}: {value}")
    print(json.dumps(figures))
