"""Pooled connections to a database server are pinged before use only after sitting idle."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from pb.extensions import db
from tests.conftest import make_app


def _count_pings(engine, monkeypatch) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def counting(dbapi_connection):
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return pings


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
