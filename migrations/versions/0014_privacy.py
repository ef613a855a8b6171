"""Privacy: the data subjects' requests register and the restrictions of processing.

New tables only (nothing existing changes): ``privacy_requests`` (a client's data subject's request: kind,
person, optional contract, received and due days, state, identity check, extension and answer; indexed by
state and due day for the agents' list) and ``privacy_restrictions`` (a contract's driver's data kept but not
processed, from ``since`` until ``lifted_at``). The downgrade drops them in reverse order.

Revision ID: 0014_privacy
Revises: 0013_offboarding
Create Date: 2026-11-27 16:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014_privacy'
down_revision = '0013_offboarding'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('privacy_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('person', sa.String(length=200), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('identity_method', sa.String(length=500), nullable=True),
    sa.Column('identity_checked_by', sa.String(length=254), nullable=True),
    sa.Column('identity_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('extended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('access', 'rectification', 'erasure', 'restriction', 'portability', 'objection')",
            name=op.f('ck_privacy_requests_kind_is_known')),
    sa.CheckConstraint("state IN ('open', 'extended', 'answered', 'refused')",
            name=op.f('ck_privacy_requests_state_is_known')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_privacy_requests_client_id_clients'),
            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'],
            name=op.f('fk_privacy_requests_contract_id_contracts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_requests'))
    )
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_requests_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_requests_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index('ix_privacy_requests_state_due_on', ['state', 'due_on'], unique=False)

    op.create_table('privacy_restrictions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_privacy_restrictions_client_id_clients'),
            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'],
            name=op.f('fk_privacy_restrictions_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['privacy_requests.id'],
            name=op.f('fk_privacy_restrictions_request_id_privacy_requests'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_restrictions'))
    )
    with op.batch_alter_table('privacy_restrictions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_restrictions_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_restrictions_contract_id'), ['contract_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('privacy_restrictions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_restrictions_contract_id'))
        batch_op.drop_index(batch_op.f('ix_privacy_restrictions_client_id'))
    op.drop_table('privacy_restrictions')
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_privacy_requests_state_due_on')
        batch_op.drop_index(batch_op.f('ix_privacy_requests_contract_id'))
        batch_op.drop_index(batch_op.f('ix_privacy_requests_client_id'))
    op.drop_table('privacy_requests')
