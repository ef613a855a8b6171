"""Assistance: covers and their vehicles, cases with their deadlines, providers, assignments, invoices.

New tables only (nothing existing changes): ``assistance_covers`` (a client's policies) with
``assistance_cover_vehicles`` (plates or contracts), ``assistance_cases`` (the stored verdict as codes,
``nearest_due`` for the agents' queue, indexed with the state; ``(client_id, plate)`` for matching),
``assistance_case_deadlines`` (indexed by met/due for the breached-deadlines gauge),
``assistance_providers`` (operator-wide), ``assistance_assignments`` and ``assistance_invoices``.
The downgrade drops them in reverse order.

Revision ID: 0011_assistance
Revises: 0010_fine_original
Create Date: 2026-11-27 15:36:46.193968

"""
import sqlalchemy as sa
from alembic import op

revision = '0011_assistance'
down_revision = '0010_fine_original'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assistance_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_providers')),
    sa.UniqueConstraint('name', name='uq_assistance_providers_name')
    )
    op.create_table('assistance_covers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=32), nullable=False),
    sa.Column('formula', sa.String(length=16), nullable=True),
    sa.Column('upgrade', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('policy_number', sa.String(length=64), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('premium_paid_on', sa.Date(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date',
            name=op.f('ck_assistance_covers_period_is_ordered')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_assistance_covers_client_id_clients'),
            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_covers')),
    sa.UniqueConstraint('client_id', 'policy_number', name='uq_assistance_covers_client_id_policy_number')
    )
    with op.batch_alter_table('assistance_covers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistance_covers_client_id'), ['client_id'], unique=False)

    op.create_table('assistance_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('registered', sa.String(length=2), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('cover_id', sa.Integer(), nullable=True),
    sa.Column('match_reason', sa.JSON(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('country', sa.String(length=6), nullable=False),
    sa.Column('cause', sa.String(length=16), nullable=False),
    sa.Column('assistance_called_at_once', sa.Boolean(), nullable=False),
    sa.Column('police_tow', sa.Boolean(), nullable=False),
    sa.Column('helper_arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('immobilised_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('repairable_within_3_workdays', sa.Boolean(), nullable=True),
    sa.Column('exclusions', sa.JSON(), nullable=False),
    sa.Column('trip_started', sa.Date(), nullable=True),
    sa.Column('max_mass_kg', sa.Integer(), nullable=True),
    sa.Column('body', sa.String(length=16), nullable=False),
    sa.Column('passengers', sa.Integer(), server_default='1', nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('covered', sa.Boolean(), nullable=True),
    sa.Column('verdict', sa.JSON(), nullable=True),
    sa.Column('replacement_start', sa.Date(), nullable=True),
    sa.Column('replacement_returned', sa.Date(), nullable=True),
    sa.Column('nearest_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("cause IN ('breakdown', 'accident', 'vandalism', 'theft', 'fire')",
            name=op.f('ck_assistance_cases_cause_is_known')),
    sa.CheckConstraint("state IN ('open', 'closed')", name=op.f('ck_assistance_cases_state_is_known')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_assistance_cases_client_id_clients'),
            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_assistance_cases_contract_id_contracts'),
            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cover_id'], ['assistance_covers.id'],
            name=op.f('fk_assistance_cases_cover_id_assistance_covers'),
            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_assistance_cases_opened_by_id_users'),
            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_cases'))
    )
    with op.batch_alter_table('assistance_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistance_cases_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_assistance_cases_client_id_at', ['client_id', 'at'], unique=False)
        batch_op.create_index('ix_assistance_cases_client_id_plate', ['client_id', 'plate'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistance_cases_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistance_cases_cover_id'), ['cover_id'], unique=False)
        batch_op.create_index('ix_assistance_cases_state_nearest_due', ['state', 'nearest_due', 'id'], unique=False)

    op.create_table('assistance_cover_vehicles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cover_id', sa.Integer(), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=True),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('plate IS NOT NULL OR contract_id IS NOT NULL',
            name=op.f('ck_assistance_cover_vehicles_names_a_vehicle')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_assistance_cover_vehicles_client_id_clients'),
            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'],
            name=op.f('fk_assistance_cover_vehicles_contract_id_contracts'),
            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cover_id'], ['assistance_covers.id'],
            name=op.f('fk_assistance_cover_vehicles_cover_id_assistance_covers'),
            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_cover_vehicles'))
    )
    with op.batch_alter_table('assistance_cover_vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistance_cover_vehicles_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_assistance_cover_vehicles_client_id_plate', ['client_id', 'plate'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistance_cover_vehicles_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistance_cover_vehicles_cover_id'), ['cover_id'], unique=False)

    op.create_table('assistance_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('customer_proposed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contacted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appointment_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('photos_arrival', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('photos_after', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('mandate_signed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['assistance_cases.id'],
            name=op.f('fk_assistance_assignments_case_id_assistance_cases'),
            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_assistance_assignments_client_id_clients'),
            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['provider_id'], ['assistance_providers.id'],
            name=op.f('fk_assistance_assignments_provider_id_assistance_providers'),
            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_assignments'))
    )
    with op.batch_alter_table('assistance_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistance_assignments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistance_assignments_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_assistance_assignments_provider_id_accepted_at',
                                  ['provider_id', 'accepted_at'], unique=False)

    op.create_table('assistance_invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('issuer_kind', sa.String(length=8), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('checked', sa.JSON(), nullable=False),
    sa.Column('accepted_cents', sa.Integer(), nullable=False),
    sa.Column('refused_cents', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("issuer_kind IN ('insurer', 'provider')",
            name=op.f('ck_assistance_invoices_issuer_kind_is_known')),
    sa.ForeignKeyConstraint(['case_id'], ['assistance_cases.id'],
            name=op.f('fk_assistance_invoices_case_id_assistance_cases'),
            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_assistance_invoices_checked_by_id_users'),
            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_assistance_invoices_client_id_clients'),
            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['provider_id'], ['assistance_providers.id'],
            name=op.f('fk_assistance_invoices_provider_id_assistance_providers'),
            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_invoices'))
    )
    with op.batch_alter_table('assistance_invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistance_invoices_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistance_invoices_client_id'), ['client_id'], unique=False)

    op.create_table('assistance_case_deadlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('met_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assistance_assignments.id'],
            name=op.f('fk_assistance_case_deadlines_assignment_id_assistance_assignments'),
            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['assistance_cases.id'],
            name=op.f('fk_assistance_case_deadlines_case_id_assistance_cases'),
            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_assistance_case_deadlines_client_id_clients'),
            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_case_deadlines'))
    )
    with op.batch_alter_table('assistance_case_deadlines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistance_case_deadlines_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistance_case_deadlines_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistance_case_deadlines_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_assistance_case_deadlines_met_at_due_at', ['met_at', 'due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('assistance_case_deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_assistance_case_deadlines_met_at_due_at')
        batch_op.drop_index(batch_op.f('ix_assistance_case_deadlines_client_id'))
        batch_op.drop_index(batch_op.f('ix_assistance_case_deadlines_case_id'))
        batch_op.drop_index(batch_op.f('ix_assistance_case_deadlines_assignment_id'))

    op.drop_table('assistance_case_deadlines')
    with op.batch_alter_table('assistance_invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistance_invoices_client_id'))
        batch_op.drop_index(batch_op.f('ix_assistance_invoices_case_id'))

    op.drop_table('assistance_invoices')
    with op.batch_alter_table('assistance_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assistance_assignments_provider_id_accepted_at')
        batch_op.drop_index(batch_op.f('ix_assistance_assignments_client_id'))
        batch_op.drop_index(batch_op.f('ix_assistance_assignments_case_id'))

    op.drop_table('assistance_assignments')
    with op.batch_alter_table('assistance_cover_vehicles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistance_cover_vehicles_cover_id'))
        batch_op.drop_index(batch_op.f('ix_assistance_cover_vehicles_contract_id'))
        batch_op.drop_index('ix_assistance_cover_vehicles_client_id_plate')
        batch_op.drop_index(batch_op.f('ix_assistance_cover_vehicles_client_id'))

    op.drop_table('assistance_cover_vehicles')
    with op.batch_alter_table('assistance_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_assistance_cases_state_nearest_due')
        batch_op.drop_index(batch_op.f('ix_assistance_cases_cover_id'))
        batch_op.drop_index(batch_op.f('ix_assistance_cases_contract_id'))
        batch_op.drop_index('ix_assistance_cases_client_id_plate')
        batch_op.drop_index('ix_assistance_cases_client_id_at')
        batch_op.drop_index(batch_op.f('ix_assistance_cases_client_id'))

    op.drop_table('assistance_cases')
    with op.batch_alter_table('assistance_covers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistance_covers_client_id'))

    op.drop_table('assistance_covers')
    op.drop_table('assistance_providers')
