"""A project idea as typed: its fields, the checks on each (length, cost within the round's limits, contact), and the clean-up of its text."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from pb.domain.errors import ValidationFailed
from pb.domain.money import InvalidAmount, format_pence, parse_pounds, pence_to_pounds_text
from pb.domain.words import _

TITLE_MAX = 80
SUMMARY_MAX = 200
DESCRIPTION_MAX = 5000
ORGANISATION_MAX = 120
CONTACT_MAX = 254
NOTE_MAX = 2000

# The form's fields, in the order they are asked and shown on the review page.
FIELDS = ("title", "summary", "description", "amount", "category", "organisation", "contact")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS = re.compile(r"^[0-9 +()\-.]+$")


@dataclass(frozen=True)
class ProposalData:
    """A checked idea, ready to save: text cleaned up, amount in pence."""

    title: str
    summary: str
    description: str
    cost_pence: int
    category: str
    organisation: str
    contact: str

    def as_form(self) -> dict[str, str]:
        """The values to put back into the form (and the review page's hidden fields)."""
        values = asdict(self)
        values["amount"] = pence_to_pounds_text(values.pop("cost_pence"))
        return values


def form_values(proposal: Any) -> dict[str, str]:
    """A saved idea as form values, for changing it."""
    return {
        "title": proposal.title,
        "summary": proposal.summary,
        "description": proposal.description,
        "amount": pence_to_pounds_text(proposal.cost_pence),
        "category": proposal.category,
        "organisation": proposal.organisation or "",
        "contact": proposal.contact or "",
    }


def _thousands(n: int) -> str:
    """A count with its thousands marked, as the messages give it: 5,000."""
    return f"{n:,}"


def _clean_line(value: str | None) -> str:
    """One line of text: control characters dropped, runs of white space made one space."""
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in str(value or ""))
    return " ".join(text.split())


def _clean_text(value: str | None) -> str:
    """Several paragraphs: line breaks kept (as \\n), other control characters dropped."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines).strip("\n ")
    # At most one blank line between paragraphs.
    return re.sub(r"\n{3,}", "\n\n", text)


def _cost_limits_message(round_: Any) -> str | None:
    low, high = round_.min_project_cost_pence, round_.max_project_cost_pence
    if low and high:
        return _("Enter an amount between %(low)s and %(high)s", low=format_pence(low), high=format_pence(high))
    if low:
        return _("Enter an amount of at least %(low)s", low=format_pence(low))
    if high:
        return _("Enter an amount of no more than %(high)s", high=format_pence(high))
    return None


def check_cost(round_: Any, amount: str | None, field: str = "amount") -> int:
    """The amount typed, in pence, within the round's limits; ValidationFailed otherwise."""
    try:
        pence = parse_pounds(amount)
    except InvalidAmount as exc:
        raise ValidationFailed(str(exc), field=field) from None
    if pence <= 0:
        raise ValidationFailed(_("Enter an amount of more than £0"), field=field)
    low, high = round_.min_project_cost_pence, round_.max_project_cost_pence
    if (low and pence < low) or (high and pence > high):
        raise ValidationFailed(_cost_limits_message(round_) or _("Enter a smaller amount"), field=field)
    return pence


def check_contact(value: str) -> str | None:
    """A problem with a contact phone number or email address, or None."""
    if "@" in value:
        return None if _EMAIL.match(value) else _("Enter an email address like name@example.org, or a phone number")
    digits = sum(c.isdigit() for c in value)
    if not _PHONE_CHARS.match(value) or not 7 <= digits <= 15:
        return _("Enter a phone number like 020 7946 0000, or an email address like name@example.org")
    return None


def validate(round_: Any, form: dict[str, str | None]) -> ProposalData:
    """Check an idea as typed; ValidationFailed carries a message for every field that is wrong."""
    errors: dict[str, str] = {}
    title = _clean_line(form.get("title"))
    summary = _clean_line(form.get("summary"))
    description = _clean_text(form.get("description"))
    category = _clean_line(form.get("category"))
    organisation = _clean_line(form.get("organisation"))
    contact = _clean_line(form.get("contact"))

    for name, value, empty, limit, too_long in (
        ("title", title, _("Enter a title for your idea"), TITLE_MAX,
         _("The title must be %(most)s characters or fewer (it has %(count)s)", most=TITLE_MAX, count=len(title))),
        ("summary", summary, _("Enter a one-line summary of your idea"), SUMMARY_MAX,
         _("The summary must be %(most)s characters or fewer (it has %(count)s)", most=SUMMARY_MAX, count=len(summary))),
        ("description", description,
         _("Describe your idea: what would happen, who it is for and what the money pays for"), DESCRIPTION_MAX,
         _("The description must be %(most)s characters or fewer (it has %(count)s)",
           most=_thousands(DESCRIPTION_MAX), count=_thousands(len(description)))),
        ("organisation", organisation,
         _("Enter the name of the group or organisation that would run it (or your own name)"), ORGANISATION_MAX,
         _("The name must be %(most)s characters or fewer", most=ORGANISATION_MAX)),
        ("contact", contact,
         _("Enter a phone number or email address so the team can contact you about your idea"), CONTACT_MAX,
         _("The contact details must be %(most)s characters or fewer", most=CONTACT_MAX)),
    ):
        if not value:
            errors[name] = empty
        elif len(value) > limit:
            errors[name] = too_long
    cost = 0
    try:
        cost = check_cost(round_, form.get("amount"))
    except ValidationFailed as exc:
        errors["amount"] = exc.message
    if category not in round_.category_list:
        errors["category"] = _("Choose the category that fits your idea best")
    if "contact" not in errors:
        problem = check_contact(contact)
        if problem:
            errors["contact"] = problem
    if errors:
        errors = {name: errors[name] for name in FIELDS if name in errors}  # in the order the form asks
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return ProposalData(title, summary, description, cost, category, organisation, contact)


def required_text(value: str | None, field: str, empty_message: str) -> str:
    text = _clean_text(value)
    if not text:
        raise ValidationFailed(empty_message, field=field)
    if len(text) > NOTE_MAX:
        raise ValidationFailed(_("Keep this to %(most)s characters or fewer (it has %(count)s)",
                                 most=_thousands(NOTE_MAX), count=_thousands(len(text))), field=field)
    return text
