"""Test isolation: every test gets its own BIDFLOW_HOME and database; Prefect gets a private home.

Prefect reads PREFECT_HOME when it is first imported, which happens while test modules are
collected, so it is set here at import time rather than in a fixture.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="bidflow-test-prefect-")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
os.environ.pop("PREFECT_API_URL", None)

import pytest  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bidflow import db  # noqa: E402
from bidflow.settings import get_settings  # noqa: E402
from tests.postgres import postgres_server_url  # noqa: E402

_ENV_TO_CLEAR = (
    "BIDFLOW_DATABASE_URL",
    "BIDFLOW_CONFIG",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "BIDFLOW_LLM_MODEL",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow end-to-end tests first: under pytest-xdist the other workers then run the
    rest around them, instead of one worker finishing a minutes-long test alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable otherwise


@pytest.fixture(autouse=True)
def bidflow_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh BIDFLOW_HOME (and so a fresh SQLite database) for every test."""
    home = tmp_path / "bidflow-home"
    monkeypatch.setenv("BIDFLOW_HOME", str(home))
    for name in _ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # so no developer's .env is read
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database migrated to head for the session; each test gets a copy, since
    running every migration per test would cost the suite minutes."""
    path = tmp_path_factory.mktemp("template") / "bidflow.db"
    url = f"sqlite:///{path}"
    db.upgrade(url)
    db.get_engine(url).dispose()
    return path


@pytest.fixture
def sqlite_url(bidflow_home: Path, _migrated_sqlite: Path) -> str:
    """A migrated SQLite database in this test's home."""
    path = bidflow_home / "bidflow.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    # SQLite's backup API copies what the write-ahead log holds too, not just the main file.
    with closing(sqlite3.connect(_migrated_sqlite)) as source:
        with closing(sqlite3.connect(path)) as copy:
            source.backup(copy)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of a running PostgreSQL server (started if installed and stopped)."""
    url, why_not = postgres_server_url()
    if url is None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {why_not}")
        pytest.skip(f"no PostgreSQL server available: {why_not}")
    return url


@pytest.fixture(scope="session")
def _migrated_postgres(postgres_server: str) -> Iterator[str]:
    """The name of a PostgreSQL database migrated to head, a template for each test's."""
    from tests.postgres import temporary_database

    with temporary_database(postgres_server) as url:
        db.upgrade(url)
        db.get_engine(url).dispose()  # a template must have no connections when copied
        yield str(make_url(url).database)


@pytest.fixture
def postgres_url(postgres_server: str, _migrated_postgres: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    from tests.postgres import temporary_database

    with temporary_database(postgres_server, template=_migrated_postgres) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test server for the whole session (it takes seconds to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
