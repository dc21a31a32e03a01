"""Staff looking after residents: search, registrations waiting for review, approval or refusal, and deletion."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import delete, func, or_, select, update

from pb.domain.eligibility import ELIGIBLE, PENDING, REFUSED
from pb.domain.errors import ValidationFailed
from pb.domain.person import name_key
from pb.domain.words import N_, _
from pb.extensions import db
from pb.models import EligibilityStatus, Proposal, Role, User, VerificationLetter, VoterRoll, VotingCode
from pb.services import audit
from pb.services.paging import Page, paginate
from pb.services.eligibility import APPROVED_BY_STAFF, NO_OPEN_ROUND
from pb.services.residents import assess_against_open_rounds, get_resident, open_rounds
from pb.services.transaction import transaction


def search(query: str | None, limit: int = 50) -> list[User]:
    """Residents whose name or postcode contains the query (any case, any spacing)."""
    stmt = select(User).where(User.role == Role.RESIDENT)
    q = name_key(query or "")
    if q:
        compact = re.sub(r"\s+", "", q).upper()
        stmt = stmt.where(
            or_(
                User.name_key.contains(q, autoescape=True),
                func.replace(User.postcode, " ", "").contains(compact, autoescape=True),
            )
        )
    return list(db.session.scalars(stmt.order_by(User.name_key, User.id).limit(limit)))


REVIEW_PAGE_SIZE = 50

_PENDING = (User.role == Role.RESIDENT, User.eligibility_status == EligibilityStatus.PENDING)
_DELETION_ASKED = (User.role == Role.RESIDENT, User.deletion_requested_at.is_not(None))
_WAITING_FOR_A_ROUND = (*_PENDING, User.eligibility_reason == NO_OPEN_ROUND)


def _count(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(*conditions)) or 0


def pending_page(page: int = 1) -> Page[User]:
    """Residents waiting for review, oldest registration first, REVIEW_PAGE_SIZE at a time."""
    return paginate(select(User).where(*_PENDING).order_by(User.created_at, User.id), page, REVIEW_PAGE_SIZE)


def pending_count() -> int:
    return _count(*_PENDING)


def deletion_requests() -> list[User]:
    return list(db.session.scalars(select(User).where(*_DELETION_ASKED).order_by(User.deletion_requested_at)))


def deletion_count() -> int:
    return _count(*_DELETION_ASKED)


def waiting_for_a_round() -> list[User]:
    """Residents who registered while no round was open, so nothing has been checked yet."""
    return list(db.session.scalars(select(User).where(*_WAITING_FOR_A_ROUND).order_by(User.created_at, User.id)))


def waiting_count() -> int:
    return _count(*_WAITING_FOR_A_ROUND)


def reassess_waiting(actor: User) -> dict[str, int]:
    """Check residents who registered while no round was open against the rounds open now."""
    counts = {ELIGIBLE: 0, PENDING: 0, REFUSED: 0}
    with transaction():
        if not open_rounds():
            raise ValidationFailed(_("There is still no open round to check them against."))
        for user in waiting_for_a_round():
            if user.date_of_birth is None or not user.postcode:
                continue
            assessment = assess_against_open_rounds(user.date_of_birth, user.postcode)
            user.eligibility_status, user.eligibility_reason = assessment.status, assessment.reason
            counts[assessment.status] += 1
        audit.record(actor, "resident.reassessed", **counts)
    return counts


def approve(actor: User, user_id: int, note: str | None = None) -> User:
    note = (note or "").strip()
    return _decide(actor, user_id, EligibilityStatus.ELIGIBLE,
                   note or APPROVED_BY_STAFF, N_("%(name)s is already able to take part."), "resident.approved")


def refuse(actor: User, user_id: int, reason: str | None) -> User:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Enter the reason, in words the resident will understand. It is shown to them"), field="reason"
        )
    if len(reason) > 1000:
        raise ValidationFailed(_("The reason must be 1,000 characters or fewer"), field="reason")
    return _decide(actor, user_id, EligibilityStatus.REFUSED, reason,
                   N_("%(name)s is already marked as not able to take part."), "resident.refused")


def _decide(actor: User, user_id: int, status: str, reason: str, already: str, action: str) -> User:
    """Set a resident's eligibility with the reason they are shown, audited; refused if it is already so."""
    with transaction():
        user = get_resident(user_id)
        if user.eligibility_status == status:
            raise ValidationFailed(_(already, name=user.name))
        before = user.eligibility_status
        user.eligibility_status = status
        user.eligibility_reason = reason
        audit.record(actor, action, resident_id=user.id, before=before, after=user.eligibility_status)
    return user


def delete_resident(actor: User, user_id: int) -> dict:
    """Delete a resident's personal data for good.

    Their voter-roll rows stay with no resident (so the voter roll still counts the same
    as the ballots), their proposals stay with no proposer and no private contact, unused
    voting codes are cancelled. The audit row says how many of each, and nothing personal.
    """
    now = datetime.now(timezone.utc)
    with transaction():
        user = get_resident(user_id)
        voter_rows = db.session.scalar(select(func.count()).select_from(VoterRoll).where(VoterRoll.user_id == user.id))
        proposal_ids = list(db.session.scalars(select(Proposal.id).where(Proposal.proposer_id == user.id)))
        db.session.execute(
            update(VotingCode)
            .where(VotingCode.user_id == user.id, VotingCode.used_at.is_(None), VotingCode.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        if proposal_ids:
            db.session.execute(
                update(Proposal).where(Proposal.id.in_(proposal_ids)).values(proposer_id=None, contact="")
            )
        # Done here rather than left to ON DELETE SET NULL, so it does not depend on the database's settings.
        db.session.execute(update(VoterRoll).where(VoterRoll.user_id == user.id).values(user_id=None))
        db.session.execute(update(VotingCode).where(VotingCode.user_id == user.id).values(user_id=None))
        # Letters hold their address (and a code that must not outlive them).
        db.session.execute(delete(VerificationLetter).where(VerificationLetter.user_id == user.id))
        requested = user.deletion_requested_at is not None
        db.session.expunge(user)
        db.session.execute(delete(User).where(User.id == user_id))
        audit.record(
            actor,
            "resident.deleted",
            resident_id=user_id,
            requested_by_resident=requested,
            voter_roll_rows_kept=voter_rows,
            proposals_kept=len(proposal_ids),
        )
    return {"voter_roll_rows_kept": voter_rows, "proposals_kept": len(proposal_ids)}
