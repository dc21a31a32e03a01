"""The audit log: adding rows (never updated or deleted) and reading them a page at a time."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pb.extensions import db
from pb.models import AuditEvent, Round, User
from pb.services.paging import Page, paginate

AUDIT_PAGE_SIZE = 50


def record(actor: User | None, action: str, round: Round | None = None, **details: Any) -> AuditEvent:
    """Add an audit row to the current transaction (the calling service commits)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        round_id=round.id if round is not None else None,
        details=_jsonable(details),
    )
    db.session.add(event)
    return event


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def audit_page(round_id: int | None = None, action: str | None = None, page: int = 1,
               per_page: int = AUDIT_PAGE_SIZE) -> Page[AuditEvent]:
    """Audit rows, newest first, filtered by round and action."""
    conditions = []
    if round_id is not None:
        conditions.append(AuditEvent.round_id == round_id)
    if action:
        conditions.append(AuditEvent.action == action)
    statement = select(AuditEvent).where(*conditions).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    return paginate(statement, page, per_page)
