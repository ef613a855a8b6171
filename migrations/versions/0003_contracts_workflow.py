"""Lease contracts, fine events, and the workflow and deadline columns of fines.

Revision ID: 0003_contracts_workflow
Revises: 0002_fine_intake
Create Date: 2026-11-20 23:58:10.526019

"""
import sqlalchemy as sa
from alembic import op

revision = '0003_contracts_workflow'
down_revision = '0002_fine_intake'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_number', sa.String(length=64), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('plate_country', sa.String(length=2), nullable=False),
    sa.Column('driver_name', sa.String(length=200), nullable=True),
    sa.Column('driver_email', sa.String(length=254), nullable=True),
    sa.Column('driver_address', sa.String(length=500), nullable=True),
    sa.Column('vehicle', sa.String(length=200), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('instruction', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('personal_data_erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("instruction IN ('redirect', 'recharge')", name=op.f('ck_contracts_instruction_is_known')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_contracts_period_is_ordered')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_contracts_client_id_clients'),
            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('client_id', 'contract_number', name='uq_contracts_client_id_contract_number')
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_contracts_client_id_plate_start_date', ['client_id', 'plate', 'start_date'],
                unique=False)

    op.create_table('fine_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fine_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('from_state', sa.String(length=24), nullable=True),
    sa.Column('to_state', sa.String(length=24), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_fine_events_client_id_clients'),
            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['fine_id'], ['fines.id'], name=op.f('fk_fine_events_fine_id_fines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fine_events'))
    )
    with op.batch_alter_table('fine_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fine_events_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fine_events_fine_id'), ['fine_id'], unique=False)

    with op.batch_alter_table('fines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('match_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('complete_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('payment_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('designation_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('cutoff', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('personal_data_erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_fines_client_id_state_cutoff', ['client_id', 'state', 'cutoff'], unique=False)
        batch_op.create_index(batch_op.f('ix_fines_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index('ix_fines_state_cutoff', ['state', 'cutoff'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_fines_contract_id_contracts'), 'contracts', ['contract_id'], ['id'],
                ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('fines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_fines_contract_id_contracts'), type_='foreignkey')
        batch_op.drop_index('ix_fines_state_cutoff')
        batch_op.drop_index(batch_op.f('ix_fines_contract_id'))
        batch_op.drop_index('ix_fines_client_id_state_cutoff')
        batch_op.drop_column('personal_data_erased_at')
        batch_op.drop_column('cutoff')
        batch_op.drop_column('deadline')
        batch_op.drop_column('designation_due')
        batch_op.drop_column('payment_due')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('outcome')
        batch_op.drop_column('processed_at')
        batch_op.drop_column('complete_at')
        batch_op.drop_column('match_reason')
        batch_op.drop_column('contract_id')

    with op.batch_alter_table('fine_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fine_events_fine_id'))
        batch_op.drop_index(batch_op.f('ix_fine_events_client_id'))

    op.drop_table('fine_events')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index('ix_contracts_client_id_plate_start_date')
        batch_op.drop_index(batch_op.f('ix_contracts_client_id'))

    op.drop_table('contracts')
