"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bidflow.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bidder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('skills', bidflow.types.JSONType, nullable=False),
    sa.Column('hourly_rate', sa.Float(), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ruleset', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('profile', bidflow.types.JSONType, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('data', bidflow.types.JSONType, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_at', ['at'], unique=False)
        batch_op.create_index('ix_event_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('job',
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('skills', bidflow.types.JSONType, nullable=False),
    sa.Column('job_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('budget', sa.Float(), nullable=True),
    sa.Column('hourly_min', sa.Float(), nullable=True),
    sa.Column('hourly_max', sa.Float(), nullable=True),
    sa.Column('experience_level', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('posted_at', bidflow.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('proposals_bucket', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('proposals_count', sa.Integer(), nullable=True),
    sa.Column('interviewing', sa.Integer(), nullable=True),
    sa.Column('invites_sent', sa.Integer(), nullable=True),
    sa.Column('client_payment_verified', sa.Boolean(), nullable=True),
    sa.Column('client_country', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('client_timezone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('client_total_spent', sa.Float(), nullable=True),
    sa.Column('client_hires', sa.Integer(), nullable=True),
    sa.Column('client_jobs_posted', sa.Integer(), nullable=True),
    sa.Column('client_feedback', sa.Float(), nullable=True),
    sa.Column('client_reviews', sa.Integer(), nullable=True),
    sa.Column('client_member_since', bidflow.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('raw', bidflow.types.JSONType, nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_seen_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('content_hash', name='uq_job_content_hash'),
    sa.UniqueConstraint('source', 'external_id', name='uq_job_source_external_id')
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_posted_at', ['posted_at'], unique=False)

    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('ruleset', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('routed', sa.Boolean(), nullable=False),
    sa.Column('reasons', bidflow.types.JSONType, nullable=False),
    sa.Column('decided_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bidder_id'], ['bidder.id'], ),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job_id', 'bidder_id', name='uq_decision_job_bidder')
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_bidder_id'), ['bidder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_job_id'), ['job_id'], unique=False)

    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('draft_text', sa.Text(), nullable=False),
    sa.Column('final_text', sa.Text(), nullable=True),
    sa.Column('template_variant', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('model', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('tokens_in', sa.Integer(), nullable=False),
    sa.Column('tokens_out', sa.Integer(), nullable=False),
    sa.Column('tokens_cached', sa.Integer(), nullable=False),
    sa.Column('cost_usd', sa.Float(), nullable=False),
    sa.Column('flags', bidflow.types.JSONType, nullable=False),
    sa.Column('reviewer', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('reject_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('bid_amount', sa.Float(), nullable=True),
    sa.Column('connects', sa.Integer(), nullable=True),
    sa.Column('created_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', bidflow.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bidder_id'], ['bidder.id'], ),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job_id', name='uq_proposal_job')
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_bidder_id'), ['bidder_id'], unique=False)
        batch_op.create_index('ix_proposal_status', ['status'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bidder_id'], ['bidder.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('followup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('due_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('draft_text', sa.Text(), nullable=True),
    sa.Column('created_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('proposal_id', 'sequence', name='uq_followup_seq')
    )
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('sender', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'external_id', name='uq_message_source_id')
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', bidflow.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', bidflow.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )


def downgrade() -> None:
    op.drop_table('alert')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_proposal_id'))

    op.drop_table('message')
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_proposal_id'))

    op.drop_table('followup')
    op.drop_table('user')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_status')
        batch_op.drop_index(batch_op.f('ix_proposal_bidder_id'))

    op.drop_table('proposal')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_job_id'))
        batch_op.drop_index(batch_op.f('ix_decision_bidder_id'))

    op.drop_table('decision')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_posted_at')

    op.drop_table('job')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_entity')
        batch_op.drop_index('ix_event_at')

    op.drop_table('event')
    op.drop_table('bidder')
