"""Forms for project ideas. The service checks every value; these forms render fields and carry CSRF."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from pb.models import Round
from pb.domain.ideas import FIELDS


class ProposalForm(FlaskForm):
    title = StringField("Title", render_kw={"autocomplete": "off", "spellcheck": "true"})
    summary = StringField("Summary in one line", render_kw={"autocomplete": "off", "spellcheck": "true"})
    description = TextAreaField("Describe your idea", render_kw={"rows": 12, "spellcheck": "true"})
    amount = StringField("How much money is needed, in pounds", render_kw={"inputmode": "decimal", "autocomplete": "off"})
    category = SelectField("Category", validate_choice=False)
    organisation = StringField("Who would run it", render_kw={"autocomplete": "organization"})
    contact = StringField("Phone number or email address", render_kw={"autocomplete": "off", "spellcheck": "false"})

    def set_categories(self, round_: Round) -> None:
        self.category.choices = [("", "Choose a category")] + [(c, c) for c in round_.category_list]

    def values(self) -> dict[str, str]:
        return {name: (getattr(self, name).data or "") for name in FIELDS}


class StaffProposalForm(ProposalForm):
    """Staff send in an idea for a resident or a group."""

    proposer = StringField("On behalf of a resident (optional)", render_kw={"autocomplete": "off", "spellcheck": "false"})


class HiddenProposalForm(FlaskForm):
    """The review ("check your answers") page carries the answers in hidden fields."""

    title = HiddenField()
    summary = HiddenField()
    description = HiddenField()
    amount = HiddenField()
    category = HiddenField()
    organisation = HiddenField()
    contact = HiddenField()

    def values(self) -> dict[str, str]:
        return {name: (getattr(self, name).data or "") for name in FIELDS}


class ConfirmForm(FlaskForm):
    """Only a CSRF token: a one-button POST."""


class NoteForm(FlaskForm):
    note = TextAreaField("What needs to change", render_kw={"rows": 4})


class RefuseForm(FlaskForm):
    reason = TextAreaField("Why it is not shortlisted", render_kw={"rows": 4})


class CostForm(FlaskForm):
    new_cost = StringField("New cost, in pounds", render_kw={"inputmode": "decimal", "autocomplete": "off"})
    cost_reason = TextAreaField("Reason for the new cost", render_kw={"rows": 3})


class MergeForm(FlaskForm):
    into = SelectField("Merge this idea into", validate_choice=False)


class ListFilterForm(FlaskForm):
    """The public list's filters (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    category = SelectField("Category", validate_choice=False)
    sort = SelectField("Sort by", validate_choice=False)
