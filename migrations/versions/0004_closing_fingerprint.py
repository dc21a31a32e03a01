"""The fingerprint of a round's ballots file when voting closed

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # Empty for rounds closed before this revision: pb did not take the fingerprint then.
    with op.batch_alter_table("rounds") as batch_op:
        batch_op.add_column(sa.Column("closing_ballots_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("closing_ballot_count", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("rounds") as batch_op:
        batch_op.drop_column("closing_ballot_count")
        batch_op.drop_column("closing_ballots_sha256")
