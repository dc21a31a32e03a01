"""Resident lists staff upload, kept only as keyed hashes, and matching residents against them.

A resident who matches an entry of any list becomes list-matched (pb.services.verification).
"""
from __future__ import annotations

from sqlalchemy import select

from pb.domain import verification as rules
from pb.domain.resident_list import identity_text
from pb.extensions import db
from pb.models import ResidentList, ResidentListEntry, User
from pb.services.keyed_hash import RESIDENT_LIST, keyed_hash
from pb.services.verification import mark_verified


def identity_hash(name: str, born, postcode: str) -> str:
    return keyed_hash(RESIDENT_LIST, identity_text(name, born, postcode))


def match_resident(user: User) -> ResidentList | None:
    """Mark a self-declared resident list-matched if a list holds them, in the caller's transaction.

    Returns the list they matched (the oldest, if several do), or None.
    """
    if user.is_verified or user.date_of_birth is None or not user.postcode:
        return None
    found = db.session.scalar(
        select(ResidentList)
        .join(ResidentListEntry, ResidentListEntry.list_id == ResidentList.id)
        .where(ResidentListEntry.identity_hash == identity_hash(user.name, user.date_of_birth, user.postcode))
        .order_by(ResidentList.id)
        .limit(1)
    )
    if found is not None:
        mark_verified(user, rules.LIST, note=f"Matched the resident list “{found.name}”", list_id=found.id)
    return found
