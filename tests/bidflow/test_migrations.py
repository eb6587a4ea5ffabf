"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import SQLModel

from bidflow import db
from bidflow.cli import cli
from bidflow.cli import commands as _commands  # noqa: F401  (registers the subcommands)


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    with db.get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    assert db.current_revision(database_url) == db.head_revision()


def test_db_upgrade_command_creates_the_database(bidflow_home: Path) -> None:
    runner = CliRunner()
    upgraded = runner.invoke(cli, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.output.strip().endswith(f"at revision {db.head_revision()}")
    assert runner.invoke(cli, ["db", "current"]).output.strip() == db.head_revision()


def test_upgrading_old_data_backfills_canonical_keys(bidflow_home: Path) -> None:
    url = f"sqlite:///{bidflow_home / 'old.db'}"
    db.upgrade(url, "0001")
    with db.get_engine(url).begin() as connection:
        for number, link in enumerate(
            ["https://www.upwork.com/jobs/~01aa000000000000001?source=rss", "https://x.test/j/1"]
        ):
            connection.execute(
                text(
                    "INSERT INTO job (source, external_id, url, title, description, skills,"
                    " content_hash, raw, first_seen_at) VALUES ('old', :id, :url, 't', 'd', '[]',"
                    " :hash, '{}', '2026-01-01 00:00:00')"
                ),
                {"id": f"old-{number}", "url": link, "hash": f"h{number}"},
            )
    db.upgrade(url)
    with db.get_engine(url).connect() as connection:
        keys = connection.execute(text("SELECT canonical_key FROM job ORDER BY id")).scalars()
        assert list(keys) == ["upwork:~01aa000000000000001", "url:x.test/j/1"]


def test_a_database_at_head_is_not_migrated_again(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every flow run and app start calls upgrade; at head it must cost one query, not a run of
    # alembic loading every migration script.
    ran: list[str] = []
    monkeypatch.setattr(command, "upgrade", lambda _config, revision: ran.append(revision))

    db.upgrade(sqlite_url)
    assert ran == []
    with db.get_engine(sqlite_url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0008'"))
    db.upgrade(sqlite_url)
    assert ran == ["head"]  # one revision behind: alembic runs
