"""The migrations build exactly the schema the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from pb.extensions import db

EXPECTED_TABLES = {
    "users", "rounds", "proposals", "voter_roll", "ballots", "voting_codes",
    "paper_entries", "count_results", "audit_events", "alembic_version",
    "resident_lists", "resident_list_entries", "verification_letters", "suspicion_reviews", "site_settings",
}


def test_upgrade_on_empty_database_matches_models(app_ctx):
    # The session fixture ran `flask db upgrade` on an empty database.
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_upgrade_creates_exactly_the_domain_tables(app_ctx):
    tables = set(inspect(db.engine).get_table_names())
    assert tables == EXPECTED_TABLES


def test_voter_roll_has_unique_round_user(app_ctx):
    uniques = inspect(db.engine).get_unique_constraints("voter_roll")
    assert any(sorted(u["column_names"]) == ["round_id", "user_id"] for u in uniques)


def test_ballot_table_has_no_identity_columns(app_ctx):
    columns = {c["name"] for c in inspect(db.engine).get_columns("ballots")}
    assert columns == {"key", "round_id", "ranking", "receipt", "nonce"}
