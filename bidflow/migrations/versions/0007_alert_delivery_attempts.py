"""alert delivery across notifier runs: attempts, next attempt, last error, claims, digests

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bidflow.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', bidflow.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', bidflow.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('digest', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Alerts already held for quiet hours go out in their recipient's digest, as before.
    op.execute("UPDATE alert SET digest = true WHERE status = 'held'")


def downgrade() -> None:
    # Rows mid-delivery go back to waiting: the columns that describe their claim are dropped.
    op.execute(
        "UPDATE alert SET status = CASE WHEN digest THEN 'held' ELSE 'pending' END"
        " WHERE status = 'sending'"
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_column('digest')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('last_error')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
