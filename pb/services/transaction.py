"""The one place transactions begin and end: one commit per use case, and the row locks taken inside it."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from pb.domain.errors import DatabaseBusy, NotFound
from pb.domain.words import _
from pb.extensions import db
from pb.models import Round, User
from pb.services.direct_sql import as_sqlalchemy_error

try:
    import fcntl
except ImportError:  # not on Windows: writers then wait in SQLite's busy handler
    fcntl = None

_write_lock_wanted: ContextVar[bool] = ContextVar("pb_write_lock_wanted", default=False)


def wants_write_lock() -> bool:
    """True inside transaction(): on SQLite the transaction then begins IMMEDIATE."""
    return _write_lock_wanted.get()


def is_busy_error(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return (
        "database is locked" in text
        or "database is busy" in text
        or "could not serialize" in text
        or "deadlock detected" in text
        or "lock timeout" in text
    )


@contextmanager
def transaction() -> Iterator[None]:
    """Run a use case as one transaction: commit what the block did, or roll it all back.

    Any read-only transaction the request had open is ended first, so everything the
    block checks (the phase, the voter roll) is read inside the same transaction as
    the write. On SQLite that transaction begins IMMEDIATE, taking the write lock up
    front (writers queue for it in sqlite_write_turn); a lock held for longer than the
    busy timeout becomes DatabaseBusy (503 with Retry-After), never a 500. Nested calls
    join the outer transaction.
    """
    if _write_lock_wanted.get():
        yield
        return
    session = db.session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.rollback()
    with _write_scope():
        try:
            yield
            session.commit()
        except BaseException:
            session.rollback()  # before the next writer gets its turn
            raise


@contextmanager
def write_connection(*, with_session: bool = False) -> Iterator[Connection]:
    """A connection in a write transaction of its own, for a use case written in Core SQL.

    The connection is taken from the pool before queueing for the write lock, and the
    transaction is begun and committed on it directly, so on SQLite the lock is held
    for the statements and nothing else: under a burst of ballots the time each writer
    holds it is what limits how many are stored per second. The same rules as
    transaction() apply (IMMEDIATE on SQLite, DatabaseBusy for a lock held too long).

    On PostgreSQL the block runs in the driver's pipeline mode: BEGIN and a statement whose
    rows are read wait for the server as usual, but writes whose results are not read
    travel together with the COMMIT at the end of the block, so a ballot takes three round
    trips (BEGIN, the read, the writes with the COMMIT) instead of five. An error in a write
    (the voter roll's unique constraint, say) or in the COMMIT is raised as the block
    ends, as SQLAlchemy's error, and nothing is stored. Run statements in the block with
    DirectStatement, which reads its rows in pipeline mode; a plain `conn.execute` there
    would not see them.

    Inside transaction(), or with `with_session` (the block also writes through the
    ORM session, an audit row say), it is the session's transaction and connection.
    """
    if with_session or _write_lock_wanted.get():
        with transaction():
            yield db.session.connection()
        return
    with db.engine.connect() as conn, _write_scope(), conn.begin(), _pipelined(conn):
        yield conn


@contextmanager
def _pipelined(conn: Connection) -> Iterator[None]:
    """The driver's pipeline mode where it has one (psycopg 3 on PostgreSQL), with the COMMIT queued in it.

    When the block ends without an error, COMMIT is queued behind its writes and leaving
    the pipeline sends them together and waits for the results. The server skips the
    rest of a pipeline after a failed statement, so a failed write means no COMMIT: the
    error is raised there, as SQLAlchemy's, and the transaction is rolled back. After a
    COMMIT the driver's transaction is over, so the commit that follows is a no-op.
    """
    driver_connection = conn.connection.driver_connection
    if conn.dialect.name != "postgresql" or getattr(driver_connection, "pipeline", None) is None:
        yield
        _committing()
        return
    try:
        with driver_connection.pipeline():
            yield
            _committing()  # from here the writes may be stored: the request is not run again
            with driver_connection.cursor() as cursor:
                cursor.execute("COMMIT", prepare=False)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise as_sqlalchemy_error(conn, exc) from exc


@contextmanager
def _write_scope() -> Iterator[None]:
    """Mark a write transaction (so SQLite begins it IMMEDIATE), queued for the write lock."""
    token = _write_lock_wanted.set(True)
    try:
        with sqlite_write_turn():
            yield
    except OperationalError as exc:
        if is_busy_error(exc):
            raise DatabaseBusy(_("The system is busy. Please try again in a moment.")) from exc
        raise
    finally:
        _write_lock_wanted.reset(token)


@contextmanager
def sqlite_write_turn() -> Iterator[None]:
    """On SQLite, queue for the database's single write lock on an OS file lock.

    SQLite's own busy handler makes a waiting writer sleep and poll (1, 2, 5, 10 … 100 ms
    apart), so under a burst of ballots the lock sits idle while every waiter sleeps, and
    latency grows to seconds. Waiting on flock() instead wakes the next writer the moment
    the lock is free, across threads and gunicorn workers alike. It only orders writers;
    correctness still rests on BEGIN IMMEDIATE and the voter roll's unique constraint.
    Nothing to do on PostgreSQL.
    """
    path = _write_lock_path()
    if path is None:
        yield
        return
    try:
        handle = open(path, "a+b")  # noqa: SIM115 - closed by the with below; one file per caller, so threads queue too
    except OSError:  # a read-only folder, say: SQLite's busy handler still keeps order
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_lock_path() -> str | None:
    url = db.engine.url
    if fcntl is None or url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database) + ".pb-write-lock"


# ---------------------------------------------------------------- a request's attempts


class DatabaseAttempt:
    """What one attempt at serving a request did with the database (pb.database.retry_after_lost_connection).

    `lost_connection`: a statement found its connection dead (the pool's invalidate event notes it).
    `committed`: a COMMIT was sent, or is about to be: what it wrote may be stored even if its reply
    never came back. Until then everything the attempt wrote was in a transaction that can never
    commit once its connection is gone, so nothing of it is stored and the request can run again.
    """

    __slots__ = ("lost_connection", "committed")

    def __init__(self) -> None:
        self.lost_connection = False
        self.committed = False

    @property
    def can_run_again(self) -> bool:
        return self.lost_connection and not self.committed


_attempt: ContextVar[DatabaseAttempt | None] = ContextVar("pb_database_attempt", default=None)


@contextmanager
def database_attempt() -> Iterator[DatabaseAttempt]:
    """Note what the database work inside the block does, for a retry of the whole request."""
    attempt = DatabaseAttempt()
    token = _attempt.set(attempt)
    try:
        yield attempt
    finally:
        _attempt.reset(token)


def note_lost_connection() -> None:
    attempt = _attempt.get()
    if attempt is not None:
        attempt.lost_connection = True


def _committing(*_session) -> None:
    attempt = _attempt.get()
    if attempt is not None:
        attempt.committed = True


# Every commit of the ORM session (transaction(), end_read_only_transaction, or any other); the
# connections of write_connection mark theirs in _pipelined.
event.listen(db.session, "before_commit", _committing)


# ---------------------------------------------------------------- row locks


def lock_round(round_id: int, for_update: bool = True) -> Round:
    """Read a round inside the current transaction, locking its row on PostgreSQL.

    `for_update=True` (phase moves, edits) takes FOR UPDATE; `for_update=False` takes
    FOR SHARE, which the ballot service uses so that closing voting waits for ballots
    being cast and a ballot cast after the close sees the new phase. On SQLite the
    transaction began IMMEDIATE and already holds the only write lock, so this is a
    plain read. Call it inside `transaction()`.
    """
    stmt = select(Round).where(Round.id == round_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(read=not for_update)
    round_ = db.session.scalar(stmt)
    if round_ is None:
        raise NotFound(_("There is no funding round with that number."))
    return round_


def lock_user(user_id: int) -> None:
    """Lock an account's row until the transaction ends (PostgreSQL), so one person's requests queue up."""
    stmt = select(User.id).where(User.id == user_id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    db.session.execute(stmt)


def end_read_only_transaction() -> None:
    """End the read-only transaction a request opened (looking up who is signed in), keeping what it loaded.

    transaction() would roll it back, which expires every loaded object, so a page's later
    checks (is the signed-in user active?) would read the user again. Committing a
    transaction that wrote nothing changes nothing and keeps them.
    """
    session = db.session()
    if not _write_lock_wanted.get() and session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()
