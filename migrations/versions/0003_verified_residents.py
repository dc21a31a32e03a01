"""Verified residents: how each resident is known, resident lists, letters, suspicious registrations

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "resident_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_resident_lists_uploaded_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_lists")),
    )
    op.create_table(
        "resident_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("identity_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["resident_lists.id"],
                                name=op.f("fk_resident_list_entries_list_id_resident_lists"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_list_entries")),
        sa.UniqueConstraint("list_id", "identity_hash", name="uq_resident_list_entries_list_hash"),
    )
    with op.batch_alter_table("resident_list_entries") as batch_op:
        batch_op.create_index("ix_resident_list_entries_identity_hash", ["identity_hash"], unique=False)

    op.create_table(
        "verification_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("printed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("printed_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_verification_letters_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["printed_by_id"], ["users.id"],
                                name=op.f("fk_verification_letters_printed_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["sent_by_id"], ["users.id"], name=op.f("fk_verification_letters_sent_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_letters")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_verification_letters_code_hash")),
    )
    with op.batch_alter_table("verification_letters") as batch_op:
        batch_op.create_index("ix_verification_letters_user_id", ["user_id"], unique=False)

    op.create_table(
        "suspicion_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("group_key", sa.String(length=200), nullable=False),
        sa.Column("members", sa.Text(), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["checked_by_id"], ["users.id"], name=op.f("fk_suspicion_reviews_checked_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspicion_reviews")),
        sa.UniqueConstraint("kind", "group_key", name="uq_suspicion_reviews_kind_group"),
    )
    op.create_table(
        "site_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_settings")),
    )

    # Residents registered before this revision are self-declared: nothing recorded says how they were checked.
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("verification", sa.String(length=16), nullable=False,
                                      server_default="self-declared"))
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("verified_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("verification_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("verified_list_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("verification_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("address_line", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("network_key", sa.String(length=64), nullable=True))
        batch_op.create_check_constraint("verification", "verification IN ('self-declared', 'staff', 'list', 'letter')")
        batch_op.create_foreign_key(op.f("fk_users_verified_by_id_users"), "users", ["verified_by_id"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_foreign_key("fk_users_verified_list_id_resident_lists", "resident_lists",
                                    ["verified_list_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index("ix_users_verification", ["verification"], unique=False)
        batch_op.create_index(op.f("ix_users_network_key"), ["network_key"], unique=False)

    # Verified residents only, as for new rounds; but a round whose voting has opened keeps the
    # rules it opened with (anyone eligible): its rules are locked from then on.
    with op.batch_alter_table("rounds") as batch_op:
        batch_op.add_column(sa.Column("verified_only", sa.Boolean(), nullable=False, server_default="1"))
    rounds = sa.table("rounds", sa.column("phase", sa.String), sa.column("verified_only", sa.Boolean))
    op.execute(rounds.update()
               .where(rounds.c.phase.in_(("voting_open", "voting_closed", "results_published")))
               .values(verified_only=False))

    with op.batch_alter_table("voter_roll") as batch_op:
        batch_op.add_column(sa.Column("verification", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            "verification",
            "verification IS NULL OR verification IN ('staff', 'list', 'letter', 'self-declared', 'code', 'paper')",
        )


def downgrade():
    with op.batch_alter_table("voter_roll") as batch_op:
        batch_op.drop_constraint(op.f("ck_voter_roll_verification"), type_="check")
        batch_op.drop_column("verification")
    with op.batch_alter_table("rounds") as batch_op:
        batch_op.drop_column("verified_only")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_index(op.f("ix_users_network_key"))
        batch_op.drop_index("ix_users_verification")
        batch_op.drop_constraint("fk_users_verified_list_id_resident_lists", type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_users_verified_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(op.f("ck_users_verification"), type_="check")
        for column in ("network_key", "address_line", "verification_requested_at", "verified_list_id",
                       "verification_note", "verified_by_id", "verified_at", "verification"):
            batch_op.drop_column(column)
    op.drop_table("site_settings")
    op.drop_table("suspicion_reviews")
    with op.batch_alter_table("verification_letters") as batch_op:
        batch_op.drop_index("ix_verification_letters_user_id")
    op.drop_table("verification_letters")
    with op.batch_alter_table("resident_list_entries") as batch_op:
        batch_op.drop_index("ix_resident_list_entries_identity_hash")
    op.drop_table("resident_list_entries")
    op.drop_table("resident_lists")
