"""Verification letters: a one-time code posted to the address a resident gave.

A resident asks for a letter when they register online (request_letter, in the
registration's transaction) or later from their account (ask_for_letter). Staff print the
waiting letters in a batch (print_letters): each letter gets a new 12-character code from
the voting-code alphabet, shown once on the printed page, and only its keyed hash is kept.
Staff then mark the batch sent (mark_sent). The resident types the code
(enter_letter_code) to become address-verified. A code works once, only for the resident
it was posted to, for 60 days from printing; printing a letter again makes a new code and
the old one stops working.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update

from pb.domain import verification as rules
from pb.domain.errors import NotAllowed, StaleEdit, ValidationFailed
from pb.domain.words import _
from pb.extensions import db
from pb.models import EligibilityStatus, Role, User, VerificationLetter
from pb.services import audit
from pb.services.eligibility import page_day
from pb.services.site_settings import places_to_check_in_person
from pb.services.suspicious_registrations import open_groups
from pb.services.keyed_hash import LETTER_CODE, keyed_hash
# Asking for a letter is part of registration, so it lives apart (pb.services.residents needs it).
from pb.services.letter_requests import check_address_line, request_letter
from pb.services.transaction import lock_user, transaction
from pb.services.verification import mark_verified
from pb.services.voting_codes import format_code, generate_code, is_well_formed, normalise_code

CODE_VALID_FOR = timedelta(days=60)
# A resident whose letter has not come may ask for a new one this long after it was printed.
ASK_AGAIN_AFTER = timedelta(days=14)
# The most letters printed in one batch (the queue shows this many of the oldest).
BATCH_LIMIT = 200
LONDON = ZoneInfo("Europe/London")


def letter_code_hash(code: str) -> str:
    """Keyed hash of a letter code as typed (any case, with or without dashes and spaces)."""
    return keyed_hash(LETTER_CODE, normalise_code(code))


def _contact() -> str:
    return current_app.config["PB_CONTACT"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _live(stmt):
    """Only letters still in play: not used, not cancelled."""
    return stmt.where(VerificationLetter.used_at.is_(None), VerificationLetter.cancelled_at.is_(None))


def current_letter(user: User) -> VerificationLetter | None:
    """The resident's latest letter that is still in play (waiting, printed or posted), if any."""
    return db.session.scalar(
        _live(select(VerificationLetter).where(VerificationLetter.user_id == user.id))
        .order_by(VerificationLetter.id.desc()).limit(1)
        .execution_options(populate_existing=True)
    )


# ---------------------------------------------------------------- a resident asks


@dataclass(frozen=True)
class LetterStatus:
    """Where a resident's letter stands, for their pages.

    `state` is "verified" (no letter needed), "none", "waiting" (not printed yet),
    "posted" (printed less than 14 days ago) or "can_ask_again" (printed longer ago, not used).
    """

    state: str
    letter: VerificationLetter | None = None
    ask_again_on: datetime | None = None


def letter_status(user: User) -> LetterStatus:
    if user.is_verified:
        return LetterStatus("verified")
    letter = current_letter(user)
    if letter is None:
        return LetterStatus("none")
    if letter.printed_at is None:
        return LetterStatus("waiting", letter)
    ask_again_on = letter.printed_at + ASK_AGAIN_AFTER
    return LetterStatus("posted" if _now() < ask_again_on else "can_ask_again", letter, ask_again_on)


