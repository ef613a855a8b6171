"""A fine that arrived as a picture keeps it: ``fines.original_path``.

A photo, scan or fax sent as JPEG, PNG, TIFF or HEIC is read through a PDF made of it, which becomes
the fine's document (``pdf_path``); the picture as it arrived stays beside it, its blob named by
``original_path`` (none for a fine that arrived as a PDF). A nullable column, added and dropped in
place (no copy of ``fines``, which other tables refer to).

Revision ID: 0010_fine_original
Revises: 0009_client_language
Create Date: 2026-11-27 15:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0010_fine_original'
down_revision = '0009_client_language'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fines', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('original_path', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fines', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('original_path')
