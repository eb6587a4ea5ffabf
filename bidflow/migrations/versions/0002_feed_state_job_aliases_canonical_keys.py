"""feed state, job aliases, canonical keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bidflow.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sourcestate',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('cursor', bidflow.types.JSONType, nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('last_polled_at', bidflow.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', bidflow.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error_at', bidflow.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('last_fetched', sa.Integer(), nullable=False),
    sa.Column('last_new', sa.Integer(), nullable=False),
    sa.Column('total_new', sa.Integer(), nullable=False),
    sa.Column('newest_posted_at', bidflow.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('jobalias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('seen_at', bidflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'external_id', name='uq_alias_source_id')
    )
    with op.batch_alter_table('jobalias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobalias_job_id'), ['job_id'], unique=False)

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False, server_default='reply'))
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=False, server_default=''))
    op.add_column('job', sa.Column('canonical_key', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True))
    _backfill_canonical_keys()
    op.create_index('uq_job_canonical_key', 'job', ['canonical_key'], unique=True)


def _backfill_canonical_keys() -> None:
    # Jobs stored before this revision get their key now; where two old rows share one, the
    # older keeps it (the unique key would refuse the second).
    from bidflow.fingerprint import canonical_key

    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, url, external_id FROM job ORDER BY id"))
    taken: set[str] = set()
    for job_id, url, external_id in rows.fetchall():
        key = canonical_key(url, external_id)
        if key is not None and key not in taken:
            taken.add(key)
            connection.execute(
                sa.text("UPDATE job SET canonical_key = :key WHERE id = :id"),
                {"key": key, "id": job_id},
            )


def downgrade() -> None:
    op.drop_index('uq_job_canonical_key', table_name='job')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('canonical_key')

    with op.batch_alter_table('jobalias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobalias_job_id'))

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_column('text')
        batch_op.drop_column('kind')
    op.drop_table('jobalias')
    op.drop_table('sourcestate')
