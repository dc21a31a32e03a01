"""The order of the projects on a round's online ballot

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # Rounds whose voting has opened keep the order their voters saw: by title, the same for everyone.
    with op.batch_alter_table("rounds") as batch_op:
        batch_op.add_column(sa.Column("ballot_order", sa.String(length=16), nullable=False, server_default="random"))
        batch_op.create_check_constraint("ballot_order", "ballot_order IN ('random', 'fixed')")
    op.execute("UPDATE rounds SET ballot_order = 'fixed' WHERE phase IN ('voting_open', 'voting_closed', "
               "'results_published')")


def downgrade():
    with op.batch_alter_table("rounds") as batch_op:
        batch_op.drop_constraint(op.f("ck_rounds_ballot_order"), type_="check")
        batch_op.drop_column("ballot_order")
