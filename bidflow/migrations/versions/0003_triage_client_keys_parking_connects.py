"""client keys and job facts for triage, parked decisions, estimated Connects

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bidflow.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch_op.add_column(sa.Column('client_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('weekly_budget', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('job_hires', sa.Integer(), nullable=True))
    op.create_index('ix_job_client_key', 'job', ['client_key'], unique=False)
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parked_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('parked_at', bidflow.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('connects_estimate', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('connects_estimate')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_column('parked_at')
        batch_op.drop_column('parked_reason')
    op.drop_index('ix_job_client_key', table_name='job')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('job_hires')
        batch_op.drop_column('weekly_budget')
        batch_op.drop_column('client_name')
        batch_op.drop_column('client_key')
