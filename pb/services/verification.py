"""How pb knows a resident is real: recording each way of verifying them, staff checks, and the
counts staff and the public see (DESIGN.md, "Who may vote: verification").

A resident is self-declared until one of: staff saw proof in person or checked by a phone call
(`verify_by_staff`, and in-person registration with "I checked their ID"), a match in a resident
list staff uploaded (pb.services.resident_lists), or the code from a letter posted to their
address (pb.services.verification_letters). Every change is audited. A verified-only round takes
online ballots only from verified residents (pb.services.ballots.cast_ballot checks it in the
ballot's own transaction); paper ballots and voting codes come through staff, who identified
the person, and count as such.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from pb.domain import verification as rules
from pb.domain.errors import ValidationFailed
from pb.domain.words import _
from pb.extensions import db
from pb.models import EligibilityStatus, Role, Round, User, VerificationLetter, VoterRoll
from pb.services import audit
from pb.services.keyed_hash import NETWORK, keyed_hash
from pb.services.residents_query import get_resident
from pb.services.transaction import lock_user, transaction

# How staff checked someone, as the verification note and the audit log keep it (in English, not translated).
STAFF_WAYS = {
    "in_person": "Saw proof of name and address in person",
    "phone": "Checked by a phone call",
}


def mark_verified(user: User, way: str, *, actor: User | None = None, note: str = "",
                  list_id: int | None = None, when: datetime | None = None) -> bool:
    """Record that `user` is verified `way` (staff, list or letter), in the caller's transaction.

    A resident already verified keeps the way that verified them first; returns whether
    anything changed. Unused verification letters are cancelled: they are no longer needed.
    """
    if way not in rules.VERIFIED_WAYS:
        raise ValueError(f"unknown way of verifying {way!r}")
    if user.is_verified:
        return False
    now = when or datetime.now(timezone.utc)
    user.verification = way
    user.verified_at = now
    user.verified_by_id = actor.id if actor is not None else None
    user.verification_note = note or None
    user.verified_list_id = list_id if way == rules.LIST else None
    user.verification_requested_at = None
    db.session.execute(
        update(VerificationLetter)
        .where(VerificationLetter.user_id == user.id, VerificationLetter.used_at.is_(None),
               VerificationLetter.cancelled_at.is_(None))
        .values(cancelled_at=now)
    )
    audit.record(actor, "resident.verified", resident_id=user.id, way=way, note=note or None, list_id=list_id)
    return True


def mark_self_declared(user: User, *, actor: User | None, reason: str) -> None:
    """Undo a verification (its resident list was deleted, say), in the caller's transaction; audited."""
    if not user.is_verified:
        return
    was = user.verification
    user.verification = rules.SELF_DECLARED
    user.verified_at = user.verified_by_id = user.verification_note = user.verified_list_id = None
    audit.record(actor, "resident.verification_removed", resident_id=user.id, was=was, reason=reason)


def verify_by_staff(actor: User, user_id: int, how: str, note: str | None) -> User:
    """A member of staff verifies a resident: seen in person with proof, or checked on the phone.

    The note says what was checked ("Council tax bill, at the Tuesday drop-in"); it is required.
    """
    errors: dict[str, str] = {}
    if how not in STAFF_WAYS:
        errors["how"] = _("Choose how you checked this resident")
    note_c = " ".join((note or "").split())
    if not note_c:
        errors["note"] = _("Say what you checked, for example: Saw a council tax bill at the drop-in")
    elif len(note_c) > 500:
        errors["note"] = _("Keep the note to 500 characters or fewer")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    with transaction():
        lock_user(user_id)
        user = get_resident(user_id)
        if user.is_verified:
            raise ValidationFailed(_("%(name)s is already verified (%(way)s).", name=user.name,
                                    way=_(user.verification_enum.label).lower()))
        mark_verified(user, rules.STAFF, actor=actor, note=f"{STAFF_WAYS[how]}: {note_c}")
    return user


def request_verification(actor: User, user_id: int) -> User:
    """Staff ask a self-declared resident to be verified before they vote, in any round."""
    with transaction():
        lock_user(user_id)
        user = get_resident(user_id)
        if user.is_verified:
            raise ValidationFailed(_("%(name)s is already verified.", name=user.name))
        if user.verification_requested_at is None:
            user.verification_requested_at = datetime.now(timezone.utc)
            audit.record(actor, "resident.verification_requested", resident_id=user.id)
    return user


NETWORK_KEY_DAYS = 90


def clear_old_network_keys(now: datetime | None = None) -> int:
    """Delete the network hash of every registration older than NETWORK_KEY_DAYS, in the caller's transaction.

    Run with every online registration (and daily by `flask pb purge-network-keys`), so none is
    kept longer than the privacy text says. Returns how many were deleted.
    """
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=NETWORK_KEY_DAYS)
    result = db.session.execute(
        update(User).where(User.network_key.is_not(None), User.created_at < cutoff)
        .values(network_key=None).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def network_key(remote_address: str | None) -> str | None:
    """A keyed hash of the network (IPv4 /24, IPv6 /48) a registration came from; never the address itself."""
    prefix = rules.network_prefix(remote_address)
    return keyed_hash(NETWORK, prefix) if prefix else None


# ---------------------------------------------------------------- what a resident is told


def must_verify_first(user: User, round_: Round) -> bool:
    """Whether `user` must be verified before voting online in `round_` (a resident's own ballot)."""
    return rules.must_verify_first(
        verified_only=bool(round_.verified_only), resident_way=user.verification,
        verification_requested=user.verification_requested_at is not None, paper=False, used_voting_code=False,
    )


def not_verified_message(round_: Round) -> str:
    if round_.area_name:
        return _("Before you can vote we need to check you live in %(area)s.", area=round_.area_name)
    return _("Before you can vote we need to check you live in the area this round is for.")


# ---------------------------------------------------------------- counts (never names)


def residents_by_verification() -> dict[str, int]:
    """Eligible residents by how they are known: every way, with 0 where there are none."""
    rows = db.session.execute(
        select(User.verification, func.count())
        .where(User.role == Role.RESIDENT, User.eligibility_status == EligibilityStatus.ELIGIBLE,
               User.is_active_account.is_(True))
        .group_by(User.verification)
    )
    return rules.count_by_way(rows, rules.RESIDENT_WAYS)


def ballots_by_verification(round_id: int) -> dict[str, int]:
    """Ballots cast in a round by how the voter was known (pb.domain.verification.BALLOT_WAYS).

    "unrecorded" counts ballots cast before pb recorded it.
    """
    rows = db.session.execute(
        select(VoterRoll.verification, func.count()).where(VoterRoll.round_id == round_id)
        .group_by(VoterRoll.verification)
    )
    return rules.count_by_way(rows, rules.BALLOT_WAYS, missing="unrecorded")
