"""Forms for verification letters: a resident asks for one or types its code; staff choose letters to print or mark sent.

They only carry what was typed or ticked; pb.services.verification_letters checks it.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import Length


class AskForLetterForm(FlaskForm):
    address_line = StringField(
        _l("House or flat number and street"),
        validators=[Length(max=300, message=_l("Keep the address to 200 characters or fewer"))],
        render_kw={"autocomplete": "address-line1"},
    )

    def show_errors(self, errors: dict[str, str]) -> None:
        self.address_line.errors = list(self.address_line.errors) + list(errors.values())


class LetterCodeForm(FlaskForm):
    code = StringField(
        _l("Code from your letter"),
        validators=[Length(max=60, message=_l("Type the 12 letters and numbers from your letter"))],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )

    def show_errors(self, errors: dict[str, str]) -> None:
        self.code.errors = list(self.code.errors) + list(errors.values())


class LetterBatchForm(FlaskForm):
    """The letters ticked in the staff queue (or carried by the printed page), and whether to print them again."""

    letter_id = SelectMultipleField(_l("Letters"), coerce=int, validate_choice=False)
    reprint = BooleanField(_l("Print these again"))
