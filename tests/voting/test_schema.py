"""Ballot secrecy in the schema: the ballot table cannot say who voted, or when, or be joined to the voter roll."""
from __future__ import annotations

from sqlalchemy import inspect

from pb.extensions import db

# Words (between underscores) a column about the voter, their address or the time would carry.
FORBIDDEN = {"user", "voter", "resident", "person", "ip", "address", "addr", "host", "time", "timestamp", "date",
             "created", "updated", "cast", "at", "on", "session", "agent", "staff", "entered", "channel", "seq",
             "sequence", "order", "id"}


def test_ballot_table_has_no_user_ip_or_time_column(app_ctx):
    inspector = inspect(db.engine)
    columns = {c["name"]: c for c in inspector.get_columns("ballots")}
    assert set(columns) == {"key", "round_id", "ranking", "receipt", "commitment", "nonce"}
    for name in columns:
        if name == "round_id":
            continue
        assert not set(name.lower().split("_")) & FORBIDDEN, name
    for c in columns.values():
        assert "DATE" not in str(c["type"]).upper() and "TIME" not in str(c["type"]).upper(), c
    # The key is random text, not a sequence that follows casting order.
    assert inspector.get_pk_constraint("ballots")["constrained_columns"] == ["key"]
    assert "CHAR" in str(columns["key"]["type"]).upper()
    assert not columns["key"].get("autoincrement") or db.engine.dialect.name == "sqlite"
    # Only the round is referenced: no foreign key to users or the voter roll.
    fks = inspector.get_foreign_keys("ballots")
    assert [(fk["referred_table"], fk["constrained_columns"]) for fk in fks] == [("rounds", ["round_id"])]


def test_voter_roll_and_ballots_share_no_column_but_the_round(app_ctx):
    inspector = inspect(db.engine)
    ballot_cols = {c["name"] for c in inspector.get_columns("ballots")}
    roll_cols = {c["name"] for c in inspector.get_columns("voter_roll")}
    assert ballot_cols & roll_cols == {"round_id"}
    # Neither table refers to the other, so no foreign key joins them.
    assert all(fk["referred_table"] != "voter_roll" for fk in inspector.get_foreign_keys("ballots"))
    assert all(fk["referred_table"] != "ballots" for fk in inspector.get_foreign_keys("voter_roll"))
    # The voter roll has no time either, so even the order of its rows cannot be matched to ballots by time.
    assert not any(set(name.split("_")) & {"time", "timestamp", "created", "at", "date"} for name in roll_cols)
    # And the one shared column is the round: the same value for every ballot in it.
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("voter_roll")
            if fk["constrained_columns"] == ["round_id"]} == {"rounds"}


def test_voter_roll_has_the_unique_constraint_that_stops_a_second_ballot(app_ctx):
    inspector = inspect(db.engine)
    uniques = [u["column_names"] for u in inspector.get_unique_constraints("voter_roll")]
    assert ["round_id", "user_id"] in uniques


def test_sqlite_ballot_table_is_without_rowid(app_ctx):
    if db.engine.dialect.name != "sqlite":
        # PostgreSQL has no rowid; its system columns are documented in SECURITY.md (#6).
        assert db.engine.dialect.name == "postgresql"
        return
    with db.engine.connect() as conn:
        sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'ballots'").scalar()
    assert "WITHOUT ROWID" in sql.upper()
