"""A client's life: suspension and the operator-client service contract (issue 18).

- ``clients.suspended_at`` and ``clients.suspension_reason``: set while an admin has suspended the
  client (AV 13.2, 14.3); both nullable without a server default, so batch mode adds them in place
  (ALTER TABLE ... ADD COLUMN, on SQLite too) and drops them in place: copying ``clients`` would drop
  the table every other table refers to, with foreign keys on.
- ``service_contracts``: one row per client with its start, initial term, notice period (at least 12
  months, a check constraint) and renewal term (AV 12.4-12.6); it goes with its client (cascade).

Held intake mail needs no column: ``intake_messages.status`` takes the value ``held`` with the reason
code ``client_suspended`` (the column has no check constraint).

Revision ID: 0012_client_life
Revises: 0011_assistance
Create Date: 2026-11-27 16:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012_client_life'
down_revision = '0011_assistance'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clients', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspension_reason', sa.String(length=500), nullable=True))

    op.create_table('service_contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('notice_months', sa.Integer(), server_default='12', nullable=False),
    sa.Column('renewal_months', sa.Integer(), server_default='12', nullable=False),
    sa.CheckConstraint('term_months >= 1', name=op.f('ck_service_contracts_term_is_positive')),
    sa.CheckConstraint('notice_months >= 12', name=op.f('ck_service_contracts_notice_is_twelve_months_or_more')),
    sa.CheckConstraint('renewal_months >= 1', name=op.f('ck_service_contracts_renewal_is_positive')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_service_contracts_client_id_clients'),
            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_contracts')),
    sa.UniqueConstraint('client_id', name=op.f('uq_service_contracts_client_id'))
    )


def downgrade() -> None:
    op.drop_table('service_contracts')
    # In place (SQLite 3.35+ drops a column without copying the table): see the module's docstring.
    with op.batch_alter_table('clients', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('suspension_reason')
        batch_op.drop_column('suspended_at')
