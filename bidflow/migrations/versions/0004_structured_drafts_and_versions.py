"""structured draft fields and proposal versions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bidflow.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screening_answers', bidflow.types.JSONType, nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('client_questions', bidflow.types.JSONType, nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('suggested_bid', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('rationale', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    op.create_table('proposalversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('instruction', sa.Text(), nullable=True),
    sa.Column('model', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('flags', bidflow.types.JSONType, nullable=False),
    sa.Column('created_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('proposal_id', 'version', name='uq_version_proposal')
    )
    with op.batch_alter_table('proposalversion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposalversion_proposal_id'), ['proposal_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('proposalversion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposalversion_proposal_id'))
    op.drop_table('proposalversion')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('rationale')
        batch_op.drop_column('suggested_bid')
        batch_op.drop_column('client_questions')
        batch_op.drop_column('screening_answers')
