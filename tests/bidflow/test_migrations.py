"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlmodel import SQLModel

from bidflow import db
from bidflow.cli import cli
from bidflow.cli import commands as _commands  # noqa: F401  (registers the subcommands)


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    with db.get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    assert db.current_revision(database_url) == "0001"


def test_db_upgrade_command_creates_the_database(bidflow_home: object) -> None:
    runner = CliRunner()
    upgraded = runner.invoke(cli, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.output.strip().endswith("at revision 0001")
    assert runner.invoke(cli, ["db", "current"]).output.strip() == "0001"
