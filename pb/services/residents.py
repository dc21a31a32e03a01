"""Residents: registration (online and in person), corrections by staff, and finding a resident by number.

Eligibility at registration is decided against the open rounds: every public round whose
results are not yet published. A resident who is eligible for any of them is eligible;
otherwise a shared-district postcode waits for staff; otherwise they are told why not. Someone
registering themselves who cannot take part gets no account (NotEligible says why); staff
registering someone in person still record them, refused, with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pb.domain.eligibility import ELIGIBLE, PENDING, REFUSED, Assessment, assess, combine
from pb.domain.errors import DuplicateRegistration, NotEligible, ValidationFailed
from pb.domain.person import (
    PersonDetails,
    EMAIL_SHAPE,
    check_name,
    check_password,
    check_phone,
    check_postcode,
    collect,
    name_key,
    parse_date_of_birth,
)
from pb.domain.phases import Phase
from pb.domain.words import N_, _
from pb.extensions import db
from pb.models import Role, Round, User
from pb.services import audit
from pb.services.auth import find_by_email, normalise_email
from pb.services.eligibility import APPROVED_BY_STAFF, NO_OPEN_ROUND, page_day, round_rules
from pb.services.passwords import hash_password
from pb.domain import verification as verification_rules
from pb.services.resident_lists import match_resident
from pb.services.residents_query import get_resident
from pb.services.verification import clear_old_network_keys, mark_self_declared, mark_verified
from pb.services.letter_requests import check_address_line, request_letter
from pb.services.transaction import transaction

DUPLICATE_MESSAGE = N_(
    "You are already registered with this name, date of birth and postcode. "
    "Sign in with your email address and password, or contact the team if you need help: %(contact)s."
)
DUPLICATE_MESSAGE_STAFF = N_(
    "This resident is already registered (same name, date of birth and postcode). "
    "Search for them instead of registering them again."
)
# Kept with the verification record and in the audit log, as written at the time: not translated.
IN_PERSON_NOTE = "Registered in person: staff saw proof of name and address"
EMAIL_TAKEN = N_("There is already an account with this email address. Sign in instead, or use a different email address")


def check_email(email: str | None, required: bool) -> str | None:
    email_n = normalise_email(email)
    if not email_n:
        if required:
            raise ValidationFailed(_("Enter your email address, like name@example.org. You will use it to sign in"), field="email")
        return None
    if len(email_n) > 254 or not EMAIL_SHAPE.match(email_n):
        raise ValidationFailed(_("Enter an email address in the right form, like name@example.org"), field="email")
    if find_by_email(email_n) is not None:
        raise ValidationFailed(_(EMAIL_TAKEN), field="email")
    return email_n



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


def assess_against_open_rounds(date_of_birth: date, postcode: str) -> Assessment:
    rounds = open_rounds()
    if not rounds:
        return Assessment(PENDING, NO_OPEN_ROUND)  # kept in English: see reason_words
    return combine([assess(date_of_birth, postcode, round_rules(r), page_day) for r in rounds])


# ---------------------------------------------------------------- registration


def _person(errors: dict[str, str], details: PersonDetails) -> tuple:
    """Name, date of birth and postcode as checked, each problem kept under its field in `errors`."""
    return (collect(errors, check_name, details.name),
            collect(errors, parse_date_of_birth, details.dob_day, details.dob_month, details.dob_year),
            collect(errors, check_postcode, details.postcode))


def _approved_at_once(assessment: Assessment) -> tuple[str, str]:
    """Staff who checked someone's details approve a registration that would wait for review; a refusal stays."""
    if assessment.status == PENDING:
        return ELIGIBLE, APPROVED_BY_STAFF  # kept in English: see reason_words
    return assessment.status, assessment.reason


@dataclass(frozen=True)
class Registration:
    user: User
    status: str
    reason: str
    wants_code: bool


