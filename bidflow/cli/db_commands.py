"""``bidflow db``: schema migrations."""

from __future__ import annotations

import click
from sqlalchemy.engine import make_url

from bidflow import db
from bidflow.settings import get_settings


@click.group(name="db")
def db_group() -> None:
    """Manage bidflow's database schema."""


@db_group.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the latest)."""
    url = get_settings().resolved_database_url
    db.upgrade(url, revision)
    shown = make_url(url).render_as_string(hide_password=True)
    click.echo(f"{shown}: at revision {db.current_revision(url)}")


@db_group.command()
def current() -> None:
    """Print the database's schema revision."""
    click.echo(db.current_revision(get_settings().resolved_database_url) or "empty database")


COMMANDS = (db_group,)
