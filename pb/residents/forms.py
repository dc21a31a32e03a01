"""Forms for registration, voting codes and the staff's resident pages.

The forms only carry what was typed; the services check it and say what to fix, so the
same rules apply online and at a staff desk.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from pb.domain.person import PersonDetails

try:  # WTForms 3.3 names its choices; older versions take (value, label) pairs
    from wtforms import SelectChoice as _Choice
except ImportError:  # pragma: no cover

    def _Choice(value, label):
        return (value, label)


DATE_PART = {"spellcheck": "false"}


class _PersonFields(FlaskForm):
    name = StringField(_l("Full name"), validators=[Length(max=200, message=_l("Your name must be 120 characters or fewer"))], render_kw={"autocomplete": "name", "spellcheck": "false"})
    dob_day = StringField(_l("Day"), validators=[Length(max=4, message=_l("Enter the day as a number, for example 27"))], render_kw={"autocomplete": "bday-day", **DATE_PART})
    dob_month = StringField(_l("Month"), validators=[Length(max=4, message=_l("Enter the month as a number, for example 3"))], render_kw={"autocomplete": "bday-month", **DATE_PART})
    dob_year = StringField(_l("Year"), validators=[Length(max=6, message=_l("Enter the year in full, for example 1948"))], render_kw={"autocomplete": "bday-year", **DATE_PART})
    postcode = StringField(_l("Postcode"), validators=[Length(max=20, message=_l("Enter a real UK postcode, for example E8 1AB"))], render_kw={"autocomplete": "postal-code", "spellcheck": "false"})
    email = EmailField(_l("Email address (optional)"), validators=[Optional(), Length(max=254, message=_l("Your email address must be 254 characters or fewer"))], render_kw={"autocomplete": "email", "spellcheck": "false"})
    phone = StringField(_l("Phone number (optional)"), validators=[Length(max=40, message=_l("Enter a phone number, like 020 7946 0000"))], render_kw={"autocomplete": "tel", "type": "tel"})

    # Service error keys -> the form field that shows the message.
    FIELD_FOR = {"date_of_birth": "dob_day"}

    def person_details(self) -> PersonDetails:
        """The person's details as the residents service takes them."""
        return PersonDetails(name=self.name.data, dob_day=self.dob_day.data, dob_month=self.dob_month.data,
                             dob_year=self.dob_year.data, postcode=self.postcode.data, phone=self.phone.data,
                             email=self.email.data)

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            field = getattr(self, self.FIELD_FOR.get(key, key), None)
            if field is None:
                field = self.name
            field.errors = list(field.errors) + [message]


class InPersonForm(_PersonFields):
    language = SelectField(_l("The language they read"), validate_choice=False)
    checked_id = BooleanField(_l("I have seen proof of their name, age and address: they are verified"))

    def offer_languages(self, languages) -> None:
        """The languages pb speaks, each named in itself; the first choice records none."""
        self.language.choices = [_Choice("", _l("Not asked (English)"))] + [
            _Choice(lang.code, lang.name, render_kw={"lang": lang.tag}) for lang in languages]

    def person_details(self) -> PersonDetails:
        details = super().person_details()
        return PersonDetails(**{**details.__dict__, "language": self.language.data or None})


class VotingCodeForm(FlaskForm):
    code = StringField(
        _l("Your voting code"),
        validators=[Length(max=60, message=_l("Type the 12 letters and numbers from your letter"))],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )

    def show_errors(self, errors: dict[str, str]) -> None:
        self.code.errors = list(self.code.errors) + list(errors.values())


def round_choice(round_id: int, label: str):
    return _Choice(round_id, label)


class IssueCodeForm(FlaskForm):
    round_id = SelectField(_l("Funding round"), coerce=int, validate_choice=False)
    issued_count = HiddenField()

    def show_errors(self, errors: dict[str, str]) -> None:
        self.round_id.errors = list(self.round_id.errors) + list(errors.values())


class RefuseForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown to the resident)"), validators=[Length(max=2000)])

    def show_errors(self, errors: dict[str, str]) -> None:
        for message in errors.values():
            self.reason.errors = list(self.reason.errors) + [message]


class ApproveForm(FlaskForm):
    note = TextAreaField(_l("Note for the resident (optional)"), validators=[Length(max=2000)])


class ConfirmForm(FlaskForm):
    """Only a CSRF token: the POST itself is the confirmation."""


class StaffVerifyForm(FlaskForm):
    how = RadioField(
        _l("How did you check them?"),
        choices=[
            _Choice("in_person", _l("I saw proof of their name and address in person")),
            _Choice("phone", _l("I checked their details on a phone call")),
        ],
        validate_choice=False,
    )
    note = TextAreaField(_l("What did you check?"), validators=[Length(max=600, message=_l("Keep the note to 500 characters or fewer"))])

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            field = self.how if key == "how" else self.note
            field.errors = list(field.errors) + [message]
