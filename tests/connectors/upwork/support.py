"""Builders for the Upwork API tests: feed configs pointing at the fake, connecting a feed the
way `bidflow connect` does, and a stand-in for the job store's ``known``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

import httpx

from bidflow.config.feeds import UpworkApiFeedConfig
from connectors.feeds.base import FetchContext
from connectors.feeds.upwork_api import UpworkApiSource
from connectors.feeds.upwork_auth import TokenStore
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.factories import fetch_context


def feed_config(fake: FakeUpwork, **overrides: Any) -> UpworkApiFeedConfig:
    """An upwork_api feed "up" whose every URL points at ``fake``."""
    values: dict[str, Any] = {
        "kind": "upwork_api",
        "name": "up",
        "client_id": fake.client_id,
        "redirect_uri": fake.redirect_uri,
        "searches": [{"name": "django", "query": "django"}],
        "api_url": fake.api_url,
        "token_url": fake.token_url,
        "authorize_url": fake.authorize_url,
    }
    values.update(overrides)
    return UpworkApiFeedConfig.model_validate(values)


def connect_feed(fake: FakeUpwork, source: UpworkApiSource, home: Path) -> TokenStore:
    """Exchange a fresh code for tokens and save them, as `bidflow connect upwork` does."""
    with httpx.Client() as http:
        tokens = source.endpoint.oauth.exchange(fake.issue_code(), http)
    store = TokenStore(home, source.name)
    store.save(tokens)
    return store


class KnownIds:
    """The job store as a poll sees it: which ids are stored, and every question asked of it."""

    def __init__(self, stored: Iterable[str] = ()) -> None:
        self.stored = set(stored)
        self.asked: list[list[str]] = []
        self._lock = threading.Lock()

    def __call__(self, ids: Collection[str]) -> set[str]:
        with self._lock:
            self.asked.append(list(ids))
        return self.stored & set(ids)


def context(
    home: Path, known: Callable[[Collection[str]], set[str]] | None = None, **overrides: Any
) -> FetchContext:
    """A poll's context in ``home``; nothing is stored unless ``known`` says so."""
    return fetch_context(home=home, known=known or KnownIds(), **overrides)
