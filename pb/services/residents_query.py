"""Finding a resident by number, for services that act on one."""
from __future__ import annotations

from pb.domain.errors import NotFound
from pb.domain.words import _
from pb.extensions import db
from pb.models import Role, User


def get_resident(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.RESIDENT:
        raise NotFound(_("There is no resident with that number. They may have been deleted."))
    return user
