"""A round's settings: which fields staff set, which lock when voting opens, and the checks on their values."""
from __future__ import annotations

from datetime import date
from typing import Any

from pb.domain.counting_rules import COMPLETIONS, COUNTING_RULES
from pb.domain.errors import ValidationFailed
from pb.domain.money import format_pence
from pb.domain.phases import Phase
from pb.domain.postcodes import parse_postcode_rules
from pb.domain.words import N_, _, n_

MAX_RANKS_LIMIT = 10
# Labels here and in FIELD_LABELS are marked for the catalogs and translated where they are shown.
BALLOT_ORDERS = {"random": N_("A different random order for each voter (recommended)"),
                 "fixed": N_("The same order for everyone, by title, as on a printed paper ballot")}
MAX_BUDGET_PENCE = 100_000_000_00  # £100 million: anything larger is a typing mistake

# Every field staff can set, in the order the form shows them.
ROUND_FIELDS = (
    "title",
    "description",
    "area_name",
    "budget_pence",
    "min_age",
    "age_reference_date",
    "accepted_postcodes",
    "review_postcodes",
    "min_ranks",
    "max_ranks",
    "points_scheme",
    "counting_rule",
    "completion",
    "score_threshold",
    "categories",
    "min_project_cost_pence",
    "max_project_cost_pence",
    "paper_double_entry",
    "verified_only",
    "ballot_order",
    "proposals_open_on",
    "proposals_close_on",
    "voting_open_on",
    "voting_close_on",
    "results_on",
)

# Locked from voting open on: what residents were told and what the count uses.
LOCKED_FROM_VOTING = (
    "budget_pence",
    "min_age",
    "age_reference_date",
    "accepted_postcodes",
    "review_postcodes",
    "min_ranks",
    "max_ranks",
    "points_scheme",
    "counting_rule",
    "completion",
    "score_threshold",
    "verified_only",
    "ballot_order",
)

FIELD_LABELS = {
    "title": N_("Title"),
    "description": N_("Description"),
    "area_name": N_("Area"),
    "budget_pence": N_("Budget"),
    "min_age": N_("Minimum age"),
    "age_reference_date": N_("Age reference date"),
    "accepted_postcodes": N_("Accepted postcodes"),
    "review_postcodes": N_("Postcodes checked by staff"),
    "min_ranks": N_("Fewest choices"),
    "max_ranks": N_("Most choices"),
    "points_scheme": N_("Points per rank"),
    "counting_rule": N_("Counting rule"),
    "completion": N_("Equal Shares completion"),
    "score_threshold": N_("Score threshold"),
    "categories": N_("Categories"),
    "min_project_cost_pence": N_("Smallest project cost"),
    "max_project_cost_pence": N_("Largest project cost"),
    "paper_double_entry": N_("Paper ballots keyed twice"),
    "verified_only": N_("Who may vote online"),
    "ballot_order": N_("Order of the projects on the ballot"),
    "proposals_open_on": N_("Ideas open (planned)"),
    "proposals_close_on": N_("Ideas close (planned)"),
    "voting_open_on": N_("Voting opens (planned)"),
    "voting_close_on": N_("Voting closes (planned)"),
    "results_on": N_("Results (planned)"),
}

PLANNED_DATES = ("proposals_open_on", "proposals_close_on", "voting_open_on", "voting_close_on", "results_on")


def field_label(name: str) -> str:
    """A setting's label in the current language (the field's name for one without a label)."""
    label = FIELD_LABELS.get(name)
    return _(label) if label else name


def field_labels() -> dict[str, str]:
    """Every setting's label in the current language, by field name (for templates)."""
    return {name: _(label) for name, label in FIELD_LABELS.items()}



def is_locked(round_: Any) -> bool:
    return round_.phase_enum.is_at_least(Phase.VOTING_OPEN)


def locked_fields(round_: Any) -> tuple[str, ...]:
    return LOCKED_FROM_VOTING if round_ is not None and is_locked(round_) else ()


