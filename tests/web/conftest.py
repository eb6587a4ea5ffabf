"""Fixtures for the review desk: the real app on this test's SQLite database, and a client; and
for the job webhook: the app with its feeds config and secret, and a client for pushes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bidflow.settings import Settings
from tests.factories import agency_dict, write_config
from tests.web.desk import DeskClient, add_users
from tests.web.hooks import FEEDS, SECRET, SECRET_ENV
from web.app import create_app


@pytest.fixture
def app(sqlite_url: str) -> FastAPI:
    return create_app(Settings(database_url=sqlite_url))


@pytest.fixture
def client(app: FastAPI, sqlite_url: str) -> Iterator[DeskClient]:
    """A client signed in as an owner (who may do everything)."""
    add_users(sqlite_url)
    with DeskClient(app) as desk:
        desk.sign_in()
        assert desk.get("/queue").status_code == 200
        yield desk


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """The agency config of the webhook tests: the feeds in ``tests.web.hooks.FEEDS``."""
    return write_config(tmp_path / "config", agency_dict(feeds=FEEDS))


@pytest.fixture
def hooks_app(sqlite_url: str, config_path: Path, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return create_app(Settings(database_url=sqlite_url, config=config_path))


@pytest.fixture
def hook(hooks_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(hooks_app) as client:
        yield client
