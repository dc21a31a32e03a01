"""Eligibility of residents for rounds, read from the database for the rules in pb.domain.eligibility."""
from __future__ import annotations

from datetime import date

from pb.domain.eligibility import REFUSED, Assessment, RoundRules, assess, english_day
from pb.domain.words import N_, _
from pb.domain import eligibility as rules_words
from pb.models import Round, User


def round_rules(round_: Round) -> RoundRules:
    return RoundRules(
        min_age=round_.min_age,
        reference_date=round_.age_reference_date,
        accepted_postcodes=round_.accepted_postcodes or "",
        review_postcodes=round_.review_postcodes or "",
        area_name=round_.area_name or "",
    )


# Reasons kept with a resident in English, the source, whatever the language of the page that made them,
# and shown in the reader's language (reason_words): the review of residents who registered while no
# round was open finds them by NO_OPEN_ROUND. Other reasons are kept as they were written.
NO_OPEN_ROUND = N_(
    "There is no funding round open at the moment, so we cannot check your details yet. "
    "A member of staff will check them when the next round opens and let you know."
)
APPROVED_BY_STAFF = N_("A member of staff checked your details and approved your registration.")
_KEPT_IN_ENGLISH = frozenset({NO_OPEN_ROUND, APPROVED_BY_STAFF})


def reason_words(reason: str | None) -> str:
    """A resident's eligibility reason as kept, in the current language when it is one of pb's own."""
    return _(reason) if reason in _KEPT_IN_ENGLISH else (reason or "")


def page_day(value: date) -> str:
    """A date in a sentence ("4 December 2026") in the page's language; pb's English form outside a request."""
    # Imported here: services stay importable without the web layer, which only a request needs.
    from flask import has_request_context

    if not has_request_context():
        return english_day(value)
    from pb import i18n  # the page's language exists only inside a request

    return i18n.format_day_words(value, english_day, "long")


def assess_for_round(user: User, round_: Round) -> Assessment:
    return assess_details(user.date_of_birth, user.postcode, round_rules(round_))


def assess_details(date_of_birth: date | None, postcode: str | None, rules: RoundRules) -> Assessment:
    """A date of birth and postcode against a round's age and area rules."""
    if date_of_birth is None or not postcode:
        return Assessment(REFUSED, _("We do not have your date of birth and postcode."))
    return assess(date_of_birth, postcode, rules, page_day)


def why_cannot_take_part(user: User | None, round_: Round) -> str | None:
    """None when the user may propose and vote in this round, otherwise the reason in plain English.

    A resident takes part when staff or the registration check marked them eligible and
    they meet this round's age rule and live in its area (a shared district counts once
    staff have approved them).
    """
    if user is None:
        return _("Please sign in, or use a voting code, to take part.")
    if user.is_staff:
        return _("Staff accounts cannot take part. Use a resident's account, or enter a paper ballot for them.")
    if not user.is_active:
        return _("This account has been switched off.")
    if user.eligibility_status == "pending":
        return _("Your registration is waiting for a member of staff to check it.")
    if user.eligibility_status != "eligible":
        return reason_words(user.eligibility_reason) or _("You are not able to take part in this round.")
    assessment = assess_for_round(user, round_)
    if assessment.status == REFUSED:
        return assessment.reason
    return None


def who_can_take_part(round_: Round) -> str:
    """"This round is for residents of Stoke Newington (N16, E5) aged 50 or over on …": the round's own words."""
    return rules_words.who_can_take_part(round_rules(round_), page_day)
