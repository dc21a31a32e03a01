"""A count keeps how many residents could take part, the turnout's denominator

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 16:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: counts made before this revision did not keep the figure, and pages then work it out.
    with op.batch_alter_table("count_results") as batch_op:
        batch_op.add_column(sa.Column("eligible_residents", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("count_results") as batch_op:
        batch_op.drop_column("eligible_residents")
