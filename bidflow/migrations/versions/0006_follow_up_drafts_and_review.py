"""follow-up drafts under review: letter, flags, cost, reviewer, claim and send times

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bidflow.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('flags', bidflow.types.JSONType, nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('model', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
        batch_op.add_column(sa.Column('offline', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('tokens_in', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('tokens_out', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('tokens_cached', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('cost_usd', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('reviewer', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('reject_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', bidflow.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sent_at', bidflow.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('followup', schema=None) as batch_op:
        for column in (
            'sent_at', 'claimed_at', 'reject_reason', 'reviewer', 'cost_usd', 'tokens_cached',
            'tokens_out', 'tokens_in', 'offline', 'model', 'flags', 'final_text',
        ):
            batch_op.drop_column(column)
