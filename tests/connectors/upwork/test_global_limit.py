"""Upwork API requests share one Prefect global concurrency limit across every worker (as LLM
calls share `bidflow-llm`): in a flow run a poll holds one slot for all its pages (a client
used without ``with`` takes one per request); outside one, only the process's own rate limiter
applies, and that is said once per process, not once per poll."""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from pathlib import Path

import httpx
import pytest
from prefect import flow, task
from prefect.client.orchestration import get_client

from bidflow.settings import get_settings
from connectors.feeds.upwork_api import SEARCH_QUERY, UpworkApiSource
from connectors.feeds.upwork_auth import AccessTokens, TokenStore
from connectors.feeds.upwork_graphql import UpworkGraphQL
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.connectors.upwork.nodes import make_nodes
from tests.connectors.upwork.support import context, feed_config

SEARCH = {"filter": {"pagination_eq": {"first": 5}}}


@pytest.fixture
def two_slots(monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"bidflow-upwork-test-{uuid.uuid4().hex[:8]}"  # "said once" is per process
    monkeypatch.setenv("BIDFLOW_UPWORK_CONCURRENCY", "2")
    monkeypatch.setenv("BIDFLOW_UPWORK_CONCURRENCY_LIMIT", name)
    get_settings.cache_clear()
    return name


def _search(fake: FakeUpwork, source: UpworkApiSource, home: Path) -> str:
    with httpx.Client() as http:
        tokens = AccessTokens(TokenStore(home, "up"), source.endpoint.oauth, http)
        graphql = UpworkGraphQL("up", fake.api_url, tokens)
        graphql.data(SEARCH_QUERY, SEARCH)
        return graphql.global_limit.state


def test_requests_hold_a_global_slot_in_a_flow_run(
    prefect_harness: None,
    fake_upwork: FakeUpwork,
    connected: UpworkApiSource,
    bidflow_home: Path,
    two_slots: str,
) -> None:
    fake_upwork.publish(*make_nodes(5))
    fake_upwork.on_graphql = lambda _bearer: time.sleep(0.3)  # long enough to overlap

    @task
    def search() -> str:
        return _search(fake_upwork, connected, bidflow_home)

    @flow
    def polling() -> list[str]:
        # Six polls at once, as six workers' ingest tasks would make them.
        return [future.result() for future in [search.submit() for _ in range(6)]]

    assert polling() == ["on"] * 6
    assert fake_upwork.server is not None
    assert fake_upwork.server.max_in_flight == 2
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(two_slots)
    assert (limit.limit, limit.active_slots) == (2, 0)


@pytest.mark.usefixtures("prefect_harness", "connected")
def test_a_poll_holds_one_slot_across_its_pages(
    fake_upwork: FakeUpwork, bidflow_home: Path, two_slots: str
) -> None:
    fake_upwork.publish(*make_nodes(9))
    config = feed_config(fake_upwork, page_size=3)
    between_pages: list[int] = []  # the limit's taken slots while the poll looks at a page

    def known(ids: Collection[str]) -> set[str]:
        with get_client(sync_client=True) as client:
            between_pages.append(
                client.read_global_concurrency_limit_by_name(two_slots).active_slots
            )
        return set()

    @flow
    def polling() -> int:
        batch = UpworkApiSource.from_config(config).fetch(context(bidflow_home, known=known))
        return len(batch.jobs)

    assert polling() == 9
    # Taken once for the poll, not released and taken again around each page's request.
    assert between_pages == [1, 1, 1]
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name(two_slots).active_slots == 0


def test_outside_a_flow_run_only_the_rate_limiter_applies(
    fake_upwork: FakeUpwork,
    connected: UpworkApiSource,
    bidflow_home: Path,
    two_slots: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_upwork.publish(*make_nodes(5))
    with caplog.at_level("INFO", logger="bidflow.feeds"):
        states = [_search(fake_upwork, connected, bidflow_home) for _ in range(2)]
    assert states == ["off", "off"]
    notes = [r.getMessage() for r in caplog.records if "per process only" in r.getMessage()]
    assert len(notes) == 1 and "not inside a flow run" in notes[0]
    assert notes[0].startswith(
        f"Upwork API requests are bounded per process only, not by the"
        f" Prefect global concurrency limit '{two_slots}'"
    )
