"""Probe samples: every check of every probe target, for the response-time chart on the uptime page.

Creates ``probe_samples`` (``target``, ``at``, ``ok``, ``response_ms``: None when no answer came),
indexed on (``target``, ``at``) for the chart's buckets and on ``at`` for the uptime job's pruning after
90 days. Nothing else changes. The downgrade drops the table and its indexes.

Revision ID: 0018_probe_samples
Revises: 0017_ticket_attachments
Create Date: 2026-11-27 19:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0018_probe_samples'
down_revision = '0017_ticket_attachments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('probe_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('response_ms', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_probe_samples'))
    )
    with op.batch_alter_table('probe_samples', schema=None) as batch_op:
        batch_op.create_index('ix_probe_samples_target_at', ['target', 'at'], unique=False)
        batch_op.create_index('ix_probe_samples_at', ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('probe_samples', schema=None) as batch_op:
        batch_op.drop_index('ix_probe_samples_at')
        batch_op.drop_index('ix_probe_samples_target_at')
    op.drop_table('probe_samples')
