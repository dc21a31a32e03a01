"""The unit of work: one commit, rollback on error, and SQLite writers queued on a file lock."""
from __future__ import annotations

import contextlib
import os

import pytest

from pb.extensions import db
from pb.models import Round
from pb.services import transaction as transaction_module
from pb.domain.errors import DomainError
from pb.services.transaction import lock_round
from pb.services.transaction import transaction
from tests import factories
from tests.conftest import run_together_in_app


def test_block_is_committed_once(app_ctx):
    round_ = factories.make_round()
    with transaction():
        db.session.get(Round, round_.id).title = "Renamed"
    db.session.remove()
    assert db.session.get(Round, round_.id).title == "Renamed"


def _rename_then_refuse(round_id: int, title: str, *, nested: bool, message: str) -> str:
    """Rename the round in a block (inside a nested block as well when `nested`) that then fails with
    DomainError(message); return the title read afresh."""
    with pytest.raises(DomainError):
        with transaction():
            with transaction() if nested else contextlib.nullcontext():
                db.session.get(Round, round_id).title = title
            raise DomainError(message)
    db.session.remove()
    return db.session.get(Round, round_id).title


def test_error_rolls_everything_back(app_ctx):
    round_id = factories.make_round(title="Original").id
    assert _rename_then_refuse(round_id, "Half done", nested=False, message="refused") == "Original"


def test_nested_transactions_join_the_outer_one(app_ctx):
    round_id = factories.make_round(title="Original").id
    assert _rename_then_refuse(round_id, "Inner", nested=True, message="outer refused") == "Original"


def test_sqlite_writers_queue_on_a_lock_file_next_to_the_database(app_ctx):
    path = transaction_module._write_lock_path()
    if db.engine.dialect.name != "sqlite":
        assert path is None
        return
    assert path.endswith(".pb-write-lock")
    round_ = factories.make_round()
    with transaction():
        db.session.get(Round, round_.id).title = "Written"
    assert os.path.exists(path)


def test_a_lock_file_that_cannot_be_made_does_not_stop_writes(app_ctx, monkeypatch, tmp_path):
    monkeypatch.setattr(transaction_module, "_write_lock_path", lambda: str(tmp_path / "missing" / "dir" / "lock"))
    round_ = factories.make_round(title="Original")
    with transaction():
        db.session.get(Round, round_.id).title = "Written"
    db.session.remove()
    assert db.session.get(Round, round_.id).title == "Written"


def test_many_threads_writing_at_once_all_succeed(app):
    with app.app_context():
        round_id = factories.make_round().id

    def bump() -> None:
        with transaction():
            # On PostgreSQL a read-then-write needs the row lock services take.
            r = lock_round(round_id, for_update=True)
            r.version += 1

    errors = [r for r in run_together_in_app(app, bump, 12) if isinstance(r, BaseException)]
    assert errors == []
    with app.app_context():
        assert db.session.get(Round, round_id).version == 13


@pytest.mark.postgres_only
def test_on_postgresql_a_write_connection_pipelines_and_a_failed_write_rolls_back(app_ctx):
    """Writes travel together at the end of the block; one that fails is SQLAlchemy's error there, and nothing stays."""
    from sqlalchemy import func, insert, select
    from sqlalchemy.exc import IntegrityError

    from pb.models import Ballot
    from pb.services.direct_sql import DirectStatement
    from pb.services.transaction import write_connection

    round_id = factories.make_round().id
    add = DirectStatement(insert(Ballot.__table__), column_keys=("key", "round_id", "ranking", "nonce", "receipt", "commitment"))
    row = {"key": "k" * 32, "round_id": round_id, "ranking": "1", "nonce": "n" * 32, "receipt": "r" * 64, "commitment": "c" * 64}
    with pytest.raises(IntegrityError):
        with write_connection() as conn:
            assert conn.connection.driver_connection._pipeline is not None
            add.execute(conn, row)
            add.execute(conn, {**row, "key": "x" * 32})  # the same receipt: refused when the block ends
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
    with write_connection() as conn:
        add.execute(conn, row)
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


@pytest.mark.postgres_only
def test_on_postgresql_the_commit_travels_with_the_writes_and_a_failed_commit_stores_nothing(app_ctx):
    """COMMIT is queued in the pipeline; a constraint checked only at COMMIT still fails as SQLAlchemy's error."""
    from sqlalchemy import Column, Integer, MetaData, Table, UniqueConstraint, event, func, insert, select, text
    from sqlalchemy.exc import IntegrityError

    from pb.services.direct_sql import DirectStatement
    from pb.services.transaction import write_connection

    metadata = MetaData()
    checked_late = Table("pb_test_checked_at_commit", metadata, Column("x", Integer),
                         UniqueConstraint("x", deferrable=True, initially="DEFERRED"))
    metadata.create_all(db.engine)
    try:
        add = DirectStatement(insert(checked_late), column_keys=("x",))
        with pytest.raises(IntegrityError):
            with write_connection() as conn:
                add.execute(conn, {"x": 1})
                add.execute(conn, {"x": 1})  # accepted here; the unique check runs at COMMIT
        # When SQLAlchemy commits, the pipeline has already committed: the driver's transaction is over.
        status_at_commit = []
        listener = lambda conn: status_at_commit.append(conn.connection.driver_connection.info.transaction_status.name)  # noqa: E731
        event.listen(db.engine, "commit", listener)
        try:
            with write_connection() as conn:
                add.execute(conn, {"x": 2})
        finally:
            event.remove(db.engine, "commit", listener)
        assert status_at_commit == ["IDLE"]
        with db.engine.connect() as other:
            assert other.execute(select(checked_late.c.x)).scalars().all() == [2]
            assert other.execute(select(func.count()).select_from(checked_late)).scalar() == 1
    finally:
        db.session.rollback()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE pb_test_checked_at_commit"))


@pytest.mark.postgres_only
def test_on_postgresql_a_connection_lost_during_the_writes_is_discarded_and_nothing_is_stored(app_ctx):
    """The server ends the session between the read and the writes: the error says so, the pool drops the connection."""
    from sqlalchemy import func, insert, select, text
    from sqlalchemy.exc import DBAPIError

    from pb.models import Ballot
    from pb.services.direct_sql import DirectStatement
    from pb.services.transaction import write_connection

    round_id = factories.make_round().id
    db.session.commit()
    add = DirectStatement(insert(Ballot.__table__), column_keys=("key", "round_id", "ranking", "nonce", "receipt", "commitment"))
    row = {"key": "k" * 32, "round_id": round_id, "ranking": "1", "nonce": "n" * 32, "receipt": "r" * 64, "commitment": "c" * 64}
    read = DirectStatement(select(func.pg_backend_pid()))
    with pytest.raises(DBAPIError) as raised:
        with write_connection() as conn:
            backend = read.execute(conn, {})[0][0]
            add.execute(conn, row)  # queued; its result is read as the block ends
            with db.engine.connect() as other:  # waits (up to 5 s) until that session has ended
                other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": backend})
                other.commit()
    # The server's own error, not a later "the connection is lost" from rolling back on a dead connection.
    assert raised.value.connection_invalidated and "the connection is lost" not in str(raised.value.orig)
    with write_connection() as conn:  # a fresh connection from the pool
        assert read.execute(conn, {})[0][0] != backend
        add.execute(conn, row)
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
