"""Forms for registering online, one per step (pb.services.registration_steps checks what they carry),
and for asking to hear about future rounds.

Each form holds only its own step's fields, so a page never shows a field its step does not need.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, RadioField, StringField
from wtforms.validators import Length

from pb.residents.forms import _Choice, _PersonFields
from pb.services import future_rounds
from pb.services.registration_steps import CODE, NO, ONLINE, YES


class _StepForm(FlaskForm):
    """A step's form: a service's error for a field shows next to it (else next to the first field)."""

    FIELD_FOR = _PersonFields.FIELD_FOR

    def show_errors(self, errors: dict[str, str]) -> None:
        first = next(iter(f for f in self if f.name != "csrf_token"))
        for key, message in errors.items():
            field = getattr(self, self.FIELD_FOR.get(key, key), None) or first
            field.errors = list(field.errors) + [message]


_EMAIL = EmailField(_l("Email address"), validators=[Length(max=254, message=_l("Your email address must be 254 characters or fewer"))],
                    render_kw={"autocomplete": "email", "spellcheck": "false"})
_PHONE = StringField(_l("Phone number"), validators=[Length(max=40, message=_l("Enter a phone number, like 020 7946 0000"))],
                     render_kw={"autocomplete": "tel", "type": "tel"})


class AboutYouForm(_StepForm):
    name = _PersonFields.name
    dob_day = _PersonFields.dob_day
    dob_month = _PersonFields.dob_month
    dob_year = _PersonFields.dob_year


class WhereYouLiveForm(_StepForm):
    postcode = _PersonFields.postcode
    wants_letter = RadioField(
        _l("Would you like us to post you a letter to confirm your address?"),
        choices=[_Choice(YES, _l("Yes, post me a letter with a code")), _Choice(NO, _l("No, not now"))],
        validate_choice=False,
    )
    address_line = StringField(
        _l("House or flat number and street"),
        validators=[Length(max=250, message=_l("Keep the address to 200 characters or fewer"))],
        render_kw={"autocomplete": "address-line1"},
    )


class HowForm(_StepForm):
    how = RadioField(
        _l("How do you want to take part?"),
        choices=[
            _Choice(ONLINE, _l("Online, with my email address and a password")),
            _Choice(CODE, _l("With a voting code from staff (no email address or password needed)")),
        ],
        validate_choice=False,
    )
    email = _EMAIL
    phone = _PHONE


class ChoosePasswordForm(_StepForm):
    """The last page: the password (online only) goes with the button that registers, and is never kept."""

    password = PasswordField(_l("Create a password"), validators=[Length(max=200, message=_l("Your password must be 128 characters or fewer"))], render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(_l("Type your password again"), validators=[Length(max=200)], render_kw={"autocomplete": "new-password"})


class FutureRoundsForm(_StepForm):
    name = _PersonFields.name
    how = RadioField(
        _l("How should we tell you?"),
        choices=[_Choice(future_rounds.BY_EMAIL, _l("By email")), _Choice(future_rounds.BY_PHONE, _l("By phone"))],
        validate_choice=False,
    )
    email = _EMAIL
    phone = _PHONE
