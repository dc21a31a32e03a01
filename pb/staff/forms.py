"""Forms of the staff console.

The round form reads what staff type (pounds, three-part dates, numbers) into typed
values; the rounds service then checks the rules (budget above £0, ranks, postcodes,
locks) so that a hand-made POST meets the same checks.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import Length

from pb.domain.money import InvalidAmount, parse_pounds, pence_to_pounds_text
from pb.domain.counting_rules import COMPLETIONS, COUNTING_RULES
from pb.domain.round_settings import BALLOT_ORDERS, PLANNED_DATES

DATE_FIELDS = ("age_reference_date",) + PLANNED_DATES

# Service field -> the form inputs that carry it.
FORM_INPUTS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "description": ("description",),
    "area_name": ("area_name",),
    "budget_pence": ("budget",),
    "min_age": ("min_age",),
    "accepted_postcodes": ("accepted_postcodes",),
    "review_postcodes": ("review_postcodes",),
    "min_ranks": ("min_ranks",),
    "max_ranks": ("max_ranks",),
    "points_scheme": ("points_scheme",),
    "counting_rule": ("counting_rule",),
    "completion": ("completion",),
    "score_threshold": ("score_threshold",),
    "categories": ("categories",),
    "min_project_cost_pence": ("min_cost",),
    "max_project_cost_pence": ("max_cost",),
    "paper_double_entry": ("paper_double_entry",),
    "verified_only": ("who_may_vote",),
    "ballot_order": ("ballot_order",),
    **{name: (f"{name}_day", f"{name}_month", f"{name}_year") for name in DATE_FIELDS},
}


def error_target(service_field: str) -> str:
    """The form input an error about a service field is shown next to."""
    return FORM_INPUTS.get(service_field, ("title",))[0]


def _day(label=None) -> StringField:
    return StringField(label or _l("Day"), validators=[Length(max=4)])


class RoundForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    area_name = StringField(_l("Area name"), validators=[Length(max=200)])
    budget = StringField(_l("Budget in pounds"), validators=[Length(max=40)])

    min_age = StringField(_l("Minimum age"), validators=[Length(max=10)])
    age_reference_date_day = _day()
    age_reference_date_month = _day(_l("Month"))
    age_reference_date_year = _day(_l("Year"))
    accepted_postcodes = TextAreaField(_l("Accepted postcodes"), validators=[Length(max=5000)])
    review_postcodes = TextAreaField(_l("Postcodes that staff check by hand"), validators=[Length(max=5000)])

    min_ranks = StringField(_l("Fewest choices a voter must make"), validators=[Length(max=10)])
    max_ranks = StringField(_l("Most choices a voter can make"), validators=[Length(max=10)])
    points_scheme = StringField(_l("Points for each choice"), validators=[Length(max=200)])

    counting_rule = RadioField(_l("Counting rule"), choices=[SelectChoice(v, _l(label)) for v, label in COUNTING_RULES.items()], validate_choice=False)
    completion = RadioField(
        _l("Completion (Method of Equal Shares only)"), choices=[SelectChoice(v, _l(label)) for v, label in COMPLETIONS.items()], validate_choice=False
    )
    score_threshold = StringField(_l("Score threshold (optional)"), validators=[Length(max=10)])

    categories = TextAreaField(_l("Categories"), validators=[Length(max=5000)])
    min_cost = StringField(_l("Smallest project cost in pounds (optional)"), validators=[Length(max=40)])
    max_cost = StringField(_l("Largest project cost in pounds (optional)"), validators=[Length(max=40)])
    paper_double_entry = BooleanField(_l("Paper ballots must be typed in twice, by two members of staff"))
    who_may_vote = RadioField(
        _l("Who may vote online"),
        choices=[SelectChoice("verified", _l("Verified residents only (recommended)")),
                 SelectChoice("anyone", _l("Anyone eligible who registered, including self-declared registrations"))],
        default="verified",
        validate_choice=False,
    )

    ballot_order = RadioField(
        _l("Order of the projects on the ballot"),
        choices=[SelectChoice(value, _l(label)) for value, label in BALLOT_ORDERS.items()],
        default="random",
        validate_choice=False,
    )

    proposals_open_on_day = _day()
    proposals_open_on_month = _day(_l("Month"))
    proposals_open_on_year = _day(_l("Year"))
    proposals_close_on_day = _day()
    proposals_close_on_month = _day(_l("Month"))
    proposals_close_on_year = _day(_l("Year"))
    voting_open_on_day = _day()
    voting_open_on_month = _day(_l("Month"))
    voting_open_on_year = _day(_l("Year"))
    voting_close_on_day = _day()
    voting_close_on_month = _day(_l("Month"))
    voting_close_on_year = _day(_l("Year"))
    results_on_day = _day()
    results_on_month = _day(_l("Month"))
    results_on_year = _day(_l("Year"))

    version = HiddenField()
    form_token = HiddenField()

    # ------------------------------------------------------------ filling and reading

    def fill_from(self, round_) -> None:
        """Put a round's stored values into the inputs (for the edit page)."""
        self.title.data = round_.title
        self.description.data = round_.description
        self.area_name.data = round_.area_name
        self.budget.data = pence_to_pounds_text(round_.budget_pence)
        self.min_age.data = str(round_.min_age)
        self.accepted_postcodes.data = round_.accepted_postcodes
        self.review_postcodes.data = round_.review_postcodes
        self.min_ranks.data = str(round_.min_ranks)
        self.max_ranks.data = str(round_.max_ranks)
        self.points_scheme.data = round_.points_scheme
        self.counting_rule.data = round_.counting_rule
        self.completion.data = round_.completion
        self.score_threshold.data = "" if round_.score_threshold is None else str(round_.score_threshold)
        self.categories.data = round_.categories
        self.min_cost.data = pence_to_pounds_text(round_.min_project_cost_pence)
        self.max_cost.data = pence_to_pounds_text(round_.max_project_cost_pence)
        self.paper_double_entry.data = bool(round_.paper_double_entry)
        self.who_may_vote.data = "verified" if round_.verified_only else "anyone"
        self.ballot_order.data = round_.ballot_order
        for name in DATE_FIELDS:
            self.set_date(name, getattr(round_, name))
        self.version.data = str(round_.version)

    def fill_defaults(self, defaults: dict[str, Any]) -> None:
        for name, value in defaults.items():
            if name in DATE_FIELDS:
                self.set_date(name, value)
            else:
                getattr(self, name).data = value

    def set_date(self, name: str, value: date | None) -> None:
        day, month, year = (getattr(self, f"{name}_{p}", None) for p in ("day", "month", "year"))
        if day is None:
            return
        day.data = str(value.day) if value else ""
        month.data = str(value.month) if value else ""
        year.data = str(value.year) if value else ""

    def read_values(self, only: set[str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
        """Typed values for the service, and messages for inputs that could not be read.

        `only` limits which service fields are read (the rest keep the round's values).
        """
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}

        def wanted(name: str) -> bool:
            return only is None or name in only

        for name in ("title", "description", "area_name", "accepted_postcodes", "review_postcodes",
                     "points_scheme", "categories"):
            if wanted(name):
                values[name] = getattr(self, name).data or ""
        if wanted("counting_rule"):
            values["counting_rule"] = self.counting_rule.data or None
        if wanted("completion"):
            values["completion"] = self.completion.data or None
        if wanted("paper_double_entry"):
            values["paper_double_entry"] = bool(self.paper_double_entry.data)
        # Left out when not posted, so the round keeps its setting (a new round: verified only).
        if wanted("verified_only") and self.who_may_vote.data in ("verified", "anyone"):
            values["verified_only"] = self.who_may_vote.data == "verified"
        if wanted("ballot_order") and self.ballot_order.data:
            values["ballot_order"] = self.ballot_order.data

        if wanted("budget_pence"):
            try:
                values["budget_pence"] = parse_pounds(self.budget.data)
            except InvalidAmount:
                errors["budget_pence"] = _("Enter the budget as a number of pounds, for example £50,000")
        for service_name, input_name in (("min_project_cost_pence", "min_cost"),
                                         ("max_project_cost_pence", "max_cost")):
            if not wanted(service_name):
                continue
            text = (getattr(self, input_name).data or "").strip()
            if not text:
                values[service_name] = None
                continue
            try:
                values[service_name] = parse_pounds(text)
            except InvalidAmount:
                errors[service_name] = _("Enter an amount in pounds, for example £500, or leave it empty")

        integers = {
            "min_age": (_("Enter a minimum age between 0 and 120, for example 50"), True),
            "min_ranks": (_("Enter the fewest choices as a number, for example 1"), True),
            "max_ranks": (_("Enter the most choices as a number, for example 3"), True),
            "score_threshold": (_("Enter the score threshold as a whole number of points, or leave it empty"), False),
        }
        for name, (message, required) in integers.items():
            if not wanted(name):
                continue
            text = (getattr(self, name).data or "").strip()
            if not text and not required:
                values[name] = None
                continue
            try:
                values[name] = int(text)
            except ValueError:
                errors[name] = message

        for name in DATE_FIELDS:
            if not wanted(name):
                continue
            required = name == "age_reference_date"
            parts = [(getattr(self, f"{name}_{p}").data or "").strip() for p in ("day", "month", "year")]
            if not any(parts):
                if required:
                    errors[name] = _("Enter the date on which age is worked out, for example 1 6 2026")
                else:
                    values[name] = None
                continue
            try:
                day, month, year = (int(p) for p in parts)
                if not 1900 <= year <= 2200:
                    raise ValueError
                values[name] = date(year, month, day)
            except ValueError:
                errors[name] = _("Enter a real date as day, month and year, for example 1 6 2026")
        return values, errors


class PhaseMoveForm(FlaskForm):
    """The confirmation of a phase move. `expected_phase` is the phase the page showed."""

    expected_phase = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class StaffAccountForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[Length(max=120)], render_kw={"autocomplete": "off"})
    email = EmailField(
        _l("Email address"), validators=[Length(max=254)], render_kw={"autocomplete": "off", "spellcheck": "false"}
    )
    password = PasswordField(
        _l("Password for their first sign-in"), validators=[Length(max=128)], render_kw={"autocomplete": "new-password"}
    )
    admin = BooleanField(_l("Administrator (can add and switch off staff accounts)"))
