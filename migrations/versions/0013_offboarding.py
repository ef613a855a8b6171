"""Off-boarding: the client's off-boarding record and the purge certificate.

Adds ``client_offboardings`` (one row per client being off-boarded: when it started, which starts
the grace period before a purge, and when it was last exported; it belongs to the client and is
purged with it) and ``purge_certificates`` (what a purge removed, counted per table, blobs and their
bytes, when, by whom as ``user:<id>`` or ``cli:<login>``, and the date the last backup holding the
data expires; no personal data and no foreign key, so it outlives the client). Nothing else
changes; the downgrade drops both tables.

Revision ID: 0013_offboarding
Revises: 0012_client_life
Create Date: 2026-11-27 16:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0013_offboarding'
down_revision = '0012_client_life'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('client_offboardings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.String(length=254), nullable=False),
    sa.Column('exported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('exported_by', sa.String(length=254), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_client_offboardings_client_id_clients'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_offboardings')),
    sa.UniqueConstraint('client_id', name=op.f('uq_client_offboardings_client_id'))
    )
    with op.batch_alter_table('client_offboardings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_offboardings_client_id'), ['client_id'], unique=False)

    op.create_table('purge_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_code', sa.String(length=32), nullable=False),
    sa.Column('offboarding_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('exported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('purged_by', sa.String(length=64), nullable=False),
    sa.Column('forced', sa.Boolean(), nullable=False),
    sa.Column('rows_removed', sa.JSON(), nullable=False),
    sa.Column('blobs_removed', sa.Integer(), nullable=False),
    sa.Column('blob_bytes_removed', sa.BigInteger(), nullable=False),
    sa.Column('backups_expire_on', sa.Date(), nullable=True),
    sa.Column('schema_revision', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purge_certificates'))
    )
    with op.batch_alter_table('purge_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purge_certificates_client_code'), ['client_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('purge_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purge_certificates_client_code'))
    op.drop_table('purge_certificates')
    with op.batch_alter_table('client_offboardings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_offboardings_client_id'))
    op.drop_table('client_offboardings')
