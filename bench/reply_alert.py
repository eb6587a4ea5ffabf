"""Reply to alert: a client's reply appearing at a source until its alert reaches the account
manager's webhook, with the default intervals.

The world is real and local: a fake Upwork GraphQL API holding the message rooms, an IMAP
mailbox receiving the notification email of each reply, a JSON webhook standing in for the
account manager's Slack, a SQLite database and Prefect's local server. The ``inbox`` flow runs
the way its deployment does — every 60 s, polling the sources that are due — while replies
appear at seeded random moments; a watcher timestamps each alert as it arrives. Prints the
latency p50/p95/max, how long each run took, and max against the 60 s target; the last line is
one JSON object. Run: ``python bench/reply_alert.py [REPLIES] [INTERVAL_S] [RUNS]``.
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
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from bidflow.settings import get_settings  # noqa: E402
from flows.inbox import inbox_flow  # noqa: E402
from tests.connectors.servers import serve  # noqa: E402
from tests.connectors.upwork.fake_server import FakeUpwork  # noqa: E402
from tests.flows.inbox_world import (  # noqa: E402
    account_manager_hook,
    agency_config_file,
    client_writes_in_the_room,
    connected_job,
    imap_mailbox,
    notification_of,
    sent_for,
)

TARGET_S = 60.0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(replies: int, interval_s: float, runs: int) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="bidflow-bench-reply-")) / "home"
    patch = pytest.MonkeyPatch()
    patch.setenv("BIDFLOW_HOME", str(home))
    patch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    patch.chdir(home.parent)
    get_settings.cache_clear()
    rng = random.Random(11)
    fake = FakeUpwork()
    try:
        with (
            prefect_test_harness(server_startup_timeout=120),
            serve(fake.handle) as server,
            imap_mailbox(patch) as imap,
            account_manager_hook(patch) as hook,
        ):
            fake.server = server
            jobs = [connected_job(fake, home, patch) for _ in range(replies)]
            config = agency_config_file(home, fake, imap, poll_every=f"{int(interval_s)}s")
            for job in jobs:
                sent_for(config, job)
            inbox_flow(config_path=str(config))  # the run before: nothing new yet
            started = time.monotonic()
            span = interval_s * (runs - 1)
            moments = sorted(rng.uniform(1.0, span - 1.0) for _ in range(replies))
            texts = [f"Reply {n}: could we talk about the scope on a call?" for n in range(replies)]
            appeared: dict[str, float] = {}
            arrived: dict[str, float] = {}
            stop = threading.Event()

            def publish() -> None:
                for moment, job, text in zip(moments, jobs, texts, strict=True):
                    time.sleep(max(0.0, started + moment - time.monotonic()))
                    client_writes_in_the_room(fake, job, text)
                    notification_of(imap, job, text)
                    appeared[text] = time.monotonic()

            def watch() -> None:
                while not stop.is_set():
                    bodies = [str(payload) for payload in hook.payloads]
                    for text in texts:
                        if text not in arrived and any(text in body for body in bodies):
                            arrived[text] = time.monotonic()
                    time.sleep(0.05)

            threads = [threading.Thread(target=f, daemon=True) for f in (publish, watch)]
            for thread in threads:
                thread.start()
            durations = []
            for run in range(1, runs + 1):
                time.sleep(max(0.0, started + run * interval_s - time.monotonic()))
                began = time.monotonic()
                inbox_flow(config_path=str(config))  # as deployed: only sources that are due
                durations.append(time.monotonic() - began)
            time.sleep(1.0)
            stop.set()
            threads[1].join()
    finally:
        patch.undo()
        get_settings.cache_clear()
    latencies = [arrived[t] - appeared[t] for t in texts if t in arrived and t in appeared]
    figures: dict[str, Any] = {
        "replies": replies,
        "alerted": len(latencies),
        "interval_s": interval_s,
        "alerts_received": len(hook.payloads),
        "latency_p50_s": round(statistics.median(latencies), 2),
        "latency_p95_s": round(_percentile(latencies, 0.95), 2),
        "latency_max_s": round(max(latencies), 2),
        "run_p50_s": round(statistics.median(durations), 2),
        "run_max_s": round(max(durations), 2),
        "max_vs_target": round(max(latencies) / TARGET_S, 3),
    }
    return figures


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    replies, interval, runs = int(args[0]) if args else 12, args[1] if len(args) > 1 else 60.0, 0
    runs = int(args[2]) if len(args) > 2 else 4
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    result = main(replies, interval, runs)
    print(  # noqa: T201
        f"{result['alerted']}/{replies} replies alerted ({result['alerts_received']} alerts);"
        f" latency p50 {result['latency_p50_s']} s, p95 {result['latency_p95_s']} s,"
        f" max {result['latency_max_s']} s (target 60 s); runs took p50 {result['run_p50_s']} s"
    )
    print(json.dumps(result))  # noqa: T201
