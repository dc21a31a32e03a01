"""Short receipt codes, with the ballot's commitment published beside them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Ballots keep their random key and no row id on SQLite when the table is rebuilt.
BALLOTS_TABLE = {"sqlite_with_rowid": False}


def upgrade():
    # A ballot cast so far was given its commitment as its receipt: both columns hold it.
    with op.batch_alter_table("ballots", table_kwargs=BALLOTS_TABLE) as batch_op:
        batch_op.add_column(sa.Column("commitment", sa.String(length=64), nullable=True))
    op.execute("UPDATE ballots SET commitment = receipt")
    with op.batch_alter_table("ballots", table_kwargs=BALLOTS_TABLE) as batch_op:
        batch_op.alter_column("commitment", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_ballots_commitment"), ["commitment"])
    # Rounds whose voting has closed keep the ballots file their fingerprint was taken of.
    with op.batch_alter_table("rounds") as batch_op:
        batch_op.add_column(sa.Column("ballots_file_version", sa.Integer(), nullable=False, server_default="2"))
    op.execute("UPDATE rounds SET ballots_file_version = 1 WHERE phase IN ('voting_closed', 'results_published')")


def downgrade():
    with op.batch_alter_table("rounds") as batch_op:
        batch_op.drop_column("ballots_file_version")
    # Short codes cannot go back: the older schema only knows receipts that are commitments.
    op.execute("UPDATE ballots SET receipt = commitment")
    with op.batch_alter_table("ballots", table_kwargs=BALLOTS_TABLE) as batch_op:
        batch_op.drop_constraint(op.f("uq_ballots_commitment"), type_="unique")
        batch_op.drop_column("commitment")