def register(
    *,
    details: PersonDetails,
    password: str | None = None,
    password_confirm: str | None = None,
    wants_code: bool = False,
    wants_letter: bool = False,
    address_line: str | None = None,
    network_key: str | None = None,
    language: str | None = None,
) -> Registration:
    """A resident registers themselves. Raises ValidationFailed (every field's problem at
    once), DuplicateRegistration, or NotEligible (with the reason in plain words) when the open
    rounds' age and area rules leave them out; nothing is saved unless everything is right, so
    nobody is left with an account they cannot use.

    The new resident is self-declared unless a resident list holds them (then list-matched);
    with `wants_letter` a verification letter to `address_line` is queued for staff to post.
    `network_key` (pb.services.verification.network_key) lets staff spot many registrations
    from one network; it is cleared after 90 days. `language` is the language of the pages they
    registered on, kept as the one they read pb in.
    """
    errors: dict[str, str] = {}
    name_c, born, postcode_n = _person(errors, details)
    address_c = collect(errors, check_address_line, address_line) if wants_letter else None
    if wants_letter and wants_code:
        # A letter's code is typed in after signing in; a resident with a voting code never signs in.
        errors["wants_letter"] = _("A letter's code is typed in after signing in with a password. Choose to vote "
                                   "online, or leave the letter: staff will check you when they give you your code")
    email_n = collect(errors, check_email, details.email, not wants_code)
    phone_c = collect(errors, check_phone, details.phone)
    if wants_code:
        if not email_n and not phone_c and "email" not in errors and "phone" not in errors:
            errors["phone"] = _("Give a phone number or an email address, so staff can arrange your voting code")
    else:
        collect(errors, check_password, password, password_confirm)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return _create_resident(actor=None, name=name_c, born=born, postcode=postcode_n, email=email_n, phone=phone_c,
                            password=None if wants_code else password, approve=False, wants_code=wants_code,
                            letter_to=address_c, network_key=network_key, refuse_ineligible=True, language=language)


def _language_choice(errors: dict[str, str], code: str | None, languages) -> str | None:
    """A language staff chose for a resident: one of `languages` (the codes pb speaks), or None for none."""
    code = (code or "").strip().lower()
    if not code:
        return None
    if code not in languages:
        errors["language"] = _("Choose one of the languages in the list.")
    return code


def register_in_person(*, actor: User, details: PersonDetails, checked_id: bool = False, languages=()) -> Registration:
    """Staff register a resident they have met. No password: they vote with a code (or on paper).

    With `checked_id` (staff saw proof of name and address) the resident is staff-verified,
    and a registration that would wait for review (a shared district) is approved at once; an
    age or area refusal stays refused.
    """
    errors: dict[str, str] = {}
    name_c, born, postcode_n = _person(errors, details)
    email_n = collect(errors, check_email, details.email, False)
    phone_c = collect(errors, check_phone, details.phone)
    language = _language_choice(errors, details.language, languages)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return _create_resident(actor=actor, name=name_c, born=born, postcode=postcode_n, email=email_n, phone=phone_c,
                            password=None, approve=checked_id, wants_code=True, language=language)


def _create_resident(
    *, actor, name, born, postcode, email, phone, password, approve, wants_code, letter_to=None, network_key=None,
    refuse_ineligible=False, language=None,
) -> Registration:
    key = name_key(name)
    password_hash = hash_password(password) if password else None  # slow: outside the write lock
    try:
        with transaction():
            if _identity_taken(key, born, postcode):
                raise _duplicate(actor)
            if email and find_by_email(email) is not None:
                raise ValidationFailed(_(EMAIL_TAKEN), field="email")
            assessment = assess_against_open_rounds(born, postcode)
            status, reason = _approved_at_once(assessment) if approve else (assessment.status, assessment.reason)
            if refuse_ineligible and status == REFUSED:
                raise NotEligible(reason, field="date_of_birth")
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
                network_key=network_key,
                language=language,
            )
            db.session.add(user)
            db.session.flush()
            if network_key:
                clear_old_network_keys()
            if approve:
                mark_verified(user, verification_rules.STAFF, actor=actor, note=IN_PERSON_NOTE)
            elif match_resident(user) is None and letter_to and status != REFUSED:
                request_letter(user, letter_to)
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
            raise ValidationFailed(_(EMAIL_TAKEN), field="email") from None
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
        return DuplicateRegistration(_(DUPLICATE_MESSAGE_STAFF), field="name")
    return DuplicateRegistration(_(DUPLICATE_MESSAGE, contact=current_app.config["PB_CONTACT"]), field="name")


