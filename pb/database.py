"""Database setup: the database URL and engine options, per-connection settings, the start-up check and the schema upgrade."""
from __future__ import annotations

import io
import os
import select
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
from pb.services.transaction import database_attempt, note_lost_connection, wants_write_lock


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
    database server's get the checks that keep a dropped connection out of use
    (replace_dead_connections).
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
            replace_dead_connections(engine, app.config["DB_PING_AFTER_IDLE_SECONDS"])


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


class _MadeBeforeALoss(DisconnectionError):
    """A pooled connection made before one was found dead: after a restart every such one is dead too."""


class _LastLoss:
    at = float("-inf")  # time.monotonic() when a connection of this engine was last found dead


def replace_dead_connections(engine: Engine, idle_seconds: float) -> None:
    """Keep connections the server has dropped out of use, without a round trip to learn that one has not.

    SQLAlchemy's pool_pre_ping pings at every checkout: a round trip to the server on
    every request, a ballot's included, to learn nothing about a connection that was in
    use a moment ago. Instead, at checkout a pooled connection is

    - replaced if it was made before a connection was found dead (a restart ended them
      all). SQLAlchemy does this for a loss it sees itself; this covers the ones found on
      the driver's cursor too (pb.services.direct_sql) and those found here;
    - pinged if its socket has anything to read: a server sends an idle connection
      nothing but its goodbye as it ends it (a restart, pg_terminate_backend,
      idle_session_timeout), so a restart is found with one system call, no round trip;
    - pinged if it has sat idle for `idle_seconds` or more, for a link that died with no
      goodbye (a firewall dropping it, say).

    One that fails its ping is replaced, and with it every older one. A connection that
    dies unseen in the instant before its use fails its statement; the request then runs
    once more on a fresh connection, if it had committed nothing (retry_after_lost_connection).
    """
    lost = _LastLoss()

    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection, record):
        record.info["pb_idle_since"] = time.monotonic()

    @event.listens_for(engine, "invalidate")
    def _found_dead(dbapi_connection, record, exception):
        if isinstance(exception, _MadeBeforeALoss):
            return  # replaced for its age alone
        lost.at = time.monotonic()
        if isinstance(exception, engine.dialect.loaded_dbapi.Error):
            note_lost_connection()  # a statement met it, so that request failed (not a check here)

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, record, proxy):
        now = time.monotonic()
        info = record.info  # emptied whenever the pool replaces the connection
        made = info.get("pb_made")
        if made is None:
            info["pb_made"] = now  # new, made just now
            return
        if made < lost.at:
            raise _MadeBeforeALoss("made before a connection was found dead")
        if now - info.get("pb_idle_since", now) < idle_seconds and not _server_has_spoken(dbapi_connection):
            return  # in use a moment ago, and nothing from the server since
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"stale pooled connection: {exc}") from exc
        if not alive:
            raise DisconnectionError("stale pooled connection")


def _server_has_spoken(dbapi_connection) -> bool:
    """True if an idle connection's socket has something to read, or is closed: the server has ended it, almost surely."""
    try:
        fd = dbapi_connection.fileno()
    except Exception:  # noqa: BLE001 - no socket to look at (closed already, say): let the ping decide
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])


def retry_after_lost_connection(app: Flask) -> None:
    """Run a request once more, on a fresh connection, if it failed on a lost connection and had committed nothing.

    A connection can die unseen just before it is used (replace_dead_connections finds
    the rest): its statement fails, and so, without this, does the page. Nothing the
    request wrote can have been stored unless a COMMIT was sent: a transaction on a lost
    connection never commits. So a request that failed with a statement's connection
    lost (pb.services.transaction.DatabaseAttempt), and sent no COMMIT, is run again
    once, from the start and with the same request body; a ballot cast then is stored
    once, and the voter roll's unique constraint stands behind that in any case. A
    request that had sent a COMMIT keeps its error page. Only for a database server: an
    SQLite file has no connection to lose, and its apps get no wrapper at all.
    """
    with app.app_context():
        if all(engine.dialect.name == "sqlite" for engine in db.engines.values()):
            return
    app.wsgi_app = _RetryAfterLostConnection(app.wsgi_app, app.logger, app.config.get("MAX_CONTENT_LENGTH") or 2**20)


class _RetryAfterLostConnection:
    """WSGI middleware for retry_after_lost_connection."""

    def __init__(self, wsgi_app, logger, max_body: int):
        self.wsgi_app = wsgi_app
        self.logger = logger
        self.max_body = max_body

    def __call__(self, environ, start_response):
        again = _replayable(environ, self.max_body)
        if again is None:  # a body too large to keep, or of unknown length: no second run
            return self.wsgi_app(environ, start_response)
        failed = False
        with database_attempt() as attempt:

            def start_first(status, headers, exc_info=None):
                nonlocal failed
                if status[:1] == "5" and attempt.can_run_again:
                    failed = True
                    self._log(environ)  # in the request's context, so where the app's other messages go
                    return _discard  # this response is not sent
                return start_response(status, headers, exc_info)

            try:
                result = self.wsgi_app(environ, start_first)
            except Exception:
                if not attempt.can_run_again:
                    raise
                self._log(environ)
                failed, result = True, None
        if not failed:
            return result
        if hasattr(result, "close"):
            result.close()
        return self.wsgi_app(again(), start_response)

    def _log(self, environ) -> None:
        self.logger.warning("%s %s lost its database connection before committing anything: run again on a new one",
                            environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))


def _discard(data: bytes) -> None:
    pass


def _replayable(environ: dict, max_body: int):
    """A function giving a copy of `environ` to serve the request again with, the body kept; None if it cannot be kept."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > max_body or (not length and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()):
        return None
    body = b""
    if length:
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
    saved = dict(environ)  # before the first run changes it (ProxyFix, werkzeug)

    def again() -> dict:
        return {**saved, "wsgi.input": io.BytesIO(body)}

    return again


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
