"""Finding rounds: the one lookup by number, the rounds residents can see, and every round for staff."""
from __future__ import annotations

from sqlalchemy import select

from pb.domain.errors import NotFound
from pb.domain.phases import Phase
from pb.extensions import db
from pb.domain.words import _
from pb.models import Round


def public_rounds() -> list[Round]:
    """Rounds residents can see (everything but drafts), newest first."""
    return list(db.session.scalars(select(Round).where(Round.phase != Phase.DRAFT).order_by(Round.id.desc())))


def all_rounds() -> list[Round]:
    """Every round, drafts included, newest first (the staff console)."""
    return list(db.session.scalars(select(Round).order_by(Round.id.desc())))


def get_round(round_id: int) -> Round:
    """A round by its number, drafts included; NotFound otherwise."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise NotFound(_("There is no funding round with that number."))
    return round_


def get_public_round(round_id: int) -> Round:
    """A round residents may see; drafts look like they do not exist."""
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.phase == Phase.DRAFT:
        raise NotFound(_("There is no funding round with that number."))
    return round_
