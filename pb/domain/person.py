"""A person's details as typed: name, date of birth, postcode, phone and password, checked with messages that say how to fix them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pb.domain.eligibility import age_on
from pb.domain.errors import ValidationFailed
from pb.domain.passwords import password_problem
from pb.domain.postcodes import normalise_postcode
from pb.domain.words import N_, _

MAX_AGE = 120
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_SHAPE = re.compile(r"^\+?[0-9(][0-9 ()-]{6,19}$")


@dataclass(frozen=True)
class PersonDetails:
    """A person's details as a form sends them, typed text not yet checked."""

    name: str | None
    dob_day: str | None
    dob_month: str | None
    dob_year: str | None
    postcode: str | None
    phone: str | None = None
    email: str | None = None
    language: str | None = None  # the language they read pb in, as chosen (a code such as "tr"), if any


def name_key(name: str) -> str:
    """Lower case with single spaces: "  Ada  LOVELACE " -> "ada lovelace"."""
    return " ".join((name or "").lower().split())


def clean_name(name: str) -> str:
    return " ".join((name or "").split())


def parse_date_of_birth(day: str | None, month: str | None, year: str | None, today: date | None = None) -> date:
    """Three typed fields -> a date, or ValidationFailed with a message saying how to fix it."""
    today = today or date.today()
    parts = {"day": (day or "").strip(), "month": (month or "").strip(), "year": (year or "").strip()}
    missing = [k for k, v in parts.items() if not v]
    if len(missing) == 3:
        raise _dob_error(_("Enter your date of birth, for example 27 3 1948"))
    if missing:
        raise _dob_error(_(_MISSING_PARTS[tuple(missing)]))
    if not all(v.isdigit() for v in parts.values()):
        raise _dob_error(_("Date of birth must be in numbers, for example 27 3 1948"))
    d, m, y = int(parts["day"]), int(parts["month"]), int(parts["year"])
    if len(parts["year"]) != 4:
        raise _dob_error(_("Enter the year of your date of birth in full, for example 1948"))
    if not 1 <= m <= 12:
        raise _dob_error(_("The month must be a number from 1 to 12, for example 27 3 1948"))
    try:
        born = date(y, m, d)
    except ValueError:
        raise _dob_error(_("Date of birth must be a real date. Check the day: %(day)s %(month)s does not exist",
                           day=d, month=_(_MONTHS[m - 1]))) from None
    if born >= today:
        raise _dob_error(_("Date of birth must be in the past"))
    if age_on(born, today) > MAX_AGE:
        raise _dob_error(_("Check the year of your date of birth: %(year)s would make you over %(most)s years old",
                           year=y, most=MAX_AGE))
    return born


# Which parts of a date of birth are missing, each said whole.
_MISSING_PARTS = {
    ("day",): N_("Your date of birth must include a day"),
    ("month",): N_("Your date of birth must include a month"),
    ("year",): N_("Your date of birth must include a year"),
    ("day", "month"): N_("Your date of birth must include a day and a month"),
    ("day", "year"): N_("Your date of birth must include a day and a year"),
    ("month", "year"): N_("Your date of birth must include a month and a year"),
}
# TRANSLATORS: a month's name on its own, in "Check the day: 31 February does not exist".
_MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
           N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))


def _dob_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="date_of_birth")


def check_postcode(text: str | None) -> str:
    if not (text or "").strip():
        raise ValidationFailed(_("Enter your postcode, for example E8 1AB"), field="postcode")
    normalised = normalise_postcode(text)
    if normalised is None:
        raise ValidationFailed(_("Enter a real UK postcode, for example E8 1AB"), field="postcode")
    return normalised


def collect(errors: dict[str, str], check, *args):
    """Run one check, keep its message under its field, and go on to the next check."""
    try:
        return check(*args)
    except ValidationFailed as exc:
        errors.update(exc.errors or {exc.field or "form": exc.message})
        return None


def check_name(name: str | None) -> str:
    cleaned = clean_name(name or "")
    if not cleaned:
        raise ValidationFailed(_("Enter your full name"), field="name")
    if len(cleaned) > 120:
        raise ValidationFailed(_("Your name must be 120 characters or fewer"), field="name")
    return cleaned


def check_phone(phone: str | None) -> str | None:
    phone = " ".join((phone or "").split())
    if not phone:
        return None
    if not PHONE_SHAPE.match(phone):
        raise ValidationFailed(_("Enter a phone number, like 020 7946 0000 or 07700 900 982"), field="phone")
    return phone


def check_password(password: str | None, confirm: str | None) -> str:
    problem = password_problem(password or "")
    if problem:
        raise ValidationFailed(problem, field="password")
    if confirm is not None and confirm != password:
        raise ValidationFailed(_("The two passwords do not match. Type the same password twice"), field="password_confirm")
    return password or ""
