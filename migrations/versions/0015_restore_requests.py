"""Restore requests at the support desk: a ticket's kind and what a restore request asks for.

Adds to ``tickets``: ``kind`` (``incident``, the default every existing ticket gets, or ``restore``),
``restore_what`` (fines, contracts, file, everything), ``restore_point`` (the moment the data should be
restored to), ``restore_source`` (the backup tier chosen) and ``restore_workdays`` (that tier's restore
target). Nothing else changes; the restore events (``choice_asked``, ``choice_given``,
``restore_done``) live in ``ticket_events`` like every other. The downgrade drops the five columns.

Revision ID: 0015_restore_requests
Revises: 0014_privacy
Create Date: 2026-11-27 16:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015_restore_requests'
down_revision = '0014_privacy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='incident', nullable=False))
        batch_op.add_column(sa.Column('restore_what', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('restore_point', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('restore_source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('restore_workdays', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('restore_workdays')
        batch_op.drop_column('restore_source')
        batch_op.drop_column('restore_point')
        batch_op.drop_column('restore_what')
        batch_op.drop_column('kind')
