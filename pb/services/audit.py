"""Writing to the audit log. Rows are only ever added; nothing updates or deletes them."""
from __future__ import annotations

from typing import Any

from pb.extensions import db
from pb.models import AuditEvent, Round, User


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
