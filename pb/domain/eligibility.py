"""Who may take part in a round: age on a reference date, and where they live."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pb.domain.postcodes import normalise_postcode, parse_postcode_rules, postcode_matches

ELIGIBLE = "eligible"
PENDING = "pending"
REFUSED = "refused"


@dataclass(frozen=True)
class RoundRules:
    """The eligibility rules of one round, as plain values."""

    min_age: int
    reference_date: date
    accepted_postcodes: str
    review_postcodes: str = ""
    area_name: str = ""


@dataclass(frozen=True)
class Assessment:
    status: str  # eligible, pending or refused
    reason: str  # plain English, shown to the resident


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years: a person is 50 on their 50th birthday, not the day before."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def assess(date_of_birth: date, postcode: str, rules: RoundRules) -> Assessment:
    """Decide eligibility for one round. Postcodes in shared districts wait for staff."""
    where = rules.area_name or "the area this round covers"
    age = age_on(date_of_birth, rules.reference_date)
    if age < rules.min_age:
        return Assessment(
            REFUSED,
            f"You need to be {rules.min_age} or over on {rules.reference_date.day} "
            f"{rules.reference_date:%B %Y} to take part.",
        )
    normalised = normalise_postcode(postcode)
    if normalised is None:
        return Assessment(REFUSED, "We could not read your postcode.")
    accepted, _ = parse_postcode_rules(rules.accepted_postcodes)
    review, _ = parse_postcode_rules(rules.review_postcodes)
    if postcode_matches(normalised, accepted):
        return Assessment(ELIGIBLE, f"You are {rules.min_age} or over and live in {where}.")
    if postcode_matches(normalised, review):
        return Assessment(
            PENDING,
            f"Your postcode {normalised} is in a district shared with a neighbouring area. "
            "A member of staff will check your address and let you know.",
        )
    return Assessment(REFUSED, f"Your postcode {normalised} is not in {area_words(rules)}.")


def combine(assessments: list[Assessment]) -> Assessment:
    """Across several open rounds: eligible for any wins, then pending, else refused."""
    if not assessments:
        return Assessment(PENDING, "There is no round open at the moment. Staff will check your details when one opens.")
    for status in (ELIGIBLE, PENDING):
        for a in assessments:
            if a.status == status:
                return a
    return assessments[0]


# Up to this many districts are named in a round's description of who it is for.
NAMED_DISTRICTS = 6


def area_words(rules: RoundRules) -> str:
    """The round's area in its own words: "Stoke Newington (N16, E5)", or the area alone for a long list."""
    where = rules.area_name or "the area this round covers"
    districts, _ = parse_postcode_rules(rules.accepted_postcodes)
    if districts and len(districts) <= NAMED_DISTRICTS:
        return f"{where} ({', '.join(districts)})"
    return where


def who_can_take_part(rules: RoundRules) -> str:
    """One sentence a resident reads on their account: who this round is for."""
    return (f"This round is for residents of {area_words(rules)} aged {rules.min_age} or over on "
            f"{rules.reference_date.day} {rules.reference_date:%B %Y}.")
