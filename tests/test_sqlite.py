"""SQLite settings applied on every connection, and IMMEDIATE write transactions."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from pb.extensions import db
from pb.services.transaction import transaction
from tests import factories

pytestmark = pytest.mark.sqlite_only


def test_pragmas_in_force_on_every_connection(app_ctx):
    for _ in range(3):
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        db.engine.dispose()


def test_foreign_keys_are_enforced(app_ctx):
    from sqlalchemy.exc import IntegrityError

    from pb.models import Proposal

    db.session.add(Proposal(round_id=999999, title="x", summary="x", description="x", cost_pence=1, category="x"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_ballot_table_is_without_rowid(app_ctx):
    sql = db.session.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ballots'")).scalar()
    assert "WITHOUT ROWID" in sql.upper()


def test_service_transactions_begin_immediate(app_ctx):
    """Inside transaction() the write lock is taken at BEGIN, so a second writer waits."""
    statements: list[str] = []
    from sqlalchemy import event

    def capture(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with transaction():
            db.session.execute(text("SELECT 1"))
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert "BEGIN IMMEDIATE" in statements


def test_concurrent_writers_wait_instead_of_failing(app):
    """Two threads that read then write: with BEGIN IMMEDIATE both succeed."""
    with app.app_context():
        round_ = factories.make_round()
        round_id = round_.id
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        try:
            with app.app_context():
                from pb.models import Round

                barrier.wait()
                with transaction():
                    r = db.session.get(Round, round_id)
                    r.version = r.version + 1
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        from pb.models import Round

        assert db.session.get(Round, round_id).version == 9
