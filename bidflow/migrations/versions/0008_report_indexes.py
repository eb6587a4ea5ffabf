"""indexes for the weekly report: each proposal's history by entity, and triage by time

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The report reads every event of the week's proposals; with the time and the action in
    # the index it needs no table row for them (several times faster on a large log).
    op.create_index('ix_event_entity_history', 'event', ['entity', 'entity_id', 'at', 'action'], unique=False)
    op.create_index('ix_decision_decided_at', 'decision', ['decided_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_decision_decided_at', table_name='decision')
    op.drop_index('ix_event_entity_history', table_name='event')
