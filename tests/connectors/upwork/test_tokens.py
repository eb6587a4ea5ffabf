"""Tokens: the file they live in, refreshing before expiry and after a 401, rotation, revocation,
and one refresh at a time."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import httpx
import pytest

from bidflow.errors import FeedError
from connectors.feeds.upwork_api import UpworkApiSource
from connectors.feeds.upwork_auth import AccessTokens, TokenStore
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.connectors.upwork.nodes import make_node
from tests.connectors.upwork.support import connect_feed, context, feed_config

RECONNECT = "run `bidflow connect upwork --feed up`"


def saved(home: Path) -> dict[str, str]:
    data: dict[str, str] = json.loads(TokenStore(home, "up").path.read_text())
    return data


def test_the_token_file_is_private_and_written_whole(
    connected: UpworkApiSource, bidflow_home: Path
) -> None:
    store = TokenStore(bidflow_home, "up")

    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert set(saved(bidflow_home)) == {"access_token", "refresh_token", "expires_at"}
    assert [p.name for p in store.path.parent.iterdir()] == ["upwork-up.json"]  # no temp files


def test_a_feed_never_connected_says_how_to_connect(
    fake_upwork: FakeUpwork, bidflow_home: Path
) -> None:
    source = UpworkApiSource.from_config(feed_config(fake_upwork))

    with pytest.raises(FeedError) as error:
        source.fetch(context(bidflow_home))

    assert str(error.value) == f"up: not connected to Upwork yet; {RECONNECT}"
    assert fake_upwork.seen == []


def test_a_token_about_to_expire_is_refreshed_and_saved_before_it_is_used(
    fake_upwork: FakeUpwork, upwork_secret: str, bidflow_home: Path
) -> None:
    fake_upwork.access_ttl_s = 60  # within the refresh margin
    source = UpworkApiSource.from_config(feed_config(fake_upwork))
    connect_feed(fake_upwork, source, bidflow_home)
    before = saved(bidflow_home)
    fake_upwork.access_ttl_s = 86_400
    in_file_when_used: list[str] = []
    fake_upwork.on_graphql = lambda bearer: in_file_when_used.append(
        saved(bidflow_home)["access_token"]
    )
    fake_upwork.publish(make_node())

    assert len(source.fetch(context(bidflow_home)).jobs) == 1

    after = saved(bidflow_home)
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]
    assert [r.form["refresh_token"] for r in fake_upwork.refreshes()] == [before["refresh_token"]]
    assert [r.bearer for r in fake_upwork.requests("graphql")] == [after["access_token"]]
    assert in_file_when_used == [after["access_token"]]


def test_a_401_refreshes_once_and_the_request_is_repeated(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    fake_upwork.publish(make_node())
    first = saved(bidflow_home)
    fake_upwork.expire_access_tokens()

    assert len(connected.fetch(context(bidflow_home)).jobs) == 1

    second = saved(bidflow_home)
    graphql = fake_upwork.requests("graphql")
    assert [(r.bearer, r.status) for r in graphql] == [
        (first["access_token"], 401),
        (second["access_token"], 200),
    ]
    assert len(fake_upwork.refreshes()) == 1

    # The rotated refresh token was kept: the next expiry is survived too.
    fake_upwork.expire_access_tokens()
    connected.fetch(context(bidflow_home))
    assert [r.form["refresh_token"] for r in fake_upwork.refreshes()] == [
        first["refresh_token"],
        second["refresh_token"],
    ]


def test_revoked_access_asks_to_connect_again(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    fake_upwork.revoke()

    with pytest.raises(FeedError) as error:
        connected.fetch(context(bidflow_home))

    assert str(error.value) == (f"up: Upwork authorization expired or was revoked; {RECONNECT}")


def test_a_refresh_without_the_secret_names_the_variable(
    fake_upwork: FakeUpwork,
    connected: UpworkApiSource,
    bidflow_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("UPWORK_CLIENT_SECRET")
    fake_upwork.expire_access_tokens()

    with pytest.raises(FeedError, match="^up: environment variable UPWORK_CLIENT_SECRET is not"):
        connected.fetch(context(bidflow_home))


def test_two_workers_refreshing_at_once_send_one_refresh(
    fake_upwork: FakeUpwork, upwork_secret: str, bidflow_home: Path
) -> None:
    fake_upwork.access_ttl_s = 60
    source = UpworkApiSource.from_config(feed_config(fake_upwork))
    connect_feed(fake_upwork, source, bidflow_home)
    fake_upwork.access_ttl_s = 86_400
    fake_upwork.token_delay_s = 0.3  # both workers are inside a refresh at the same time
    start = threading.Barrier(2)
    tokens: list[str] = []

    def worker() -> None:
        with httpx.Client() as http:
            keeper = AccessTokens(TokenStore(bidflow_home, "up"), source.endpoint.oauth, http)
            start.wait()
            tokens.append(keeper.current())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(fake_upwork.refreshes()) == 1
    assert tokens == [saved(bidflow_home)["access_token"]] * 2
