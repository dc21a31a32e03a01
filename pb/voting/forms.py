"""Forms for voting. The ranking itself is read by pb.services.ballots.read_ranking
(fields rank1, rank2, …) and checked on the server every time it is posted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from pb.models import Round
from pb.domain.words import choice, your_choice


@dataclass(frozen=True)
class RankField:
    """One "Your 1st choice" select on the ballot."""

    name: str
    number: int
    label: str
    required: bool
    for_staff: bool = False


def rank_fields(round_: Round, for_staff: bool = False) -> list[RankField]:
    """The selects of the ballot; staff keying a paper form see "1st choice", residents "Your 1st choice"."""
    fields = []
    for n in range(1, round_.max_ranks + 1):
        required = n <= round_.min_ranks
        if for_staff:
            label = choice(n) if required else _("%(choice)s (if marked)", choice=choice(n))
        else:
            label = (your_choice(n, start=True) if required
                     else _("%(choice)s (if you want one)", choice=your_choice(n, start=True)))
        fields.append(RankField(name=f"rank{n}", number=n, label=label, required=required, for_staff=for_staff))
    return fields


class NumberField(IntegerField):
    """A whole number typed in a text box, with a plain message when it is not one."""

    def __init__(self, label, plain_message: str, **kwargs):
        super().__init__(label, **kwargs)
        self.plain_message = plain_message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.plain_message) from None


class ResidentSearchForm(FlaskForm):
    """Find the resident whose paper ballot is being entered (a GET search, so no CSRF token)."""

    class Meta:
        csrf = False

    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=10)])
    # autocomplete off: a browser would offer the member of staff's own birthday.
    dob_day = NumberField(_l("Day"), _l("Enter the day as a number, for example 27"),
                          validators=[Optional(), NumberRange(1, 31, _l("Enter a day from 1 to 31"))],
                          render_kw={"autocomplete": "off"})
    dob_month = NumberField(_l("Month"), _l("Enter the month as a number, for example 3"),
                            validators=[Optional(), NumberRange(1, 12, _l("Enter a month from 1 to 12"))])
    dob_year = NumberField(_l("Year"), _l("Enter the year as a number, for example 1948"),
                           validators=[Optional(), NumberRange(1900, 2100, _l("Enter a year, for example 1948"))])

    def date_of_birth(self) -> date | None:
        parts = (self.dob_day.data, self.dob_month.data, self.dob_year.data)
        if not any(parts):
            return None
        if not all(parts):
            self.dob_day.errors = list(self.dob_day.errors) + [
                _("Enter the whole date of birth, for example 27 3 1948, or leave it empty")
            ]
            return None
        try:
            return date(self.dob_year.data, self.dob_month.data, self.dob_day.data)
        except ValueError:
            self.dob_day.errors = list(self.dob_day.errors) + [_("Enter a real date of birth, for example 27 3 1948")]
            return None

    @property
    def has_query(self) -> bool:
        return bool((self.name.data or "").strip() or (self.postcode.data or "").strip()
                    or self.dob_day.data or self.dob_month.data or self.dob_year.data)
