"""Review-queue page: server time to render the queue with 500 queued drafts.

    python -m bench.queue_page [DRAFTS] [REQUESTS]

Seeds a fresh SQLite database with DRAFTS queued drafts (jobs from ``bench.snapshot``: real
titles and budgets, ~1 KB descriptions; triage reasons stored for each), signs in as a sales
lead, then times REQUESTS page loads in-process (Starlette's TestClient: no network, so the
figure is the server's own time plus a few hundred microseconds of in-memory transport). The
floor beside it is the bare ``review_queue`` query, so the ratio shows the rendering's cost.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.snapshot import snapshot_items
from bidflow import db
from bidflow.config import Role
from bidflow.models import Bidder, Proposal
from bidflow.settings import Settings
from bidflow.store.decisions import store_decisions
from bidflow.store.jobs import store_jobs
from bidflow.store.proposals import queue_proposal, review_queue
from bidflow.types import utcnow
from connectors.feeds.items import DEFAULT_MAPPING, normalize_item
from tests.web.desk import DeskClient, add_users
from web.app import create_app

LETTER = "Hi,\n\nI have shipped this kind of project many times; here is how I would start.\n" * 3


def seed(url: str, count: int) -> None:
    items, _origin = snapshot_items(count)
    now = utcnow()
    jobs = [
        normalize_item(item, DEFAULT_MAPPING, source="bench", fetched_at=now)[0] for item in items
    ]
    with db.session_scope(url) as session:
        bidders = [Bidder(name=f"Bidder {n}", title="Engineer", hourly_rate=60) for n in range(5)]
        session.add_all(bidders)
        session.flush()
        job_ids = store_jobs(session=session, jobs=jobs).new_ids
        decisions = []
        for number, job_id in enumerate(job_ids):
            bidder = bidders[number % len(bidders)]
            assert bidder.id is not None
            reasons = [
                {"rule": "budget", "status": "passed", "message": "fixed budget $1,500 fits"},
                {"rule": "fit", "status": "passed", "message": "matches Python, Django"},
            ]
            decisions.append(
                {"job_id": job_id, "bidder_id": bidder.id, "ruleset": "default", "passed": True,
                 "score": 0.8, "routed": True, "reasons": reasons}
            )  # fmt: skip
            proposal = Proposal(
                job_id=job_id, bidder_id=bidder.id, draft_text=LETTER, model="offline", offline=True
            )
            queue_proposal(session=session, proposal=proposal, actor="bench")
        store_decisions(session=session, decisions=decisions)


def main(count: int, requests: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as home:
        url = f"sqlite:///{Path(home) / 'bidflow.db'}"
        db.upgrade(url)
        seed(url, count)
        add_users(url)
        app = create_app(Settings(database_url=url, home=Path(home)))
        with DeskClient(app) as client:
            client.sign_in(Role.SALES_LEAD)
            page = client.get("/queue")
            assert page.status_code == 200, page.text[:500]
            shown = page.text.count('<article class="card')
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get("/queue")
                timings.append(time.perf_counter() - started)
        floor = []
        for _ in range(requests):
            started = time.perf_counter()
            with db.session_scope(url) as session:
                review_queue(session=session, limit=count)
            floor.append(time.perf_counter() - started)
    median_ms = statistics.median(timings) * 1000
    floor_ms = statistics.median(floor) * 1000
    shown_line = f"queue page with {count} drafts ({shown} cards shown)"
    print(f"{shown_line}: median {median_ms:.0f} ms over {requests} loads")  # noqa: T201
    return {
        "drafts": count,
        "cards_shown": shown,
        "median_ms": round(median_ms, 1),
        "p90_ms": round(statistics.quantiles(timings, n=10)[-1] * 1000, 1),
        "query_floor_ms": round(floor_ms, 1),
        "ratio_vs_query": round(median_ms / floor_ms, 1),
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    print(json.dumps(main(*(args or [500, 20]))))  # noqa: T201
