"""Backup jobs: an admin runs a tier or verifies a backup from the backups page, in the background.

Adds the table ``backup_jobs``: what was asked (``kind`` run or verify, ``tier``, ``backup_id``), by whom
(``requested_by``, ``requested_by_id``) and when, how far it got (``state`` queued, running, done or
failed; ``step`` and ``progress`` in percent; ``started_at``, ``updated_at``, ``finished_at``) and why it
failed (``error_code``, ``error_detail``). A partial unique index, ``uq_backup_jobs_active_tier``, lets
the database refuse a second queued or running job for the same tier. The downgrade drops the table.

Revision ID: 0019_backup_jobs
Revises: 0018_probe_samples
Create Date: 2026-11-27 19:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0019_backup_jobs'
down_revision = '0018_probe_samples'
branch_labels = None
depends_on = None

ACTIVE = sa.text("state IN ('queued', 'running')")


def upgrade() -> None:
    op.create_table('backup_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('backup_id', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('step', sa.String(length=16), nullable=True),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=254), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_code', sa.String(length=32), nullable=True),
    sa.Column('error_detail', sa.String(length=500), nullable=True),
    sa.CheckConstraint("kind IN ('run', 'verify')", name=op.f('ck_backup_jobs_kind_is_known')),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_backup_jobs_state_is_known')),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_backup_jobs_progress_is_a_percentage')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_backup_jobs_requested_by_id_users'),
            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backup_jobs'))
    )
    with op.batch_alter_table('backup_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_backup_jobs_requested_at', ['requested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_backup_jobs_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index('uq_backup_jobs_active_tier', ['tier'], unique=True, sqlite_where=ACTIVE,
                              postgresql_where=ACTIVE)


def downgrade() -> None:
    with op.batch_alter_table('backup_jobs', schema=None) as batch_op:
        batch_op.drop_index('uq_backup_jobs_active_tier')
        batch_op.drop_index(batch_op.f('ix_backup_jobs_requested_by_id'))
        batch_op.drop_index('ix_backup_jobs_requested_at')
    op.drop_table('backup_jobs')