def ask_for_letter(user: User, address_line: str | None) -> VerificationLetter:
    """A signed-in resident asks for a letter to their address (the postcode they gave is added).

    Refused if they are verified already, or while a letter is waiting to be printed or was
    printed less than 14 days ago; a letter printed longer ago and not used is replaced (its
    code stops working).
    """
    line = check_address_line(address_line)
    with transaction():
        lock_user(user.id)
        user = db.session.get(User, user.id, populate_existing=True)
        if user is None or user.role != Role.RESIDENT:
            raise NotAllowed(_("Letters are only for residents' own accounts."))
        if user.is_verified:
            raise ValidationFailed(_("Your address is already confirmed, so you do not need a letter."))
        if not user.postcode:
            raise ValidationFailed(_("We need your postcode to post you a letter. Please contact us: %(contact)s.",
                                     contact=_contact()))
        status = letter_status(user)
        if status.state == "waiting":
            raise ValidationFailed(
                _("We already have your request, and your letter is waiting to be printed. "
                  "If your address has changed, contact us: %(contact)s.", contact=_contact())
            )
        if status.state == "posted":
            raise ValidationFailed(
                _("We printed your letter on %(printed)s. Letters can take up to 2 weeks to arrive. "
                  "If it has not come by %(ask_on)s, you can ask for a new one then.",
                  printed=_day(status.letter.printed_at), ask_on=_day(status.ask_again_on))
            )
        replaced = None
        if status.state == "can_ask_again":
            status.letter.cancelled_at = _now()
            replaced = status.letter.id
        letter = request_letter(user, line)
        db.session.flush()
        audit.record(user, "letter.requested", resident_id=user.id, letter_id=letter.id, replaced=replaced)
    return letter


def _day(value: datetime) -> str:
    return page_day(value.astimezone(LONDON).date())


# ---------------------------------------------------------------- staff: the queue, printing, sending


@dataclass(frozen=True)
class LetterQueue:
    waiting: list[tuple[VerificationLetter, User]]  # oldest first, at most BATCH_LIMIT
    waiting_total: int
    printed: list[tuple[VerificationLetter, User]]  # printed, not yet marked sent
    # Waiting letters to residents in a group of suspicious registrations: not printed until staff check it.
    held: list[tuple[VerificationLetter, User]] = field(default_factory=list)


def held_residents() -> set[int]:
    """Residents in an open group of suspicious registrations: their letters wait until staff have checked it,
    as one person could collect the letters of many invented neighbours."""
    return {i for group in open_groups() for i in group.member_ids}


def _with_resident(stmt):
    return stmt.join(User, User.id == VerificationLetter.user_id).where(
        User.is_active_account.is_(True), User.address_line.is_not(None),
        User.eligibility_status != EligibilityStatus.REFUSED)


def letter_queue() -> LetterQueue:
    waiting_where = _with_resident(_live(select(VerificationLetter, User))).where(VerificationLetter.printed_at.is_(None))
    waiting = db.session.execute(
        waiting_where.order_by(VerificationLetter.requested_at, VerificationLetter.id).limit(BATCH_LIMIT)
    ).all()
    total = db.session.scalar(
        _with_resident(_live(select(func.count()).select_from(VerificationLetter)))
        .where(VerificationLetter.printed_at.is_(None))
    ) or 0
    printed = db.session.execute(
        _with_resident(_live(select(VerificationLetter, User)))
        .where(VerificationLetter.printed_at.is_not(None), VerificationLetter.sent_at.is_(None))
        .order_by(VerificationLetter.printed_at, VerificationLetter.id)
    ).all()
    held = held_residents()
    return LetterQueue(waiting=[tuple(r) for r in waiting if r[1].id not in held], waiting_total=total,
                       printed=[tuple(r) for r in printed], held=[tuple(r) for r in waiting if r[1].id in held])


def letter_queue_counts() -> tuple[int, int]:
    """(waiting to be printed, printed but not marked sent)."""
    base = _with_resident(_live(select(func.count()).select_from(VerificationLetter)))
    waiting = db.session.scalar(base.where(VerificationLetter.printed_at.is_(None))) or 0
    unsent = db.session.scalar(
        base.where(VerificationLetter.printed_at.is_not(None), VerificationLetter.sent_at.is_(None))) or 0
    return waiting, unsent


@dataclass(frozen=True)
class PrintedLetter:
    letter: VerificationLetter
    resident: User
    code: str  # grouped for reading, "K7QX-4MRT-9WHC"; exists only on the page printed now


