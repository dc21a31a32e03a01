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
    "future_round_contacts", "content_translations",
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
    assert columns == {"key", "round_id", "ranking", "receipt", "commitment", "nonce"}


def test_upgrading_a_database_full_of_data_to_verification_keeps_every_row_and_link(tmp_path):
    """0002 -> 0003 rebuilds users and rounds on SQLite: no ON DELETE rule may fire on the rows that
    refer to them, rounds already in voting keep accepting anyone eligible, and the way back works."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from tests.conftest import make_app
    from tests.voting.live import new_database

    url, drop = new_database(tmp_path, "migrate_with_data")
    app = make_app(url)
    try:
        with app.app_context():
            upgrade(revision="0002")
            with db.engine.begin() as conn:
                run = lambda sql, **p: conn.execute(text(sql), p)  # noqa: E731
                now = "2026-11-01 10:00:00+00:00"
                run("INSERT INTO users (id, role, name, name_key, eligibility_status, session_token, is_active_account, "
                    "created_at) VALUES (1, 'admin', 'Sam', 'sam', 'refused', 't1', true, :now)", now=now)
                run("INSERT INTO users (id, role, name, name_key, date_of_birth, postcode, eligibility_status, "
                    "session_token, is_active_account, registered_by_id, created_at) VALUES (2, 'resident', 'Rita', "
                    "'rita', '1949-03-27', 'E8 3PN', 'eligible', 't2', true, 1, :now)", now=now)
                for rid, phase in ((1, "voting_open"), (2, "draft")):
                    run("INSERT INTO rounds (id, title, description, area_name, budget_pence, phase, min_age, "
                        "age_reference_date, accepted_postcodes, review_postcodes, min_ranks, max_ranks, points_scheme, "
                        "counting_rule, completion, categories, paper_double_entry, created_at, updated_at, version) "
                        "VALUES (:id, :t, '', 'Hackney', 100000, :phase, 50, '2026-06-01', 'E8', '', 1, 3, '', "
                        "'greedy', 'add1u', 'Learning', false, :now, :now, 1)", id=rid, t=f"Round {rid}", phase=phase,
                        now=now)
                run("INSERT INTO voter_roll (id, round_id, user_id, channel, entered_by_id, used_voting_code) "
                    "VALUES (1, 1, 2, 'paper', 1, false)")
                run("INSERT INTO audit_events (id, actor_id, action, details, created_at) "
                    "VALUES (1, 1, 'round.created', '{}', :now)", now=now)
            db.engine.dispose()

            upgrade()
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT registered_by_id, verification FROM users WHERE id = 2")).one() == (
                    1, "self-declared")
                assert conn.execute(text("SELECT user_id, entered_by_id FROM voter_roll")).one() == (2, 1)
                assert conn.execute(text("SELECT actor_id FROM audit_events")).scalar() == 1
                assert dict(conn.execute(text("SELECT phase, verified_only FROM rounds")).all()) == {
                    "voting_open": False, "draft": True}
            db.engine.dispose()

            downgrade(revision="0002")
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT user_id, entered_by_id FROM voter_roll")).one() == (2, 1)
                assert conn.execute(text("SELECT registered_by_id FROM users WHERE id = 2")).scalar() == 1
            db.engine.dispose()
    finally:
        drop()


def test_upgrading_to_short_receipts_keeps_old_receipts_and_closed_rounds_fingerprints(tmp_path):
    """0004 -> 0005: every stored ballot's receipt becomes its commitment too, a round that has closed
    keeps its ballots file byte for byte (so its closing fingerprint still holds), a round still
    voting moves to the new file, and on SQLite the ballots table keeps no row id."""
    import hashlib
    import secrets

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from pb.domain.receipts import commitment_for
    from pb.models import Round
    from pb.services.open_data import ballots_csv, sha256_hex
    from tests.conftest import make_app
    from tests.voting.live import new_database

    url, drop = new_database(tmp_path, "migrate_receipts")
    app = make_app(url)
    try:
        with app.app_context():
            upgrade(revision="0004")
            rows = []
            with db.engine.begin() as conn:
                run = lambda sql, **p: conn.execute(text(sql), p)  # noqa: E731
                now = "2026-11-01 10:00:00+00:00"
                for rid, phase in ((1, "results_published"), (2, "voting_open")):
                    run("INSERT INTO rounds (id, title, description, area_name, budget_pence, phase, min_age, "
                        "age_reference_date, accepted_postcodes, review_postcodes, min_ranks, max_ranks, points_scheme, "
                        "counting_rule, completion, categories, paper_double_entry, created_at, updated_at, version, "
                        "verified_only) VALUES (:id, :t, '', 'Hackney', 100000, :phase, 50, '2026-06-01', 'E8', '', 1, "
                        "2, '', 'greedy', 'add1u', 'Learning', false, :now, :now, 1, true)",
                        id=rid, t=f"Round {rid}", phase=phase, now=now)
                for n in range(6):
                    rid, ranking, nonce = 1 + n % 2, [n % 3 + 1], secrets.token_hex(16)
                    receipt = commitment_for(rid, ranking, nonce)
                    run("INSERT INTO ballots (key, round_id, ranking, receipt, nonce) VALUES (:k, :r, :rk, :rc, :n)",
                        k=secrets.token_hex(16), r=rid, rk=str(ranking[0]), rc=receipt, n=nonce)
                    rows.append((rid, receipt, nonce, str(ranking[0])))
                legacy = "receipt,nonce,rank_1,rank_2\n" + "".join(
                    f"{rc},{n},{rk},\n" for rid, rc, n, rk in sorted(rows, key=lambda r: r[1]) if rid == 1)
                fingerprint = hashlib.sha256(legacy.encode()).hexdigest()
                run("UPDATE rounds SET closing_ballots_sha256 = :f, closing_ballot_count = 3 WHERE id = 1",
                    f=fingerprint)
            db.engine.dispose()

            upgrade()
            with db.engine.connect() as conn:
                stored = conn.execute(text("SELECT receipt, commitment FROM ballots")).all()
                assert len(stored) == 6 and all(receipt == commitment for receipt, commitment in stored)
                assert dict(conn.execute(text("SELECT id, ballots_file_version FROM rounds")).all()) == {1: 1, 2: 2}
                if conn.dialect.name == "sqlite":
                    ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ballots'")).scalar()
                    assert "WITHOUT ROWID" in ddl
            closed = db.session.get(Round, 1)
            assert sha256_hex(ballots_csv(closed)) == fingerprint == closed.closing_ballots_sha256
            assert ballots_csv(db.session.get(Round, 2)).startswith(b"receipt,commitment,nonce,rank_1,rank_2\n")
            db.session.remove()
            db.engine.dispose()

            downgrade(revision="0004")
            with db.engine.connect() as conn:
                assert len(conn.execute(text("SELECT receipt FROM ballots")).all()) == 6
            db.engine.dispose()
    finally:
        drop()
