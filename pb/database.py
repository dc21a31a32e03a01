"""Database setup: the database URL and engine options, per-connection settings, the start-up check and the schema upgrade."""
from __future__ import annotations

import os
import sqlite3
import sys
import time
import weakref

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, OperationalError

from pb.extensions import db
from pb.services.transaction import wants_write_lock


class DatabaseUnavailable(SystemExit):
    """Start-up stops with one line naming DATABASE_URL instead of a traceback."""


def configure_database(app: Flask) -> None:
    """Settle the database URL (an SQLite file in the instance folder by default) and the SQLite driver's timeout."""
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "pb.sqlite")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):  # the form some hosts give; SQLAlchemy wants postgresql://
        uri = "postgresql+psycopg://" + uri[len("postgres://") :]
    elif uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://") :]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {})
        options["connect_args"] = {**options["connect_args"], "timeout": app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


# The engines bind_engine_events has set up, so a second call (or a second app) adds nothing to them.
_bound_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def bind_engine_events(app: Flask) -> None:
    """Put pb's connection settings on this app's own engines (every bind), and on no other engine.

    Run after db.init_app (which makes the engines) and before anything connects, so that
    every connection in the pool has them. SQLite engines get the settings below; a
    database server's get the ping after idling (ping_when_idle).
    """
    busy_timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine in _bound_engines:
            continue
        _bound_engines.add(engine)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_connection_settings(busy_timeout_ms))
            event.listen(engine, "begin", _sqlite_begin)
        else:  # a file has no server to drop the connection
            ping_when_idle(engine, app.config["DB_PING_AFTER_IDLE_SECONDS"])


# SQLite, on every connection: WAL so readers do not block the writer, a busy timeout,
# foreign keys on, and write transactions that begin IMMEDIATE. Without IMMEDIATE a
# transaction that has read and then writes fails with "database is locked" at once,
# ignoring the busy timeout (the SQLAlchemy pysqlite "serializable isolation" recipe).
def _sqlite_connection_settings(busy_timeout_ms: int):
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # pysqlite must not issue its own BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    return on_connect


def _sqlite_begin(conn) -> None:
    # Services write inside transaction(), which asks for IMMEDIATE; page reads take no write lock.
    statement = "BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN"
    # Straight to the driver (this starts every transaction, each ballot's included), with
    # its errors raised as SQLAlchemy's, as exec_driver_sql would, for the busy handling.
    try:
        conn.connection.driver_connection.execute(statement)
    except sqlite3.Error as exc:
        raise OperationalError(statement, None, exc) from exc


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before it is used, if it has sat in the pool for `idle_seconds` or more.

    SQLAlchemy's pool_pre_ping pings at every checkout: a round trip to the server on
    every request, a ballot's included, to learn nothing about a connection that was in
    use a moment ago. A connection that went stale (the server restarted, a firewall
    dropped it) has been idle; it fails the ping and the pool replaces it, as with
    pool_pre_ping. A link that drops mid-request fails that request, as it would anyway.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection, record):
        record.info["pb_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy):
        since = record.info.get("pb_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"stale pooled connection: {exc}") from exc
        if not alive:
            raise DisconnectionError("stale pooled connection")


def check_database(app: Flask) -> None:
    """Stop start-up with DatabaseUnavailable if the database cannot be reached (skipped with PB_SKIP_DB_CHECK)."""
    if app.config.get("PB_SKIP_DB_CHECK"):
        return
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else "unknown error"
            url = db.engine.url.render_as_string(hide_password=True)
            print(
                f"pb: cannot reach the database at DATABASE_URL={url} ({reason}). "
                "Check DATABASE_URL and that the database server is running.",
                file=sys.stderr,
            )
            raise DatabaseUnavailable(1) from None


def upgrade_database() -> None:
    """Create or upgrade the schema with the migrations (never create_all)."""
    upgrade()


def wipe_database() -> None:
    """Drop every table and rebuild the schema from the migrations (`flask pb reset-demo`)."""
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade_database()