def update_details(*, actor: User, user_id: int, details: PersonDetails, checked_id: bool = False,
                   languages=()) -> Registration:
    """Staff correct a resident's details. A changed date of birth or postcode is assessed
    again against the open rounds (with `checked_id`, a shared district is approved at once)."""
    errors: dict[str, str] = {}
    name_c, born, postcode_n = _person(errors, details)
    phone_c = collect(errors, check_phone, details.phone)
    email_n = normalise_email(details.email)
    if email_n and (len(email_n) > 254 or not EMAIL_SHAPE.match(email_n)):
        errors["email"] = _("Enter an email address in the right form, like name@example.org")
    language = _language_choice(errors, details.language, languages)
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
                    _("Another resident is registered with this name, date of birth and postcode. "
                      "Search for them: this may be the same person registered twice."),
                    field="name",
                )
            if email_n and email_n != (user.email or ""):
                holder = find_by_email(email_n)
                if holder is not None and holder.id != user.id:
                    raise ValidationFailed(_("Another account already uses this email address"), field="email")
            if not email_n and user.password_hash:
                raise ValidationFailed(
                    _("This resident signs in with their email address, so it cannot be removed"), field="email"
                )
            changed = [
                field
                for field, old, new in (
                    ("name", user.name, name_c),
                    ("date_of_birth", user.date_of_birth, born),
                    ("postcode", user.postcode, postcode_n),
                    ("phone", user.phone, phone_c),
                    ("email", user.email, email_n),
                    ("language", user.language, language),
                )
                if old != new
            ]
            user.name, user.name_key, user.date_of_birth = name_c, key, born
            user.postcode, user.phone, user.email = postcode_n, phone_c, email_n
            user.language = language
            if "date_of_birth" in changed or "postcode" in changed or checked_id:
                assessment = assess_against_open_rounds(born, postcode_n)
                status, reason = (_approved_at_once(assessment) if checked_id
                                  else (assessment.status, assessment.reason))
                if (status, reason) != (user.eligibility_status, user.eligibility_reason):
                    changed.append("eligibility")
                user.eligibility_status, user.eligibility_reason = status, reason
            if changed:
                audit.record(actor, "resident.updated", resident_id=user.id, changed=changed)
            _reverify(user, actor, changed, checked_id)
    except IntegrityError:
        raise ValidationFailed(_("Those details clash with another resident's. Search for them first."), field="name") from None
    return Registration(user=user, status=user.eligibility_status, reason=user.eligibility_reason or "", wants_code=False)


def _reverify(user: User, actor: User, changed: list[str], checked_id: bool) -> None:
    """After staff change a resident's details: a list match or a letter about the old details no longer
    holds (the new ones may match a list again), and staff who saw proof verify them."""
    identity = {"name", "date_of_birth", "postcode"} & set(changed)
    if identity and user.verification in (verification_rules.LIST, verification_rules.LETTER):
        mark_self_declared(user, actor=actor, reason="The resident's " + ", ".join(sorted(identity)).replace("_", " ")
                           + " changed")
        match_resident(user)
    if checked_id:
        mark_verified(user, verification_rules.STAFF, actor=actor,
                      note="Details checked by staff: saw proof of name and address")


STATUS_LABELS = {
    ELIGIBLE: N_("Able to take part"),
    PENDING: N_("Waiting for staff to check"),
    REFUSED: N_("Not able to take part"),
}


def status_label(status: str) -> str:
    """A resident's eligibility status in the current language."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def set_language(user: User, code: str | None, languages) -> None:
    """Keep the language a resident reads pb in (one of `languages`, the codes pb speaks)."""
    code = (code or "").strip().lower()
    if code not in languages:
        raise ValidationFailed(_("Choose one of the languages in the list."), field="language")
    with transaction():
        db.session.get(User, user.id).language = code
    user.language = code
