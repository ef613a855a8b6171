"""Attachments on support tickets, and an index for the desk's date filter and sort.

Creates ``ticket_attachments``: one row per file attached to a ticket (screenshot, PDF, plain text) with
its original file name, the content type checked from its bytes, size, sha256, the blob's path under the
data directory (``blob_path``: ``attachment/ab/cd/<sha256><suffix>``), who uploaded it and when, and
whether it is internal (agents only). Rows belong to the ticket's client (``client_id``) and go with
the ticket (``ON DELETE CASCADE``). Adds two indexes on ``tickets`` for the ticket list:
``ix_tickets_reported_at`` (``reported_at``, ``id``: the ``from``/``to`` filter and the sort by report time
across clients) and ``ix_tickets_agent_open_breach`` (``assigned_to_id``, ``is_open``, ``nearest_breach``,
``id``: ``agent=me``, ``agent=<id>`` and ``agent=none`` in breach order).
The downgrade drops the indexes and the table (the blobs stay on disk: the orphan sweep removes them).

Revision ID: 0017_ticket_attachments
Revises: 0016_list_search
Create Date: 2026-11-27 19:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0017_ticket_attachments'
down_revision = '0016_list_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('blob_path', sa.String(length=500), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('internal', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_ticket_attachments_client_id_clients'),
            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_attachments_ticket_id_tickets'),
            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
            name=op.f('fk_ticket_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_attachments'))
    )
    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_attachments_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_attachments_ticket_id'), ['ticket_id'], unique=False)
    with op.batch_alter_table('tickets', schema=None, recreate='never') as batch_op:
        batch_op.create_index('ix_tickets_reported_at', ['reported_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_agent_open_breach', ['assigned_to_id', 'is_open', 'nearest_breach', 'id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_tickets_agent_open_breach')
        batch_op.drop_index('ix_tickets_reported_at')
    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_attachments_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_attachments_client_id'))
    op.drop_table('ticket_attachments')
