"""Speed to ingest: a job published at a local fake Upwork API until it is in bidflow's database.

`bidflow ingest --watch` runs as a user would run it, polling the API feed every 30 s; jobs are
published at seeded random moments over ~2 minutes and the bench watches the database for each.
Prints p50/p95/max seconds and p95 against the 35 s target; the last line is one JSON object.
Run: ``python bench/ingest_latency.py [JOBS] [POLL_INTERVAL_S]``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from bidflow import db  # noqa: E402
from bidflow.config.feeds import UpworkApiFeedConfig  # noqa: E402
from connectors.feeds.upwork_api import UpworkApiSource  # noqa: E402
from tests.connectors.servers import serve  # noqa: E402
from tests.connectors.upwork.fake_server import FakeUpwork  # noqa: E402
from tests.connectors.upwork.nodes import make_node  # noqa: E402
from tests.connectors.upwork.support import connect_feed  # noqa: E402
from tests.factories import agency_dict  # noqa: E402

TARGET_S = 35.0


def _arrived(url: str) -> set[str]:
    with db.get_engine(url).connect() as connection:
        return set(connection.execute(text("SELECT external_id FROM job")).scalars())


def main(jobs: int, interval_s: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bidflow-bench-latency-"))
    fake = FakeUpwork()
    rng = random.Random(7)
    try:
        with serve(fake.handle) as server:
            fake.server = server
            feed = {
                "name": "upwork",
                "kind": "upwork_api",
                "client_id": fake.client_id,
                "redirect_uri": fake.redirect_uri,
                "searches": [{"name": "all", "query": "django"}],
                "api_url": fake.api_url,
                "token_url": fake.token_url,
                "authorize_url": fake.authorize_url,
                "poll_every": f"{interval_s}s",
            }
            config = work / "agency.yaml"
            config.write_text(yaml.safe_dump(agency_dict(feeds=[feed])))
            source = UpworkApiSource.from_config(UpworkApiFeedConfig.model_validate(feed))
            os.environ["UPWORK_CLIENT_SECRET"] = fake.client_secret  # as `bidflow connect` needs
            connect_feed(fake, source, work)
            url = f"sqlite:///{work / 'bidflow.db'}"
            db.upgrade(url)
            env = {
                **os.environ,
                "BIDFLOW_HOME": str(work),
                "BIDFLOW_DATABASE_URL": url,
                "BIDFLOW_CONFIG": str(config),
            }
            command = [sys.executable, "-c", "from bidflow.cli import main; main()"]
            watcher = subprocess.Popen(
                [*command, "ingest", "--watch", "--tick", "1s"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                latencies = _publish_and_watch(fake, url, jobs, interval_s, rng)
            finally:
                watcher.terminate()
                watcher.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "jobs": jobs,
        "poll_interval_s": interval_s,
        "p50_s": round(statistics.median(ordered), 1),
        "p95_s": round(p95, 1),
        "max_s": round(ordered[-1], 1),
        "target_s": TARGET_S,
        "p95_ratio_vs_target": round(p95 / TARGET_S, 2),
    }


def _publish_and_watch(
    fake: FakeUpwork, url: str, jobs: int, interval_s: int, rng: random.Random
) -> list[float]:
    """Publish ``jobs`` at random moments over ~4 poll intervals; seconds until each is stored."""
    time.sleep(3)  # let the watcher make its first poll of an empty API
    moments = sorted(rng.uniform(0, 4 * interval_s) for _ in range(jobs))
    started = time.monotonic()
    published: dict[str, float] = {}
    seen: dict[str, float] = {}
    deadline = started + moments[-1] + 3 * interval_s
    while time.monotonic() < deadline and len(seen) < jobs:
        now = time.monotonic()
        while len(published) < jobs and now - started >= moments[len(published)]:
            node = make_node()
            fake.publish(node)
            published[node["ciphertext"]] = now
        for external_id in _arrived(url) - seen.keys():
            seen[external_id] = time.monotonic()
        time.sleep(0.1)
    missing = set(published) - set(seen)
    if missing:
        raise SystemExit(f"{len(missing)} published jobs never reached the database")
    return [seen[key] - published[key] for key in published]


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    figures = main(*(arguments + [20, 30][len(arguments) :]))
    for name, value in figures.items():
        print(f"{name:>22}: {value}")
    print(json.dumps(figures))
