"""When Upwork says no: rate limits, server errors, GraphQL errors, an unreachable host; and the
client-side rate limit that keeps bidflow under Upwork's."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from bidflow.errors import FeedError
from connectors.feeds.upwork_api import UpworkApiSource
from connectors.feeds.upwork_http import retry_after_seconds
from tests.connectors.servers import unused_port
from tests.connectors.upwork.fake_server import Fail, FakeUpwork, GraphQLErrors
from tests.connectors.upwork.nodes import make_node, make_nodes
from tests.connectors.upwork.support import context, feed_config


def test_a_429_waits_as_long_as_retry_after_says(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    fake_upwork.publish(make_node())
    fake_upwork.script(Fail(429, retry_after="0.3"))

    assert len(connected.fetch(context(bidflow_home)).jobs) == 1

    refused, answered = fake_upwork.requests("graphql")
    assert (refused.status, answered.status) == (429, 200)
    assert answered.at - refused.at >= 0.3


def test_retry_after_may_be_an_http_date() -> None:
    later = datetime.now(UTC) + timedelta(seconds=30)

    assert 28 <= (retry_after_seconds(format_datetime(later, usegmt=True)) or 0) <= 30
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_server_errors_back_off_then_fail_naming_the_status(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    fake_upwork.script(*[Fail(500)] * 5)

    with pytest.raises(FeedError) as error:
        connected.fetch(context(bidflow_home))

    assert str(error.value) == (
        "up: Upwork answered HTTP 500 Internal Server Error (5 tries); the next poll will try again"
    )
    arrivals = [seen.at for seen in fake_upwork.requests("graphql")]
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert len(arrivals) == 5
    assert min(gaps) >= 0.12 and gaps[-1] >= 3 * gaps[0]  # waits grow: exponential backoff


def test_graphql_errors_fail_the_poll_with_their_messages(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    fake_upwork.script(GraphQLErrors(("Field 'x' is not defined", "Scope missing")))

    with pytest.raises(FeedError) as error:
        connected.fetch(context(bidflow_home))

    assert str(error.value) == "up: Upwork API error: Field 'x' is not defined; Scope missing"


def test_a_refused_request_fails_with_the_status_and_what_upwork_said(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    fake_upwork.script(Fail(403))

    with pytest.raises(FeedError) as error:
        connected.fetch(context(bidflow_home))

    assert str(error.value) == (
        'up: Upwork API answered HTTP 403 Forbidden: {"message": "scripted failure"}'
    )


def test_a_401_after_a_refresh_asks_to_connect_again(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    fake_upwork.script(Fail(401), Fail(401))

    with pytest.raises(FeedError, match=r"refused a freshly refreshed access token \(HTTP 401\)"):
        connected.fetch(context(bidflow_home))

    assert len(fake_upwork.refreshes()) == 1


def test_an_unreachable_api_is_retried_then_fails(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    port = unused_port()
    source = UpworkApiSource.from_config(
        feed_config(fake_upwork, api_url=f"http://127.0.0.1:{port}/graphql")
    )

    with pytest.raises(FeedError, match=rf"^up: cannot reach 127.0.0.1:{port} \(.+\) \(5 tries\)"):
        source.fetch(context(bidflow_home))


def test_the_rate_limit_is_shared_by_every_feed_on_the_same_api(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    fake_upwork.publish(*make_nodes(6))
    config = feed_config(fake_upwork, requests_per_second=5, page_size=1, max_pages=6)
    errors: list[BaseException] = []

    def poll() -> None:
        try:
            UpworkApiSource.from_config(config).fetch(context(bidflow_home))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert errors == []
    arrivals = sorted(seen.at for seen in fake_upwork.requests("graphql"))
    assert len(arrivals) == 12
    # At most five starts in any second, so any six requests span a second and twelve two (five
    # at once, five a second later, two after another); the slack absorbs a request held up
    # between its start and its arrival on a busy machine.
    spans = [round(arrivals[i + 5] - arrivals[i], 3) for i in range(len(arrivals) - 5)]
    assert min(spans) >= 0.8, spans
    assert arrivals[-1] - arrivals[0] >= 1.8
