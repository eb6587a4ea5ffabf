"""Alembic environment: runs migrations on the engine bidflow already built for the URL."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import bidflow.models  # noqa: F401  (registers every table on SQLModel.metadata)
from bidflow.db import get_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    engine = config.attributes.get("engine") or get_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations()
