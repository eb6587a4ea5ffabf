"""Fixtures for the review desk: the real app on this test's SQLite database, and a client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from bidflow.settings import Settings
from tests.web.desk import DeskClient
from web.app import create_app


@pytest.fixture
def app(sqlite_url: str) -> FastAPI:
    return create_app(Settings(database_url=sqlite_url))


@pytest.fixture
def client(app: FastAPI) -> Iterator[DeskClient]:
    with DeskClient(app) as desk:
        assert desk.get("/queue").status_code == 200
        yield desk
