"""The audit log page in words: a sentence for each event, the names they mention looked up one query per kind."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select

from pb.domain import audit_words
from pb.extensions import db
from pb.models import AuditEvent, Proposal, ResidentList, User


def _names(id_column: Any, name_column: Any, ids: set[int]) -> dict[int, str]:
    """{id: name} for `ids`, in one query (none at all for no ids); a deleted row is simply missing."""
    if not ids:
        return {}
    return {row_id: name for row_id, name in db.session.execute(
        select(id_column, name_column).where(id_column.in_(sorted(ids))))}


def sentences(events: Sequence[AuditEvent], round_titles: Mapping[int, str]) -> list[str]:
    """One plain-English sentence per event, in the same order: at most 3 queries, however many events."""
    wanted = audit_words.wanted_ids((event.actor_id, event.details) for event in events)
    users = _names(User.id, User.name, wanted.users)
    proposals = _names(Proposal.id, Proposal.title, wanted.proposals)
    lists = _names(ResidentList.id, ResidentList.name, wanted.lists)
    return [
        audit_words.describe(
            event.action, event.details or {}, users,
            round_titles.get(event.round_id) if event.round_id is not None else None,
            actor_id=event.actor_id, proposals=proposals, lists=lists,
        )
        for event in events
    ]


def action_choices(actions: Iterable[str]) -> list[tuple[str, str]]:
    """(action, its name in words) for the page's filter, in the order of the words."""
    return sorted(((action, audit_words.action_label(action)) for action in actions), key=lambda c: (c[1], c[0]))