def _chosen_ids(letter_ids) -> list[int]:
    ids = sorted({int(i) for i in letter_ids or []})
    if not ids:
        raise ValidationFailed(_("Choose at least one letter."), field="letter_id")
    if len(ids) > BATCH_LIMIT:
        raise ValidationFailed(_("Choose at most %(most)s letters at a time.", most=BATCH_LIMIT), field="letter_id")
    return ids


def _locked_letters(ids: list[int]) -> list[tuple[VerificationLetter, User]]:
    stmt = (select(VerificationLetter, User).join(User, User.id == VerificationLetter.user_id)
            .where(VerificationLetter.id.in_(ids)).order_by(VerificationLetter.id)
            .execution_options(populate_existing=True))
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=VerificationLetter)
    return [tuple(r) for r in db.session.execute(stmt).all()]


def print_letters(actor: User, letter_ids, *, reprint: bool = False) -> list[PrintedLetter]:
    """Make a new code for each chosen letter and return the letters with their codes (the only time they exist).

    Without `reprint` every letter must still be waiting to be printed; with it, every letter
    must have been printed and not yet marked sent, and its earlier code stops working.
    Anything else (printed by someone else meanwhile, no longer needed) refuses the whole
    batch and nothing is stored.
    """
    ids = _chosen_ids(letter_ids)
    with transaction():
        rows = _locked_letters(ids)
        fits = [r for r in rows if _printable(*r, reprint=reprint)]
        if len(fits) != len(ids):
            if reprint:
                raise StaleEdit(_("Some of these letters have changed since the list was shown (marked as sent, "
                                  "or no longer needed). Nothing was printed: look at the list again."))
            raise StaleEdit(_("Some of these letters were printed already, perhaps by someone else or because the "
                              "page was sent twice, or are no longer needed. Nothing was printed: look at the list "
                              "again. A code that was printed cannot be shown again; print that letter again to "
                              "make a new code."))
        held = held_residents() if not reprint else set()
        stopped = sorted(resident.name for _, resident in rows if resident.id in held)
        if stopped:
            raise ValidationFailed(
                _("Nothing was printed. The letter to %(names)s is held: the resident is in a group "
                  "of suspicious registrations. Check the group first, then print the letter.",
                  names=", ".join(stopped)), field="letter_id")
        now = _now()
        codes: set[str] = set()
        printed = []
        for letter, resident in rows:
            code = generate_code()
            while code in codes:  # two equal codes in one batch: about 1 in 10^16
                code = generate_code()
            codes.add(code)
            letter.code_hash = letter_code_hash(code)
            letter.printed_at, letter.printed_by_id = now, actor.id
            letter.expires_at = now + CODE_VALID_FOR
            letter.sent_at = letter.sent_by_id = None
            printed.append(PrintedLetter(letter, resident, format_code(code)))
        audit.record(actor, "letters.reprinted" if reprint else "letters.printed", count=len(rows),
                     letter_ids=[letter.id for letter, _ in rows])
    return printed


def _printable(letter: VerificationLetter, resident: User, *, reprint: bool) -> bool:
    if letter.used_at is not None or letter.cancelled_at is not None:
        return False
    if not resident.is_active_account or not resident.address_line or resident.is_verified:
        return False
    if resident.eligibility_status == EligibilityStatus.REFUSED:
        return False
    if reprint:
        return letter.printed_at is not None and letter.sent_at is None
    return letter.printed_at is None


@dataclass(frozen=True)
class SentOutcome:
    marked: int
    # Residents verified another way since their letter was printed: do not post those.
    not_needed: list[str]


