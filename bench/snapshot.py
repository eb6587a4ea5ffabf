"""A snapshot of N distinct job postings for benchmarks, as JSONL in the files-feed format.

Built from ../shared/data/upwork_jobs_18k_titles_budgets.csv (real titles, budgets, levels and
skills) when that file is present, else from the bundled sample generator. Real exports repeat
the same posting many times; every snapshot row is made a distinct posting (its own id and a
reference line in its text) so "new jobs per second" measures new jobs.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bidflow.samples.generator import generate_jobs
from bidflow.types import utcnow

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SHARED_CSV = SHARED_DATA / "upwork_jobs_18k_titles_budgets.csv"
_BUCKETS = ("Less than 5", "5 to 10", "10 to 15", "15 to 20", "20 to 50", "50+")


def _csv_rows() -> Iterator[dict[str, str]]:
    if not SHARED_CSV.exists():
        return
    with SHARED_CSV.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def snapshot_items(count: int) -> tuple[list[dict[str, Any]], str]:
    """``count`` job items and where their text came from."""
    samples = generate_jobs(count=400, anchor=utcnow())
    rows = list(_csv_rows())
    origin = SHARED_CSV.name if rows else "the sample generator"
    items = []
    for number in range(count):
        sample = samples[number % len(samples)]
        row = rows[number % len(rows)] if rows else None
        pricing = (row or {}).get("Hourly/Fixed", "")
        items.append(
            {
                "id": f"snap-{number:06d}",
                "url": f"https://jobs.example.com/posting/{number}",
                "title": row["Job Title"] if row else sample.title,
                "description": f"{sample.description}\n\nRef {number}",
                "category": sample.category,
                "skills": row["Skills"] if row else list(sample.skills),
                "job_type": "Hourly" if pricing.startswith("Hourly") else "Fixed",
                "budget": row["Budget"] if row else sample.budget,
                "hourly_rate": pricing if pricing.startswith("Hourly:") else sample.hourly_rate,
                "experience_level": row["Level"] if row else sample.experience_level,
                "posted_at": sample.posted_at.isoformat(),
                "proposals": _BUCKETS[number % len(_BUCKETS)],
                "client": {
                    "payment_verified": sample.client.payment_verified,
                    "country": sample.client.country,
                    "total_spent": sample.client.total_spent,
                    "hires": sample.client.hires,
                    "jobs_posted": sample.client.jobs_posted,
                    "feedback": sample.client.feedback,
                },
            }
        )
    return items, origin


def write_snapshot(path: Path, count: int) -> str:
    """Write the snapshot as JSONL; returns where its text came from."""
    items, origin = snapshot_items(count)
    with path.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    return origin
