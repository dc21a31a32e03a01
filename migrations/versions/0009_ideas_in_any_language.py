"""Ideas in any language: the language an idea was written in, and staff's English summary of it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 02:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs, which SQLite does in place.
    op.add_column("proposals", sa.Column("language", sa.String(length=8), nullable=True))
    op.add_column("proposals", sa.Column("english_summary", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("proposals") as batch:
        batch.drop_column("english_summary")
        batch.drop_column("language")