def mark_sent(actor: User, letter_ids) -> SentOutcome:
    """Record that the chosen printed letters were posted; audited."""
    ids = _chosen_ids(letter_ids)
    with transaction():
        rows = _locked_letters(ids)
        if len(rows) != len(ids) or any(letter.printed_at is None for letter, _ in rows):
            raise StaleEdit(_("Only printed letters can be marked as sent. Nothing was changed: look at the list again."))
        # A letter whose code was used already was plainly posted: it is marked too.
        to_mark = [letter for letter, _ in rows if letter.sent_at is None and letter.cancelled_at is None]
        not_needed = [resident.name for letter, resident in rows
                      if letter.cancelled_at is not None and letter.sent_at is None]
        if not to_mark and not not_needed:
            raise ValidationFailed(_("These letters are already marked as sent."), field="letter_id")
        now = _now()
        for letter in to_mark:
            letter.sent_at, letter.sent_by_id = now, actor.id
        audit.record(actor, "letters.sent", count=len(to_mark), letter_ids=[letter.id for letter in to_mark],
                     not_needed=len(not_needed))
    return SentOutcome(marked=len(to_mark), not_needed=not_needed)


# ---------------------------------------------------------------- the resident types the code


def _not_recognised() -> ValidationFailed:
    return ValidationFailed(
        _("We do not recognise that code. Check it against your letter and type it again: "
          "it has 12 letters and numbers, like K7QX-4MRT-9WHC."),
        field="code",
    )


def enter_letter_code(user: User, text: str | None) -> VerificationLetter:
    """Verify `user` with the code from their letter, typed any way; refuse with a message that says what to do.

    A code that belongs to another resident is answered as an unknown one, so a guess
    reveals nothing. On success the resident is address-verified and the letter used up,
    in one transaction; a refusal stores nothing.
    """
    code = normalise_code(text)
    with transaction():
        lock_user(user.id)
        user = db.session.get(User, user.id, populate_existing=True)
        if user is None:
            raise _not_recognised()
        if user.is_verified:
            raise ValidationFailed(
                _("Your address is already confirmed (%(way)s), so you do not need a code.",
                  way=_(user.verification_enum.label).lower()), field="code")
        if not code:
            raise ValidationFailed(_("Enter the code from your letter. It has 12 letters and numbers, "
                                     "like K7QX-4MRT-9WHC."), field="code")
        if not is_well_formed(code):
            raise _not_recognised()
        letter = db.session.scalar(
            select(VerificationLetter).where(VerificationLetter.code_hash == letter_code_hash(code))
            .execution_options(populate_existing=True)
        )
        if letter is None or letter.user_id != user.id:
            raise _not_recognised()
        if letter.used_at is not None:
            raise ValidationFailed(_("This code has already been used, and each code works only once. "
                                     "If you did not use it, contact us: %(contact)s.", contact=_contact()), field="code")
        if letter.cancelled_at is not None:
            raise ValidationFailed(_("This code was replaced by a newer letter. Use the code in the letter we sent "
                                     "you most recently, or contact us: %(contact)s.", contact=_contact()), field="code")
        now = _now()
        if letter.expires_at is None or letter.expires_at <= now:
            raise ValidationFailed(
                _("This code has expired: codes work for %(days)s days after we print the letter. Ask for a new "
                  "letter from your account page, or contact us: %(contact)s.", days=60, contact=_contact()),
                field="code")
        used = db.session.execute(
            update(VerificationLetter)
            .where(VerificationLetter.id == letter.id, VerificationLetter.used_at.is_(None),
                   VerificationLetter.cancelled_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if used != 1:
            raise ValidationFailed(_("This code has already been used, and each code works only once."), field="code")
        # The letter's number, not the address: the note goes into the audit log, which is never deleted.
        mark_verified(user, rules.LETTER, note=f"Code from verification letter {letter.id}", when=now)
    return letter


# ---------------------------------------------------------------- every way to be verified


@dataclass(frozen=True)
class WaysToVerify:
    """What a resident who must be verified can do: their letter, places to be checked in person, a phone number."""

    letter: LetterStatus
    can_ask_for_letter: bool
    places: list[str]
    contact: str


def ways_to_verify(user: User) -> WaysToVerify:
    status = letter_status(user)
    return WaysToVerify(letter=status, can_ask_for_letter=status.state in ("none", "can_ask_again") and bool(user.postcode),
                        places=places_to_check_in_person(), contact=_contact())
