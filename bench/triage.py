"""Triage throughput: ``triage_jobs`` (column-wise) against a naive per-job loop, same jobs.

    python -m bench.triage [JOBS]

Jobs come from ``bench.snapshot`` (real titles, budgets and skills from the shared CSV when
present, generated descriptions of ~1 KB) as in-memory ``Job`` objects; five bidders: the demo
agency's three plus two more. The loop (``evaluate`` for every job × bidder, then the same
routing) runs on a 10,000-job sample when the batch is larger, to keep the run short.
``triage_jobs`` runs three times and the best is reported (the median too); building the
decision rows that are stored is timed on its own.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench.snapshot import snapshot_items
from bidflow.config import AgencyConfig, load_agency_config
from bidflow.models import Job
from bidflow.types import utcnow
from connectors.feeds.items import DEFAULT_MAPPING, normalize_item
from rules.routing import Candidate, route
from rules.triage import BidderSlot, evaluate, triage_jobs

DEMO_CONFIG = Path(__file__).resolve().parents[1] / "bidflow" / "samples" / "agency.yaml"
LOOP_SAMPLE = 10_000
REPEATS = 3


def bench_agency() -> AgencyConfig:
    agency = load_agency_config(DEMO_CONFIG)
    extra = [
        agency.bidders[0].model_copy(
            update={
                "name": "Dana Data",
                "skills": ["SQL", "Power BI", "Excel", "Tableau", "Python"],
            }
        ),
        agency.bidders[1].model_copy(
            update={"name": "Wes Web", "skills": ["WordPress", "Elementor", "SEO", "PHP", "Figma"]}
        ),
    ]
    selective = agency.rulesets["selective"]
    strict = selective.model_copy(
        update={
            "fit": selective.fit.model_copy(
                update={"query": 'python OR "data analysis" OR sql NOT "unpaid"'}
            ),
            "freshness": selective.freshness.model_copy(update={"max_age": timedelta(days=2)}),
        }
    )
    return agency.model_copy(
        update={
            "bidders": [*agency.bidders, *extra],
            "rulesets": {**agency.rulesets, "selective": strict},
        }
    )


def bench_jobs(count: int) -> list[Job]:
    items, _origin = snapshot_items(count)
    now = utcnow()
    jobs = []
    for number, item in enumerate(items, 1):
        job, _notes = normalize_item(item, DEFAULT_MAPPING, source="bench", fetched_at=now)
        jobs.append(Job(id=number, **job.model_dump()))
    return jobs


def naive_loop(jobs: list[Job], slots: list[BidderSlot], agency: AgencyConfig) -> None:
    now = utcnow()
    candidates = []
    for job in jobs:
        row = []
        for slot in slots:
            verdict = evaluate(job, slot.config, agency.rulesets[slot.config.ruleset], now=now)
            row.append(Candidate(slot, verdict.passed, verdict.fit, verdict.score))
        candidates.append(row)
    route(candidates, [None] * len(jobs), {})


def main(count: int) -> dict[str, object]:
    agency = bench_agency()
    slots = [BidderSlot(id=n, config=b) for n, b in enumerate(agency.bidders, 1)]
    jobs = bench_jobs(count)
    # Best of three, as timeit does: the host's speed varies between runs (noise only slows).
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        decisions = triage_jobs(jobs, slots, agency)
        timings.append(time.perf_counter() - started)
    batch_s = min(timings)
    started = time.perf_counter()
    rows = decisions.rows
    rows_s = time.perf_counter() - started
    sample = jobs[: min(LOOP_SAMPLE, len(jobs))]
    started = time.perf_counter()
    naive_loop(sample, slots, agency)
    loop_s = time.perf_counter() - started
    jobs_per_s, loop_per_s = len(jobs) / batch_s, len(sample) / loop_s
    shown = ", ".join(f"{t:.2f}" for t in timings)
    print(f"triage_jobs: {len(jobs):,} jobs × {len(slots)} bidders in {shown} s")  # noqa: T201
    passed = sum(r["passed"] for r in rows)
    print(f"  passed pairs {passed:,}, routed {decisions.routed:,}")  # noqa: T201
    print(f"  {len(rows):,} decision rows (what is stored) built in {rows_s:.2f} s")  # noqa: T201
    print(f"naive loop: {len(sample):,} jobs in {loop_s:.2f} s")  # noqa: T201
    return {
        "jobs": len(jobs),
        "bidders": len(slots),
        "jobs_per_s": round(jobs_per_s),
        "median_jobs_per_s": round(len(jobs) / statistics.median(timings)),
        "loop_jobs_per_s": round(loop_per_s),
        "loop_sample_jobs": len(sample),
        "ratio_vs_loop": round(jobs_per_s / loop_per_s, 1),
        "with_rows_jobs_per_s": round(len(jobs) / (batch_s + rows_s)),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)))  # noqa: T201