def _postcode_text(value: str | None, field_name: str, errors: dict[str, str], required: bool) -> str:
    entries, bad = parse_postcode_rules(value)
    if bad:
        shown = ", ".join(f"“{b}”" for b in bad[:5])
        if len(bad) > 5:
            errors[field_name] = _("%(postcodes)s and more are not postcodes or outward codes. "
                                   "Enter one per line, like E8 or E8 1AB", postcodes=shown)
        else:
            errors[field_name] = n_("%(postcodes)s is not a postcode or an outward code. Enter one per line, like E8 or E8 1AB",
                                    "%(postcodes)s are not postcodes or outward codes. Enter one per line, like E8 or E8 1AB",
                                    len(bad), postcodes=shown)
    elif required and not entries:
        errors[field_name] = _("Enter at least one postcode or outward code, one per line, like E8 or E8 1AB")
    seen: list[str] = []
    for e in entries:
        if e not in seen:
            seen.append(e)
    return "\n".join(seen)


def _points_text(value: str | None, max_ranks: int | None, errors: dict[str, str]) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() for p in parts):
        errors["points_scheme"] = _("Enter whole numbers separated by commas, for example 3,2,1, or leave it empty")
        return text
    points = [int(p) for p in parts]
    if any(p <= 0 for p in points):
        errors["points_scheme"] = _("Every rank must get at least 1 point, for example 3,2,1")
    elif any(a < b for a, b in zip(points, points[1:])):
        errors["points_scheme"] = _("A higher choice cannot get fewer points than a lower one, for example 3,2,1")
    elif max_ranks is not None and len(points) != max_ranks:
        errors["points_scheme"] = _(
            "Give points for each of the %(ranks)s choices (you gave %(given)s), "
            "or leave it empty for the usual points", ranks=max_ranks, given=len(points)
        )
    return ",".join(str(p) for p in points)


def _categories_text(value: str | None, errors: dict[str, str]) -> str:
    lines: list[str] = []
    for raw in (value or "").splitlines():
        line = " ".join(raw.split())
        if line and line not in lines:
            lines.append(line)
    if not lines:
        errors["categories"] = _("Enter at least one category, one per line")
    elif any(len(line) > 80 for line in lines):
        errors["categories"] = _("Keep each category to 80 characters or fewer")
    return "\n".join(lines)


