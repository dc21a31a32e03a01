"""Forms for project ideas. The service checks every value; these forms render fields and carry CSRF."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from pb.models import Round
from pb.domain.ideas import FIELDS


class ProposalForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"autocomplete": "off", "spellcheck": "true"})
    summary = StringField(_l("Summary in one line"), render_kw={"autocomplete": "off", "spellcheck": "true"})
    description = TextAreaField(_l("Describe your idea"), render_kw={"rows": 12, "spellcheck": "true"})
    amount = StringField(_l("How much money is needed, in pounds"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    category = SelectField(_l("Category"), validate_choice=False)
    organisation = StringField(_l("Who would run it"), render_kw={"autocomplete": "organization"})
    contact = StringField(_l("Phone number or email address"), render_kw={"autocomplete": "off", "spellcheck": "false"})

    def set_categories(self, round_: Round) -> None:
        self.category.choices = [("", _("Choose a category"))] + [(c, c) for c in round_.category_list]

    def values(self) -> dict[str, str]:
        return {name: (getattr(self, name).data or "") for name in FIELDS}


class StaffProposalForm(ProposalForm):
    """Staff send in an idea for a resident or a group."""

    proposer = StringField(_l("On behalf of a resident (optional)"), render_kw={"autocomplete": "off", "spellcheck": "false"})


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
    note = TextAreaField(_l("What needs to change"), render_kw={"rows": 4})


class RefuseForm(FlaskForm):
    reason = TextAreaField(_l("Why it is not shortlisted"), render_kw={"rows": 4})


class EnglishSummaryForm(FlaskForm):
    english_summary = TextAreaField(_l("English summary"), render_kw={"rows": 4, "spellcheck": "true", "lang": "en-GB"})


class CostForm(FlaskForm):
    new_cost = StringField(_l("New cost, in pounds"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    cost_reason = TextAreaField(_l("Reason for the new cost"), render_kw={"rows": 3})


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge this idea into"), validate_choice=False)


class ListFilterForm(FlaskForm):
    """The public list's filters (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    category = SelectField(_l("Category"), validate_choice=False)
    sort = SelectField(_l("Sort by"), validate_choice=False)
