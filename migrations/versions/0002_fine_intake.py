"""Fine intake: intake messages (raw e-mails) and fine documents with their read-out fields.

Revision ID: 0002_fine_intake
Revises: 0001_platform
Create Date: 2026-11-20 23:33:39.462889

"""
import sqlalchemy as sa
from alembic import op

revision = '0002_fine_intake'
down_revision = '0001_platform'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('intake_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=True),
    sa.Column('folder', sa.String(length=128), nullable=True),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('uid', sa.BigInteger(), nullable=True),
    sa.Column('message_key', sa.String(length=255), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=True),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=True),
    sa.Column('raw_path', sa.String(length=500), nullable=False),
    sa.Column('raw_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('refusals', sa.JSON(), nullable=False),
    sa.Column('replies_sent', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_intake_messages_client_id_clients'),
            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_messages')),
    sa.UniqueConstraint('account', 'folder', 'uidvalidity', 'uid', name='uq_intake_messages_imap_identity')
    )
    with op.batch_alter_table('intake_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_messages_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_messages_message_key'), ['message_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_messages_raw_sha256'), ['raw_sha256'], unique=False)
        batch_op.create_index('ix_intake_messages_status_received_at', ['status', 'received_at'], unique=False)

    op.create_table('fines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('message_key', sa.String(length=255), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('pdf_path', sa.String(length=500), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('ocr_pages', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('reason_code', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=True),
    sa.Column('issuer', sa.String(length=200), nullable=True),
    sa.Column('notice_number', sa.String(length=64), nullable=True),
    sa.Column('plate', sa.String(length=16), nullable=True),
    sa.Column('plate_country', sa.String(length=2), nullable=True),
    sa.Column('offence_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('letter_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('payment_reference', sa.String(length=32), nullable=True),
    sa.Column('addressee', sa.String(length=200), nullable=True),
    sa.Column('confidence', sa.JSON(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_fines_client_id_clients'),
            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['fines.id'], name=op.f('fk_fines_duplicate_of_id_fines'),
            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['intake_messages.id'], name=op.f('fk_fines_message_id_intake_messages'),
            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_fines_reviewed_by_id_users'),
            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fines')),
    sa.UniqueConstraint('message_key', 'pdf_sha256', name='uq_fines_message_attachment')
    )
    with op.batch_alter_table('fines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fines_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_fines_client_id_issuer_notice_number', ['client_id', 'issuer', 'notice_number'],
                unique=False)
        batch_op.create_index(batch_op.f('ix_fines_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fines_plate'), ['plate'], unique=False)
        batch_op.create_index('ix_fines_state_created_at', ['state', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('fines', schema=None) as batch_op:
        batch_op.drop_index('ix_fines_state_created_at')
        batch_op.drop_index(batch_op.f('ix_fines_plate'))
        batch_op.drop_index(batch_op.f('ix_fines_message_id'))
        batch_op.drop_index('ix_fines_client_id_issuer_notice_number')
        batch_op.drop_index(batch_op.f('ix_fines_client_id'))

    op.drop_table('fines')
    with op.batch_alter_table('intake_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_intake_messages_status_received_at')
        batch_op.drop_index(batch_op.f('ix_intake_messages_raw_sha256'))
        batch_op.drop_index(batch_op.f('ix_intake_messages_message_key'))
        batch_op.drop_index(batch_op.f('ix_intake_messages_client_id'))

    op.drop_table('intake_messages')
