"""A client's language: mail to its users who chose no language of their own is written in it.

``clients.locale`` (en, nl or fr, or none for the default language) is a nullable column: the upgrade
adds it in place (ALTER TABLE ... ADD COLUMN, on SQLite too) and the downgrade drops it in place.
Copying ``clients`` instead would drop the table every other table refers to, with foreign keys on.

Revision ID: 0009_client_language
Revises: 0008_reason_codes
Create Date: 2026-11-27 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0009_client_language'
down_revision = '0008_reason_codes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column without a server default: batch mode adds it in place on SQLite, no copy.
    with op.batch_alter_table('clients', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))


def downgrade() -> None:
    # In place (SQLite 3.35+ drops a column without copying the table): see the module's docstring.
    with op.batch_alter_table('clients', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('locale')
