"""A resident's own data: the rounds they can take part in and voted in (never how), a download of it all, and asking for deletion."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from pb.domain.words import _
from pb.extensions import db
from pb.models import Round, User, VoterRoll, VotingCode
from pb.services import audit
from pb.services.eligibility import why_cannot_take_part
from pb.services.proposals import proposals_of
from pb.services.residents import open_rounds
from pb.services.transaction import transaction


def rounds_voted_in(user: User) -> list[tuple[Round, VoterRoll]]:
    """Which rounds this resident voted in, and how they voted (online or paper) — never what."""
    rows = db.session.execute(
        select(Round, VoterRoll).join(VoterRoll, VoterRoll.round_id == Round.id).where(VoterRoll.user_id == user.id).order_by(Round.id)
    )
    return [(r, v) for r, v in rows]


def rounds_to_take_part_in(user: User) -> list[tuple[Round, str | None, bool]]:
    """Open rounds for the account page: (round, why they cannot take part or None, voted already)."""
    voted = {r.id for r, _ in rounds_voted_in(user)}
    return [(r, why_cannot_take_part(user, r), r.id in voted) for r in open_rounds()]


def verified_by(user: User) -> User | None:
    """The member of staff who verified this resident, if one did (and their account still exists)."""
    return db.session.get(User, user.verified_by_id) if user.verified_by_id else None


def codes_of(user: User) -> list[tuple[VotingCode, Round]]:
    rows = db.session.execute(
        select(VotingCode, Round).join(Round, Round.id == VotingCode.round_id).where(VotingCode.user_id == user.id).order_by(VotingCode.id)
    )
    return [(c, r) for c, r in rows]


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(user: User) -> dict:
    """Everything pb holds about this resident, for them to download. Never how they voted."""
    return {
        "about": _("The information pb holds about you. It never includes how you voted."),
        "exported_at": datetime.now(timezone.utc).isoformat(),
        "details": {
            "name": user.name,
            "email": user.email,
            "phone": user.phone,
            "date_of_birth": _iso(user.date_of_birth),
            "postcode": user.postcode,
            "has_password": bool(user.password_hash),
            "registered_at": _iso(user.created_at),
            "registered_by_staff": user.registered_by_id is not None,
            "deletion_requested_at": _iso(user.deletion_requested_at),
            "address_for_letters": user.address_line,
        },
        "verification": {
            "how": user.verification,
            "verified_at": _iso(user.verified_at),
            "what_was_checked": user.verification_note,
            "staff_asked_for_verification_at": _iso(user.verification_requested_at),
        },
        "eligibility": {"status": user.eligibility_status, "reason": user.eligibility_reason},
        "rounds_voted_in": [
            {
                "round_id": r.id,
                "round": r.title,
                "channel": v.channel,
                "used_voting_code": bool(v.used_voting_code),
            }
            for r, v in rounds_voted_in(user)
        ],
        "voting_codes": [
            {
                "round_id": r.id,
                "round": r.title,
                "issued_at": _iso(c.issued_at),
                "used": c.used_at is not None,
                "replaced": c.revoked_at is not None,
            }
            for c, r in codes_of(user)
        ],
        "proposals": [
            {
                "id": p.id,
                "round_id": p.round_id,
                "round": p.round.title if p.round else None,
                "title": p.title,
                "summary": p.summary,
                "description": p.description,
                "cost_pence": p.cost_pence,
                "category": p.category,
                "organisation": p.organisation,
                "contact": p.contact,
                "status": p.status,
                "created_at": _iso(p.created_at),
            }
            for p in proposals_of(user)
        ],
    }


def request_deletion(user: User) -> User:
    with transaction():
        fresh = db.session.get(User, user.id)
        if fresh.deletion_requested_at is None:
            fresh.deletion_requested_at = datetime.now(timezone.utc)
            audit.record(fresh, "resident.deletion_requested", resident_id=fresh.id)
    return fresh
