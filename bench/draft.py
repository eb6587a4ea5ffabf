"""Drafting throughput: 200 drafts through ``draft_all`` and the real ``openai`` client against
the fake OpenAI server answering every request after a fixed 1.5 s, 16 in flight.

    python -m bench.draft [DRAFTS] [CONCURRENCY] [LATENCY_S]

The ideal wall time is ceil(drafts / concurrency) × latency: the server's waits alone. The fake
runs in its own process, so the client's CPU time (building requests, parsing replies) is what
the overhead ratio measures. The last line printed is one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

from bidflow.settings import Settings
from connectors.llm import DraftRequest, OpenAIDrafter, draft_all
from prompts.assemble import proposal_prompt
from tests.connectors.fake_openai import running_fake_openai
from tests.factories import agency_config, make_job


def _serve(latency_s: float, pipe: Connection) -> None:
    """The fake server's process: send the base URL, serve until told, send max in flight."""
    with running_fake_openai() as fake:
        fake.fixed_latency(latency_s)
        pipe.send(fake.base_url)
        pipe.recv()
        pipe.send(fake.max_in_flight)


def _requests(count: int) -> list[DraftRequest]:
    agency = agency_config()
    requests = []
    for key in range(count):
        job = make_job(title=f"Build a Django REST API for a booking app, part {key}")
        prompt = proposal_prompt(job, agency.bidders[0], agency)
        requests.append(
            DraftRequest(
                key=key,
                system=prompt.system,
                user=prompt.user,
                offline_variables=prompt.offline_variables,
                screening_questions=("Have you built booking systems before?",),
            )
        )
    return requests


def main(drafts: int = 200, concurrency: int = 16, latency_s: float = 1.5) -> dict[str, Any]:
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(latency_s, theirs), daemon=True)
    server.start()
    try:
        base_url = ours.recv()
        settings = Settings(
            openai_base_url=base_url,
            openai_api_key="bench",
            llm_concurrency=concurrency,
            llm_timeout_s=latency_s * 10,
        )
        requests = _requests(drafts)
        drafter = OpenAIDrafter(settings)
        started = time.perf_counter()
        results = asyncio.run(draft_all(requests, drafter, concurrency=concurrency))
        wall_s = time.perf_counter() - started
        ours.send("stop")
        in_flight = ours.recv()
    finally:
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()
    offline = sum(result.offline for result in results)
    if offline:
        raise SystemExit(f"{offline} drafts fell back to offline; the bench measures the LLM path")
    ideal_s = math.ceil(drafts / concurrency) * latency_s
    print(f"{drafts} drafts, {concurrency} in flight (server saw at most {in_flight})")  # noqa: T201
    print(f"wall {wall_s:.2f} s, ideal {ideal_s:.2f} s, ratio {wall_s / ideal_s:.3f}")  # noqa: T201
    return {
        "drafts": drafts,
        "concurrency": concurrency,
        "latency_s": latency_s,
        "wall_s": round(wall_s, 2),
        "ideal_s": ideal_s,
        "wall_to_ideal": round(wall_s / ideal_s, 3),
        "overhead_ratio": round(wall_s / ideal_s - 1, 3),  # the target is 0.10 or less
        "max_in_flight": in_flight,
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    print(  # noqa: T201
        json.dumps(
            main(
                int(args[0]) if args else 200,
                int(args[1]) if len(args) > 1 else 16,
                float(args[2]) if len(args) > 2 else 1.5,
            )
        )
    )