def clean_values(values: dict[str, Any], current: Any = None) -> dict[str, Any]:
    """Check and normalise a round's values.

    `values` holds typed values (pence as int, dates as date) for some or all of
    ROUND_FIELDS; missing fields keep the current round's values. Raises
    ValidationFailed with a message per field.
    """
    unknown = set(values) - set(ROUND_FIELDS)
    if unknown:
        message = _("Unknown fields: %(fields)s", fields=", ".join(sorted(unknown)))
        raise ValidationFailed(message, errors={name: message for name in sorted(unknown)})
    merged: dict[str, Any] = {}
    for name in ROUND_FIELDS:
        if name in values:
            merged[name] = values[name]
        elif current is not None:
            merged[name] = getattr(current, name)
        else:
            merged[name] = None
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    title = " ".join((merged["title"] or "").split())
    if not title:
        errors["title"] = _("Enter a title for the round, for example Connect Hackney 2026")
    elif len(title) > 120:
        errors["title"] = _("Keep the title to 120 characters or fewer")
    out["title"] = title
    description = (merged["description"] or "").replace("\r\n", "\n").strip()
    if len(description) > 20000:
        errors["description"] = _("Keep the description to 20,000 characters or fewer")
    out["description"] = description
    area = " ".join((merged["area_name"] or "").split())
    if len(area) > 120:
        errors["area_name"] = _("Keep the area name to 120 characters or fewer")
    out["area_name"] = area

    budget = merged["budget_pence"]
    if not isinstance(budget, int) or isinstance(budget, bool):
        errors["budget_pence"] = _("Enter the budget in pounds, for example £50,000")
    elif budget <= 0:
        errors["budget_pence"] = _("The budget must be more than £0. Enter it in pounds, for example £50,000")
    elif budget > MAX_BUDGET_PENCE:
        errors["budget_pence"] = _("The budget must be %(most)s or less", most=format_pence(MAX_BUDGET_PENCE))
    out["budget_pence"] = budget

    min_age = merged["min_age"]
    if not isinstance(min_age, int) or isinstance(min_age, bool) or not 0 <= min_age <= 120:
        errors["min_age"] = _("Enter a minimum age between 0 and 120, for example 50")
    out["min_age"] = min_age
    if not isinstance(merged["age_reference_date"], date):
        errors["age_reference_date"] = _("Enter the date on which age is worked out, for example 1 6 2026")
    out["age_reference_date"] = merged["age_reference_date"]
    out["accepted_postcodes"] = _postcode_text(merged["accepted_postcodes"], "accepted_postcodes", errors, required=True)
    out["review_postcodes"] = _postcode_text(merged["review_postcodes"], "review_postcodes", errors, required=False)

    min_ranks, max_ranks = merged["min_ranks"], merged["max_ranks"]
    ranks_ok = True
    if not isinstance(min_ranks, int) or isinstance(min_ranks, bool) or not 1 <= min_ranks <= MAX_RANKS_LIMIT:
        errors["min_ranks"] = _("Enter the fewest choices a voter must make, a number from 1 to %(most)s",
                                most=MAX_RANKS_LIMIT)
        ranks_ok = False
    if not isinstance(max_ranks, int) or isinstance(max_ranks, bool) or not 1 <= max_ranks <= MAX_RANKS_LIMIT:
        errors["max_ranks"] = _("Enter the most choices a voter can make, a number from 1 to %(most)s",
                                most=MAX_RANKS_LIMIT)
        ranks_ok = False
    elif ranks_ok and max_ranks < min_ranks:
        errors["max_ranks"] = _(
            "The most choices (%(most)s) cannot be fewer than the fewest choices (%(fewest)s)",
            most=max_ranks, fewest=min_ranks,
        )
    out["min_ranks"], out["max_ranks"] = min_ranks, max_ranks
    out["points_scheme"] = _points_text(
        merged["points_scheme"], max_ranks if isinstance(max_ranks, int) else None, errors
    )

    rule = merged["counting_rule"] or "greedy"
    if rule not in COUNTING_RULES:
        errors["counting_rule"] = _("Choose greedy or Method of Equal Shares")
    out["counting_rule"] = rule
    completion = merged["completion"] or "add1u"
    if completion not in COMPLETIONS:
        errors["completion"] = _("Choose add1u, add1 or none")
    out["completion"] = completion
    threshold = merged["score_threshold"]
    if threshold is not None and (not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1):
        errors["score_threshold"] = _("Enter a whole number of points of 1 or more, or leave it empty")
    out["score_threshold"] = threshold

    out["categories"] = _categories_text(merged["categories"], errors)
    low, high = merged["min_project_cost_pence"], merged["max_project_cost_pence"]
    for name, value in (("min_project_cost_pence", low), ("max_project_cost_pence", high)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            errors[name] = _("Enter an amount of more than £0, for example £500, or leave it empty")
    if "min_project_cost_pence" not in errors and "max_project_cost_pence" not in errors:
        if low is not None and high is not None and low > high:
            errors["max_project_cost_pence"] = _("The largest project cost cannot be less than the smallest")
        elif high is not None and "budget_pence" not in errors and high > budget:
            errors["max_project_cost_pence"] = _(
                "The largest project cost cannot be more than the budget (%(budget)s)", budget=format_pence(budget)
            )
    out["min_project_cost_pence"], out["max_project_cost_pence"] = low, high
    out["paper_double_entry"] = bool(merged["paper_double_entry"])
    # New rounds take only verified residents' online ballots unless staff choose otherwise.
    out["verified_only"] = True if merged["verified_only"] is None else bool(merged["verified_only"])
    out["ballot_order"] = merged["ballot_order"] or "random"
    if out["ballot_order"] not in BALLOT_ORDERS:
        errors["ballot_order"] = _("Choose how the projects are ordered on the ballot")

    previous: tuple[str, date] | None = None
    for name in PLANNED_DATES:
        value = merged[name]
        if value is not None and not isinstance(value, date):
            errors[name] = _("Enter a real date, for example 1 6 2026, or leave it empty")
            continue
        if value is not None:
            if previous is not None and value < previous[1]:
                errors[name] = _("This date cannot be before “%(field)s” (%(date)s)",
                                 field=field_label(previous[0]), date=previous[1].strftime("%d/%m/%Y"))
            previous = (name, value)
        out[name] = value

    if errors:
        first = next(iter(errors.values()))
        raise ValidationFailed(first, errors=errors)
    return out


def problems(values: dict[str, Any], current: Any = None) -> dict[str, str]:
    """What clean_values would refuse, as field -> message, without raising.

    Lets a form that already found unreadable inputs show every other problem at once.
    """
    try:
        clean_values(values, current)
    except ValidationFailed as exc:
        return exc.errors
    return {}
