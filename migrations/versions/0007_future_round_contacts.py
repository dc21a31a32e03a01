"""People who could not take part when they tried to register and asked to hear about future rounds

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "future_round_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name=op.f("ck_future_round_contacts_email_or_phone")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_future_round_contacts")),
    )


def downgrade():
    op.drop_table("future_round_contacts")
