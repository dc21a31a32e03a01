"""Pooled connections to a database server are checked at checkout without a round trip.

A connection is pinged only if the server has sent it something since it was last used (its
goodbye, as it ends it) or it has sat idle past the limit; one made before a connection was found
dead is replaced without a ping.
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, literal_column, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

import pb.database
from pb.extensions import db
from pb.services.direct_sql import DirectStatement
from pb.services.transaction import write_connection
from tests.conftest import make_app


def _count_pings(engine, monkeypatch) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def counting(dbapi_connection):
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return pings


def _end_backends(url: str, *pids: int) -> None:
    """End these server processes, as a restart would, and wait until each is gone."""
    admin = create_engine(url, poolclass=NullPool)
    with admin.connect() as other:
        for pid in pids:
            assert other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar()
    admin.dispose()


def _backend_pid() -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def _use_connections(times: int) -> None:
    """Check a connection out of the pool and use it, `times` times in a row."""
    for _ in range(times):
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))


def _pings_in_use(migrated_database, monkeypatch, ping_after_idle_seconds: int, times: int) -> list[int]:
    """The pings made while an app pinging after `ping_after_idle_seconds` uses a connection `times` times in a row."""
    app = make_app(migrated_database, DB_PING_AFTER_IDLE_SECONDS=ping_after_idle_seconds)
    with app.app_context():
        pings = _count_pings(db.engine, monkeypatch)
        _use_connections(times)
        db.engine.dispose()
    return pings


@pytest.mark.sqlite_only
def test_sqlite_connections_are_never_pinged(migrated_database, monkeypatch):
    assert _pings_in_use(migrated_database, monkeypatch, 0, times=3) == []


@pytest.mark.postgres_only
def test_a_connection_in_steady_use_is_not_pinged(migrated_database, monkeypatch):
    assert _pings_in_use(migrated_database, monkeypatch, 60, times=5) == []


@pytest.mark.postgres_only
def test_a_connection_idle_past_the_limit_is_pinged(migrated_database, monkeypatch):
    app = make_app(migrated_database, DB_PING_AFTER_IDLE_SECONDS=0)
    with app.app_context():
        db.engine.dispose()  # start from an empty pool
        pings = _count_pings(db.engine, monkeypatch)
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert pings == []  # a new connection needs no ping
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert pings == [1]
        db.engine.dispose()


@pytest.mark.postgres_only
def test_a_connection_the_server_dropped_while_idle_is_replaced_before_use(migrated_database):
    """The server ended the pooled connection (a restart, say): the next request still gets a working one."""
    app = make_app(migrated_database, DB_PING_AFTER_IDLE_SECONDS=0)
    with app.app_context():
        with db.engine.connect() as conn:
            dropped_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        admin = create_engine(migrated_database, poolclass=NullPool)
        with admin.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped_pid}).scalar()
        # The pool hands out the idle connection first; the ping finds it dead and a new one is made.
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != dropped_pid
            assert conn.execute(text("SELECT 1")).scalar() == 1
        db.engine.dispose()


@pytest.mark.postgres_only
def test_a_connection_the_server_ended_a_moment_ago_is_replaced_before_use(migrated_database, monkeypatch):
    """A restart while the connection was in use a moment ago: its goodbye is waiting on the socket."""
    app = make_app(migrated_database, DB_PING_AFTER_IDLE_SECONDS=3600)
    with app.app_context():
        db.engine.dispose()
        pings = _count_pings(db.engine, monkeypatch)
        dropped_pid = _backend_pid()
        _end_backends(migrated_database, dropped_pid)
        assert _backend_pid() != dropped_pid
        assert pings == [1]  # the dead one, found by its ping
        _use_connections(3)
        assert pings == [1]
        db.engine.dispose()


@pytest.mark.postgres_only
def test_a_connection_in_steady_use_on_the_ballot_path_is_not_pinged(migrated_database, monkeypatch):
    """The ballot's own connection, pipelined: nothing is left on its socket for the next checkout to see."""
    app = make_app(migrated_database, DB_PING_AFTER_IDLE_SECONDS=3600)
    one = DirectStatement(select(literal_column("1")))
    with app.app_context():
        pings = _count_pings(db.engine, monkeypatch)
        for _ in range(5):
            with write_connection() as conn:
                assert one.execute(conn, {}) == [(1,)]
        assert pings == []
        db.engine.dispose()


@pytest.mark.postgres_only
def test_once_a_statement_finds_its_connection_dead_every_older_one_is_replaced(migrated_database, monkeypatch):
    """A connection that died unseen (no goodbye on its socket yet) fails its statement; the pool then
    hands out none made before it, without pinging them, on the ballot's path as on SQLAlchemy's own."""
    monkeypatch.setattr(pb.database, "_server_has_spoken", lambda dbapi_connection: False)
    app = make_app(migrated_database, DB_PING_AFTER_IDLE_SECONDS=3600)
    one = DirectStatement(select(literal_column("1")))
    with app.app_context():
        db.engine.dispose()
        with db.engine.connect() as a, db.engine.connect() as b:
            old = {c.execute(text("SELECT pg_backend_pid()")).scalar() for c in (a, b)}
        _end_backends(migrated_database, *old)
        pings = _count_pings(db.engine, monkeypatch)
        with pytest.raises(DBAPIError) as lost, write_connection() as conn:
            one.execute(conn, {})
        assert lost.value.connection_invalidated
        with db.engine.connect() as a, db.engine.connect() as b:
            new = {c.execute(text("SELECT pg_backend_pid()")).scalar() for c in (a, b)}
        assert not new & old
        assert pings == []
        db.engine.dispose()
