"""The unit of work: one commit per use case, owned by the service that performs it."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy.exc import OperationalError

from pb.extensions import db
from pb.services.errors import DatabaseBusy

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
    front; a lock held for longer than the busy timeout becomes DatabaseBusy (503 with
    Retry-After), never a 500. Nested calls join the outer transaction.
    """
    if _write_lock_wanted.get():
        yield
        return
    session = db.session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.rollback()
    token = _write_lock_wanted.set(True)
    try:
        yield
        session.commit()
    except OperationalError as exc:
        session.rollback()
        if is_busy_error(exc):
            raise DatabaseBusy("The system is busy. Please try again in a moment.") from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        _write_lock_wanted.reset(token)
