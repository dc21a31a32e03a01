"""SQLite settings applied on every connection, and IMMEDIATE write transactions."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from pb.extensions import db
from pb.services.transaction import transaction, write_connection
from tests import factories
from tests.conftest import make_app, run_together_in_app

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


def _another_writer_can_begin() -> bool:
    """Whether a second connection could take the write lock right now (without waiting)."""
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


def test_service_transactions_begin_immediate(app_ctx):
    """Inside transaction() the write lock is taken at BEGIN, before any write, so a second writer waits."""
    with transaction():
        db.session.execute(text("SELECT 1"))
        assert not _another_writer_can_begin()
    assert _another_writer_can_begin()


def test_write_connections_begin_immediate(app_ctx):
    with write_connection() as conn:
        conn.execute(text("SELECT 1"))
        assert not _another_writer_can_begin()
    assert _another_writer_can_begin()


def test_page_reads_take_no_write_lock(app_ctx):
    db.session.execute(text("SELECT 1"))
    assert db.session().in_transaction()
    assert _another_writer_can_begin()
    db.session.rollback()


def test_a_busy_write_lock_at_begin_is_database_busy(migrated_database):
    """A lock held elsewhere for longer than the busy timeout: DatabaseBusy (a 503), not a driver error."""
    from pb.domain.errors import DatabaseBusy

    app = make_app(migrated_database, SQLITE_BUSY_TIMEOUT_MS=50)
    with app.app_context():
        # Holds the lock without queueing on pb's file lock, as another program might.
        holder = sqlite3.connect(db.engine.url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(DatabaseBusy), write_connection() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
            db.engine.dispose()


def test_concurrent_writers_wait_instead_of_failing(app):
    """Two threads that read then write: with BEGIN IMMEDIATE both succeed."""
    with app.app_context():
        round_ = factories.make_round()
        round_id = round_.id

    def worker() -> None:
        from pb.models import Round

        with transaction():
            r = db.session.get(Round, round_id)
            r.version = r.version + 1

    errors = [r for r in run_together_in_app(app, worker, 8) if isinstance(r, BaseException)]
    assert errors == []
    with app.app_context():
        from pb.models import Round

        assert db.session.get(Round, round_id).version == 9
