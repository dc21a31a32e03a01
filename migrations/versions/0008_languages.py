"""Languages: each resident's own, and staff's translations of rounds' and projects' text

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, which SQLite does in place: the users table is not rebuilt.
    op.add_column("users", sa.Column("language", sa.String(length=8), nullable=True))
    op.create_table(
        "content_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('round', 'proposal')", name=op.f("ck_content_translations_kind")),
        sa.CheckConstraint("status IN ('draft', 'approved')", name=op.f("ck_content_translations_status")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_content_translations_updated_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_translations")),
        sa.UniqueConstraint("kind", "object_id", "field", "language", name="uq_content_translations_text"),
    )


def downgrade():
    op.drop_table("content_translations")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
