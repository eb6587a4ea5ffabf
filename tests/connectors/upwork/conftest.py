"""Fixtures of the Upwork API tests: the fake Upwork, its client secret in the environment, and
a feed already connected to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.feeds.upwork_api import UpworkApiSource
from tests.connectors.upwork.fake_server import FakeUpwork, fake_upwork
from tests.connectors.upwork.support import connect_feed, feed_config

__all__ = ["connected", "fake_upwork", "upwork_secret"]


@pytest.fixture
def upwork_secret(fake_upwork: FakeUpwork, monkeypatch: pytest.MonkeyPatch) -> str:
    """The API key's secret, in the environment variable a feed names by default."""
    monkeypatch.setenv("UPWORK_CLIENT_SECRET", fake_upwork.client_secret)
    return fake_upwork.client_secret


@pytest.fixture
def connected(fake_upwork: FakeUpwork, upwork_secret: str, bidflow_home: Path) -> UpworkApiSource:
    """A source for a feed named "up" with one search ("django"), already connected."""
    source = UpworkApiSource.from_config(feed_config(fake_upwork))
    connect_feed(fake_upwork, source, bidflow_home)
    return source
