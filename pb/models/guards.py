"""Ballots, voter-roll rows and audit rows are only ever added.

Checked on every flush and every ORM UPDATE/DELETE statement, so no code path can
change or remove them. The one exception: erasing a resident's personal data blanks
`user_id` on their voter-roll rows, which stay as anonymous placeholders.
"""
from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from pb.models.audit_event import AuditEvent
from pb.models.ballot import Ballot
from pb.models.voter_roll import VoterRoll

APPEND_ONLY = (Ballot, VoterRoll, AuditEvent)
APPEND_ONLY_TABLES = {cls.__tablename__ for cls in APPEND_ONLY}


class AppendOnlyViolation(RuntimeError):
    pass


def _is_anonymisation(obj) -> bool:
    if not isinstance(obj, VoterRoll):
        return False
    state = inspect(obj)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    return changed == {"user_id"} and obj.user_id is None


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, flush_context, instances):
    for obj in session.deleted:
        if isinstance(obj, APPEND_ONLY):
            raise AppendOnlyViolation(f"pb never deletes {type(obj).__name__} rows")
    for obj in session.dirty:
        if isinstance(obj, APPEND_ONLY) and session.is_modified(obj) and not _is_anonymisation(obj):
            raise AppendOnlyViolation(f"pb never changes {type(obj).__name__} rows")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(orm_execute_state):
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    table = getattr(orm_execute_state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in APPEND_ONLY_TABLES:
        if orm_execute_state.is_update and name == "voter_roll" and _bulk_only_blanks_user(orm_execute_state.statement):
            return
        raise AppendOnlyViolation(f"pb never changes or deletes rows of {name}")


def _bulk_only_blanks_user(statement) -> bool:
    values = getattr(statement, "_values", None) or {}
    keys = {getattr(k, "key", str(k)) for k in values}
    if keys != {"user_id"}:
        return False
    value = next(iter(values.values()))
    return getattr(value, "value", value) is None
