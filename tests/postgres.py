"""Finding (or starting) a PostgreSQL server for tests, and throwaway databases on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres:bidflow@127.0.0.1:5432/postgres"
PASSWORD = "bidflow"


def _reachable(url: str) -> str | None:
    try:
        with psycopg.connect(_libpq(url), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_server_url() -> tuple[str | None, str]:
    """(url, "") for a usable server, or (None, why) when none can be had.

    BIDFLOW_TEST_POSTGRES_URL names a server; otherwise the local Debian cluster is started
    (as root) and given a known password for the postgres user.
    """
    url = os.environ.get("BIDFLOW_TEST_POSTGRES_URL", DEFAULT_URL)
    problem = _reachable(url)
    if problem is None:
        return url, ""
    if "BIDFLOW_TEST_POSTGRES_URL" in os.environ or not shutil.which("pg_ctlcluster"):
        return None, problem
    if os.geteuid() != 0:
        return None, f"{problem}; and not root, so the local cluster cannot be started"
    clusters = Path("/etc/postgresql")
    names = os.listdir(clusters) if clusters.is_dir() else []
    versions = sorted(names, key=lambda v: int(v) if v.isdigit() else 0)
    if not versions:
        return None, f"{problem}; and no local PostgreSQL cluster is installed"
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
        capture_output=True,
        check=False,
    )
    subprocess.run(
        ["su", "postgres", "-c", f"psql -q -c \"ALTER USER postgres PASSWORD '{PASSWORD}'\""],
        capture_output=True,
        check=False,
    )
    problem = _reachable(url)
    return (url, "") if problem is None else (None, problem)


@contextmanager
def temporary_database(server_url: str, *, template: str | None = None) -> Iterator[str]:
    """A new database on the server (empty, or a copy of ``template``), dropped when the block
    ends."""
    name = f"bidflow_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{copy}')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from bidflow.db import get_engine

        get_engine(url).dispose()  # close pooled connections so the drop is not blocked
        with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
