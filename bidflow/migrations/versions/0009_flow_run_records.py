"""flow run records: each flow run's outcome, summary line and failures in a row

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bidflow.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('flowrunrecord',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flow', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('run_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('started_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('failures_in_row', sa.Integer(), nullable=False),
    sa.Column('failing_since', bidflow.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id')
    )
    # Each flow's newest rows: the last run for `bidflow status`, the streak, pruning.
    op.create_index('ix_flowrunrecord_flow_id', 'flowrunrecord', ['flow', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_flowrunrecord_flow_id', table_name='flowrunrecord')
    op.drop_table('flowrunrecord')
