"""Registering online in short steps: about you, where you live, how you want to take part, check your answers.

Each step checks only its own answers, with the same rules (and messages) as the final
registration, and hands back the answers to keep until the last step; the views keep them in
the session. A password is never among them: it is asked for on the last page, together with
the button that registers. As soon as the date of birth and postcode are known, they are
checked against the open rounds, so someone who cannot take part is told why before anything
is saved. The last step hands everything to pb.services.residents.register, which checks it all
again and creates the account.
"""
from __future__ import annotations

from pb.domain.eligibility import REFUSED
from pb.domain.errors import ValidationFailed
from pb.domain.person import PersonDetails, check_name, check_phone, check_postcode, collect, parse_date_of_birth
from pb.domain.words import N_, _
from pb.services.letter_requests import check_address_line
from pb.services.residents import assess_against_open_rounds, check_email

ABOUT, ADDRESS, HOW, CHECK = "about", "address", "how", "check"
STEPS = (ABOUT, ADDRESS, HOW, CHECK)
CANNOT = "cannot"  # not a step: the page that says why someone cannot take part

ONLINE, CODE = "online", "code"
YES, NO = "yes", "no"

# Said when someone opens a later step before answering an earlier one (translated where it is shown).
ANSWER_FIRST = {
    ABOUT: N_("Please start with your name and date of birth."),
    ADDRESS: N_("Please tell us where you live first."),
    HOW: N_("Please choose how you want to take part first."),
}

PHONE_NEEDED = N_("Enter a phone number, so staff can call you to arrange your voting code")
CHOOSE_HOW = N_("Choose how you want to take part: online, or with a voting code from staff")
CHOOSE_LETTER = N_("Choose whether you would like a letter to confirm your address")


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)


def about_you(name: str | None, dob_day: str | None, dob_month: str | None, dob_year: str | None) -> dict:
    """Step 1: name and date of birth, checked; the answers to keep."""
    errors: dict[str, str] = {}
    name_c = collect(errors, check_name, name)
    collect(errors, parse_date_of_birth, dob_day, dob_month, dob_year)
    _raise_if(errors)
    return {"name": name_c, "dob_day": (dob_day or "").strip(), "dob_month": (dob_month or "").strip(),
            "dob_year": (dob_year or "").strip()}


def where_you_live(postcode: str | None, wants_letter: str | None, address_line: str | None) -> dict:
    """Step 2: postcode, and whether they want a letter (then its address line); the answers to keep."""
    errors: dict[str, str] = {}
    postcode_n = collect(errors, check_postcode, postcode)
    if wants_letter not in (YES, NO):
        errors["wants_letter"] = _(CHOOSE_LETTER)
    address_c = collect(errors, check_address_line, address_line) if wants_letter == YES else None
    _raise_if(errors)
    kept = {"postcode": postcode_n, "wants_letter": wants_letter}
    if address_c:
        kept["address_line"] = address_c
    return kept


def reassessed(answers: dict) -> dict:
    """Once the date of birth and postcode are both known: the answers marked with why the open rounds
    leave this person out ("refused"), or with that mark taken off when they do not."""
    answers = {k: v for k, v in answers.items() if k != "refused"}
    if not (step_done(answers, ABOUT) and answers.get("postcode")):
        return answers
    assessment = assess_against_open_rounds(born(answers), answers["postcode"])
    if assessment.status == REFUSED:
        answers["refused"] = assessment.reason
    return answers


def how_to_take_part(how: str | None, email: str | None, phone: str | None) -> dict:
    """Step 3: online (an email address to sign in with; the password comes on the last page) or a
    voting code from staff (a phone number, so staff can arrange it). Only the chosen way's answer is kept."""
    errors: dict[str, str] = {}
    kept: dict[str, str] = {"how": how or ""}
    if how == ONLINE:
        kept["email"] = collect(errors, check_email, email, True)
    elif how == CODE:
        phone_c = collect(errors, check_phone, phone)
        if not phone_c and "phone" not in errors:
            errors["phone"] = _(PHONE_NEEDED)
        kept["phone"] = phone_c
    else:
        errors["how"] = _(CHOOSE_HOW)
    _raise_if(errors)
    return kept


def born(answers: dict):
    """The date of birth answered on step 1."""
    return parse_date_of_birth(answers.get("dob_day"), answers.get("dob_month"), answers.get("dob_year"))


def step_done(answers: dict, step: str) -> bool:
    if step == ABOUT:
        return all(answers.get(k) for k in ("name", "dob_day", "dob_month", "dob_year"))
    if step == ADDRESS:
        return bool(answers.get("postcode")) and answers.get("wants_letter") in (YES, NO) and (
            answers.get("wants_letter") == NO or bool(answers.get("address_line")))
    if step == HOW:
        return (answers.get("how") == ONLINE and bool(answers.get("email"))) or (
            answers.get("how") == CODE and bool(answers.get("phone")))
    return False


def missing_before(answers: dict, step: str) -> str | None:
    """The first earlier step not yet answered (or CANNOT, when the answers so far rule them out);
    None when `step` may be shown."""
    for earlier in STEPS[:STEPS.index(step)]:
        if not step_done(answers, earlier):
            return earlier
        if earlier == ADDRESS and answers.get("refused"):
            return CANNOT
    return None


def gets_letter(answers: dict) -> bool:
    """A letter's code is typed in after signing in, so only an online resident gets one; staff check
    a resident who gets a voting code when they give it."""
    return answers.get("wants_letter") == YES and answers.get("how") == ONLINE


def registration_inputs(answers: dict) -> dict:
    """What pb.services.residents.register takes from these answers (all but the password and network key)."""
    wants_code = answers.get("how") == CODE
    letter = gets_letter(answers)
    return {
        "details": PersonDetails(
            name=answers.get("name"), dob_day=answers.get("dob_day"), dob_month=answers.get("dob_month"),
            dob_year=answers.get("dob_year"), postcode=answers.get("postcode"),
            phone=answers.get("phone") if wants_code else None,
            email=None if wants_code else answers.get("email"),
        ),
        "wants_code": wants_code,
        "wants_letter": letter,
        "address_line": answers.get("address_line") if letter else None,
    }
