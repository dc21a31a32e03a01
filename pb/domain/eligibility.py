"""Who may take part in a round: age on a reference date, and where they live."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from pb.domain.postcodes import normalise_postcode, parse_postcode_rules, postcode_matches
from pb.domain.words import _

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
    reason: str  # plain words in the current language, shown to the resident


def english_day(value: date) -> str:
    """"4 December 2026": a date in a sentence, as pb writes it in English."""
    return f"{value.day} {value:%B %Y}"


# How a sentence here writes a date; the services pass one for the page's language.
DayWords = Callable[[date], str]


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years: a person is 50 on their 50th birthday, not the day before."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def _where(rules: RoundRules) -> str:
    return rules.area_name or _("the area this round covers")


def assess(date_of_birth: date, postcode: str, rules: RoundRules, day: DayWords = english_day) -> Assessment:
    """Decide eligibility for one round. Postcodes in shared districts wait for staff."""
    age = age_on(date_of_birth, rules.reference_date)
    if age < rules.min_age:
        return Assessment(
            REFUSED,
            _("You need to be %(age)s or over on %(date)s to take part.",
              age=rules.min_age, date=day(rules.reference_date)),
        )
    normalised = normalise_postcode(postcode)
    if normalised is None:
        return Assessment(REFUSED, _("We could not read your postcode."))
    accepted, _bad = parse_postcode_rules(rules.accepted_postcodes)
    review, _bad = parse_postcode_rules(rules.review_postcodes)
    if postcode_matches(normalised, accepted):
        return Assessment(ELIGIBLE, _("You are %(age)s or over and live in %(area)s.",
                                      age=rules.min_age, area=_where(rules)))
    if postcode_matches(normalised, review):
        return Assessment(
            PENDING,
            _("Your postcode %(postcode)s is in a district shared with a neighbouring area. "
              "A member of staff will check your address and let you know.", postcode=normalised),
        )
    return Assessment(REFUSED, _("Your postcode %(postcode)s is not in %(area)s.",
                                 postcode=normalised, area=area_words(rules)))


def combine(assessments: list[Assessment]) -> Assessment:
    """Across several open rounds: eligible for any wins, then pending, else refused."""
    if not assessments:
        return Assessment(PENDING, _("There is no round open at the moment. Staff will check your details when one opens."))
    for status in (ELIGIBLE, PENDING):
        for a in assessments:
            if a.status == status:
                return a
    return assessments[0]


# Up to this many districts are named in a round's description of who it is for.
NAMED_DISTRICTS = 6


def area_words(rules: RoundRules) -> str:
    """The round's area in its own words: "Stoke Newington (N16, E5)", or the area alone for a long list."""
    where = _where(rules)
    districts, _bad = parse_postcode_rules(rules.accepted_postcodes)
    if districts and len(districts) <= NAMED_DISTRICTS:
        # TRANSLATORS: an area and its postcode districts, "Stoke Newington (N16, E5)".
        return _("%(area)s (%(districts)s)", area=where, districts=", ".join(districts))
    return where


def who_can_take_part(rules: RoundRules, day: DayWords = english_day) -> str:
    """One sentence a resident reads on their account: who this round is for."""
    return _("This round is for residents of %(area)s aged %(age)s or over on %(date)s.",
             area=area_words(rules), age=rules.min_age, date=day(rules.reference_date))
