"""Residents: registration (online and in person), eligibility review by staff, the
resident's own data (view, export, deletion request) and deletion by staff.

Eligibility at registration is decided against the open rounds: every public round whose
results are not yet published. A resident who is eligible for any of them is eligible;
otherwise a shared-district postcode waits for staff; otherwise they are told why not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from pb.domain.eligibility import ELIGIBLE, PENDING, REFUSED, Assessment, age_on, assess, combine
from pb.domain.passwords import password_problem
from pb.domain.phases import Phase
from pb.domain.postcodes import normalise_postcode
from pb.extensions import db
from pb.models import EligibilityStatus, Proposal, Role, Round, User, VoterRoll, VotingCode
from pb.services import audit
from pb.services.auth import find_by_email, normalise_email
from pb.services.eligibility import round_rules
from pb.services.errors import DuplicateRegistration, NotFound, ValidationFailed
from pb.services.passwords import hash_password
from pb.services.transaction import transaction
from pb.services.paging import Page, paginate

MAX_AGE = 120
DOB_EXAMPLE = "for example 27 3 1948"
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_SHAPE = re.compile(r"^\+?[0-9][0-9 ()-]{6,19}$")

DUPLICATE_MESSAGE = (
    "You are already registered with this name, date of birth and postcode. "
    "Sign in with your email address and password, or contact the team if you need help: "
)
DUPLICATE_MESSAGE_STAFF = (
    "This resident is already registered (same name, date of birth and postcode). "
    "Search for them instead of registering them again."
)
EMAIL_TAKEN = "There is already an account with this email address. Sign in instead, or use a different email address"


def name_key(name: str) -> str:
    """Lower case with single spaces: "  Ada  LOVELACE " -> "ada lovelace"."""
    return " ".join((name or "").lower().split())


def clean_name(name: str) -> str:
    return " ".join((name or "").split())


# ---------------------------------------------------------------- input checks


def parse_date_of_birth(day: str | None, month: str | None, year: str | None, today: date | None = None) -> date:
    """Three typed fields -> a date, or ValidationFailed with a message saying how to fix it."""
    today = today or date.today()
    parts = {"day": (day or "").strip(), "month": (month or "").strip(), "year": (year or "").strip()}
    missing = [k for k, v in parts.items() if not v]
    if len(missing) == 3:
        raise _dob_error(f"Enter your date of birth, {DOB_EXAMPLE}")
    if missing:
        raise _dob_error(f"Your date of birth must include a {' and a '.join(missing)}")
    if not all(v.isdigit() for v in parts.values()):
        raise _dob_error(f"Date of birth must be in numbers, {DOB_EXAMPLE}")
    d, m, y = int(parts["day"]), int(parts["month"]), int(parts["year"])
    if len(parts["year"]) != 4:
        raise _dob_error("Enter the year of your date of birth in full, for example 1948")
    if not 1 <= m <= 12:
        raise _dob_error(f"The month must be a number from 1 to 12, {DOB_EXAMPLE}")
    try:
        born = date(y, m, d)
    except ValueError:
        raise _dob_error(f"Date of birth must be a real date. Check the day: {d} {date(2000, m, 1):%B} does not exist") from None
    if born >= today:
        raise _dob_error("Date of birth must be in the past")
    if age_on(born, today) > MAX_AGE:
        raise _dob_error(f"Check the year of your date of birth: {y} would make you over {MAX_AGE} years old")
    return born


def _dob_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="date_of_birth")


def check_postcode(text: str | None) -> str:
    if not (text or "").strip():
        raise ValidationFailed("Enter your postcode, for example E8 1AB", field="postcode")
    normalised = normalise_postcode(text)
    if normalised is None:
        raise ValidationFailed("Enter a real UK postcode, for example E8 1AB", field="postcode")
    return normalised


def _collect(errors: dict[str, str], check, *args):
    """Run one check, keep its message under its field, and go on to the next check."""
    try:
        return check(*args)
    except ValidationFailed as exc:
        errors.update(exc.errors or {exc.field or "form": exc.message})
        return None


def _check_name(name: str | None) -> str:
    cleaned = clean_name(name or "")
    if not cleaned:
        raise ValidationFailed("Enter your full name", field="name")
    if len(cleaned) > 120:
        raise ValidationFailed("Your name must be 120 characters or fewer", field="name")
    return cleaned


def _check_email(email: str | None, required: bool) -> str | None:
    email_n = normalise_email(email)
    if not email_n:
        if required:
            raise ValidationFailed("Enter your email address, like name@example.org. You will use it to sign in", field="email")
        return None
    if len(email_n) > 254 or not EMAIL_SHAPE.match(email_n):
        raise ValidationFailed("Enter an email address in the right form, like name@example.org", field="email")
    if find_by_email(email_n) is not None:
        raise ValidationFailed(EMAIL_TAKEN, field="email")
    return email_n


def _check_phone(phone: str | None) -> str | None:
    phone = " ".join((phone or "").split())
    if not phone:
        return None
    if not PHONE_SHAPE.match(phone):
        raise ValidationFailed("Enter a phone number, like 020 7946 0000 or 07700 900 982", field="phone")
    return phone


def _check_password(password: str | None, confirm: str | None) -> str:
    problem = password_problem(password or "")
    if problem:
        raise ValidationFailed(problem, field="password")
    if confirm is not None and confirm != password:
        raise ValidationFailed("The two passwords do not match. Type the same password twice", field="password_confirm")
    return password or ""


# ---------------------------------------------------------------- eligibility


def open_rounds() -> list[Round]:
    """Rounds a registration is decided against: public, results not yet published."""
    return list(
        db.session.scalars(
            select(Round)
            .where(Round.phase.not_in([Phase.DRAFT, Phase.RESULTS_PUBLISHED]))
            .order_by(Round.id)
        )
    )


NO_OPEN_ROUND = Assessment(
    PENDING,
    "There is no funding round open at the moment, so we cannot check your details yet. "
    "A member of staff will check them when the next round opens and let you know.",
)


def assess_against_open_rounds(date_of_birth: date, postcode: str) -> Assessment:
    rounds = open_rounds()
    if not rounds:
        return NO_OPEN_ROUND
    return combine([assess(date_of_birth, postcode, round_rules(r)) for r in rounds])


# ---------------------------------------------------------------- registration


@dataclass(frozen=True)
class Registration:
    user: User
    status: str
    reason: str
    wants_code: bool


def register(
    *,
    name: str,
    dob_day: str,
    dob_month: str,
    dob_year: str,
    postcode: str,
    email: str | None,
    phone: str | None = None,
    password: str | None = None,
    password_confirm: str | None = None,
    wants_code: bool = False,
) -> Registration:
    """A resident registers themselves. Raises ValidationFailed (every field's problem at
    once) or DuplicateRegistration; nothing is saved unless everything is right."""
    errors: dict[str, str] = {}
    name_c = _collect(errors, _check_name, name)
    born = _collect(errors, parse_date_of_birth, dob_day, dob_month, dob_year)
    postcode_n = _collect(errors, check_postcode, postcode)
    email_n = _collect(errors, _check_email, email, not wants_code)
    phone_c = _collect(errors, _check_phone, phone)
    if wants_code:
        if not email_n and not phone_c and "email" not in errors and "phone" not in errors:
            errors["phone"] = "Give a phone number or an email address, so staff can arrange your voting code"
    else:
        _collect(errors, _check_password, password, password_confirm)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return _create_resident(
        actor=None,
        name=name_c,
        born=born,
        postcode=postcode_n,
        email=email_n,
        phone=phone_c,
        password=None if wants_code else password,
        approve=False,
        wants_code=wants_code,
    )


def register_in_person(
    *,
    actor: User,
    name: str,
    dob_day: str,
    dob_month: str,
    dob_year: str,
    postcode: str,
    phone: str | None = None,
    email: str | None = None,
    checked_id: bool = False,
) -> Registration:
    """Staff register a resident they have met. No password: they vote with a code (or on paper).

    With `checked_id` a registration that would wait for review (a shared district) is
    approved at once; an age or area refusal stays refused.
    """
    errors: dict[str, str] = {}
    name_c = _collect(errors, _check_name, name)
    born = _collect(errors, parse_date_of_birth, dob_day, dob_month, dob_year)
    postcode_n = _collect(errors, check_postcode, postcode)
    email_n = _collect(errors, _check_email, email, False)
    phone_c = _collect(errors, _check_phone, phone)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return _create_resident(
        actor=actor,
        name=name_c,
        born=born,
        postcode=postcode_n,
        email=email_n,
        phone=phone_c,
        password=None,
        approve=checked_id,
        wants_code=True,
    )


def _create_resident(
    *, actor, name, born, postcode, email, phone, password, approve, wants_code
) -> Registration:
    key = name_key(name)
    password_hash = hash_password(password) if password else None  # slow: outside the write lock
    try:
        with transaction():
            if _identity_taken(key, born, postcode):
                raise _duplicate(actor)
            if email and find_by_email(email) is not None:
                raise ValidationFailed(EMAIL_TAKEN, field="email")
            assessment = assess_against_open_rounds(born, postcode)
            status, reason = assessment.status, assessment.reason
            if approve and status == PENDING:
                status = ELIGIBLE
                reason = "A member of staff checked your details and approved your registration."
            user = User(
                role=Role.RESIDENT,
                name=name,
                name_key=key,
                email=email,
                phone=phone,
                password_hash=password_hash,
                date_of_birth=born,
                postcode=postcode,
                eligibility_status=status,
                eligibility_reason=reason,
                registered_by_id=actor.id if actor is not None else None,
            )
            db.session.add(user)
            db.session.flush()
            if actor is not None:
                audit.record(
                    actor,
                    "resident.registered_in_person",
                    resident_id=user.id,
                    status=status,
                    approved_by_staff=bool(approve and assessment.status == PENDING),
                )
    except IntegrityError as exc:
        # Two registrations racing past the check: the database's unique constraints decide.
        text = str(exc.orig).lower()
        if "email" in text:
            raise ValidationFailed(EMAIL_TAKEN, field="email") from None
        raise _duplicate(actor) from None
    return Registration(user=user, status=status, reason=reason, wants_code=wants_code)


def _identity_taken(key: str, born: date, postcode: str) -> bool:
    return (
        db.session.scalar(
            select(User.id).where(User.name_key == key, User.date_of_birth == born, User.postcode == postcode)
        )
        is not None
    )


def _duplicate(actor) -> DuplicateRegistration:
    if actor is not None:
        return DuplicateRegistration(DUPLICATE_MESSAGE_STAFF, field="name")
    from flask import current_app

    return DuplicateRegistration(DUPLICATE_MESSAGE + current_app.config["PB_CONTACT"] + ".", field="name")


def update_details(
    *,
    actor: User,
    user_id: int,
    name: str,
    dob_day: str,
    dob_month: str,
    dob_year: str,
    postcode: str,
    phone: str | None = None,
    email: str | None = None,
    checked_id: bool = False,
) -> Registration:
    """Staff correct a resident's details. A changed date of birth or postcode is assessed
    again against the open rounds (with `checked_id`, a shared district is approved at once)."""
    errors: dict[str, str] = {}
    name_c = _collect(errors, _check_name, name)
    born = _collect(errors, parse_date_of_birth, dob_day, dob_month, dob_year)
    postcode_n = _collect(errors, check_postcode, postcode)
    phone_c = _collect(errors, _check_phone, phone)
    email_n = normalise_email(email)
    if email_n and (len(email_n) > 254 or not EMAIL_SHAPE.match(email_n)):
        errors["email"] = "Enter an email address in the right form, like name@example.org"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    key = name_key(name_c)
    try:
        with transaction():
            user = get_resident(user_id)
            other = db.session.scalar(
                select(User.id).where(
                    User.name_key == key, User.date_of_birth == born, User.postcode == postcode_n, User.id != user.id
                )
            )
            if other is not None:
                raise DuplicateRegistration(
                    "Another resident is registered with this name, date of birth and postcode. "
                    "Search for them: this may be the same person registered twice.",
                    field="name",
                )
            if email_n and email_n != (user.email or ""):
                holder = find_by_email(email_n)
                if holder is not None and holder.id != user.id:
                    raise ValidationFailed("Another account already uses this email address", field="email")
            if not email_n and user.password_hash:
                raise ValidationFailed(
                    "This resident signs in with their email address, so it cannot be removed", field="email"
                )
            changed = [
                field
                for field, old, new in (
                    ("name", user.name, name_c),
                    ("date_of_birth", user.date_of_birth, born),
                    ("postcode", user.postcode, postcode_n),
                    ("phone", user.phone, phone_c),
                    ("email", user.email, email_n),
                )
                if old != new
            ]
            user.name, user.name_key, user.date_of_birth = name_c, key, born
            user.postcode, user.phone, user.email = postcode_n, phone_c, email_n
            if "date_of_birth" in changed or "postcode" in changed or checked_id:
                assessment = assess_against_open_rounds(born, postcode_n)
                status, reason = assessment.status, assessment.reason
                if checked_id and status == PENDING:
                    status = ELIGIBLE
                    reason = "A member of staff checked your details and approved your registration."
                if (status, reason) != (user.eligibility_status, user.eligibility_reason):
                    changed.append("eligibility")
                user.eligibility_status, user.eligibility_reason = status, reason
            if changed:
                audit.record(actor, "resident.updated", resident_id=user.id, changed=changed)
    except IntegrityError:
        raise ValidationFailed("Those details clash with another resident's. Search for them first.", field="name") from None
    return Registration(user=user, status=user.eligibility_status, reason=user.eligibility_reason or "", wants_code=False)


# ---------------------------------------------------------------- staff review


def get_resident(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.RESIDENT:
        raise NotFound("There is no resident with that number. They may have been deleted.")
    return user


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
_WAITING_FOR_A_ROUND = (*_PENDING, User.eligibility_reason == NO_OPEN_ROUND.reason)


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
            raise ValidationFailed("There is still no open round to check them against.")
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
    with transaction():
        user = get_resident(user_id)
        if user.eligibility_status == EligibilityStatus.ELIGIBLE:
            raise ValidationFailed(f"{user.name} is already able to take part.")
        before = user.eligibility_status
        user.eligibility_status = EligibilityStatus.ELIGIBLE
        user.eligibility_reason = note or "A member of staff checked your details and approved your registration."
        audit.record(actor, "resident.approved", resident_id=user.id, before=before, after=user.eligibility_status)
    return user


def refuse(actor: User, user_id: int, reason: str | None) -> User:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Enter the reason, in words the resident will understand. It is shown to them", field="reason"
        )
    if len(reason) > 1000:
        raise ValidationFailed("The reason must be 1,000 characters or fewer", field="reason")
    with transaction():
        user = get_resident(user_id)
        if user.eligibility_status == EligibilityStatus.REFUSED:
            raise ValidationFailed(f"{user.name} is already marked as not able to take part.")
        before = user.eligibility_status
        user.eligibility_status = EligibilityStatus.REFUSED
        user.eligibility_reason = reason
        audit.record(actor, "resident.refused", resident_id=user.id, before=before, after=user.eligibility_status)
    return user


# ---------------------------------------------------------------- the resident's own data


def rounds_voted_in(user: User) -> list[tuple[Round, VoterRoll]]:
    """Which rounds this resident voted in, and how they voted (online or paper) — never what."""
    rows = db.session.execute(
        select(Round, VoterRoll).join(VoterRoll, VoterRoll.round_id == Round.id).where(VoterRoll.user_id == user.id).order_by(Round.id)
    )
    return [(r, v) for r, v in rows]


def rounds_to_take_part_in(user: User) -> list[tuple[Round, str | None, bool]]:
    """Open rounds for the account page: (round, why they cannot take part or None, voted already)."""
    from pb.services.eligibility import why_cannot_take_part

    voted = {r.id for r, _ in rounds_voted_in(user)}
    return [(r, why_cannot_take_part(user, r), r.id in voted) for r in open_rounds()]


def proposals_of(user: User) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(Proposal.proposer_id == user.id).order_by(Proposal.id)))


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
        "about": "The information pb holds about you. It never includes how you voted.",
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


def status_label(status: str) -> str:
    return {
        ELIGIBLE: "Able to take part",
        PENDING: "Waiting for staff to check",
        REFUSED: "Not able to take part",
    }.get(status, status)
