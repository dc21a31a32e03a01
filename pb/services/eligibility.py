"""Eligibility of residents for rounds, read from the database for the rules in pb.domain.eligibility."""
from __future__ import annotations

from datetime import date

from pb.domain.eligibility import REFUSED, Assessment, RoundRules, assess
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


def assess_for_round(user: User, round_: Round) -> Assessment:
    return assess_details(user.date_of_birth, user.postcode, round_rules(round_))


def assess_details(date_of_birth: date | None, postcode: str | None, rules: RoundRules) -> Assessment:
    """A date of birth and postcode against a round's age and area rules."""
    if date_of_birth is None or not postcode:
        return Assessment(REFUSED, "We do not have your date of birth and postcode.")
    return assess(date_of_birth, postcode, rules)


def why_cannot_take_part(user: User | None, round_: Round) -> str | None:
    """None when the user may propose and vote in this round, otherwise the reason in plain English.

    A resident takes part when staff or the registration check marked them eligible and
    they meet this round's age rule and live in its area (a shared district counts once
    staff have approved them).
    """
    if user is None:
        return "Please sign in, or use a voting code, to take part."
    if user.is_staff:
        return "Staff accounts cannot take part. Use a resident's account, or enter a paper ballot for them."
    if not user.is_active:
        return "This account has been switched off."
    if user.eligibility_status == "pending":
        return "Your registration is waiting for a member of staff to check it."
    if user.eligibility_status != "eligible":
        return user.eligibility_reason or "You are not able to take part in this round."
    assessment = assess_for_round(user, round_)
    if assessment.status == REFUSED:
        return assessment.reason
    return None


def who_can_take_part(round_: Round) -> str:
    """"This round is for residents of Stoke Newington (N16, E5) aged 50 or over on …": the round's own words."""
    return rules_words.who_can_take_part(round_rules(round_))
