"""Forms for the results area."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField


class ReceiptForm(FlaskForm):
    """The receipt checker: a GET form (it changes nothing), so it carries no CSRF token."""

    class Meta:
        csrf = False

    code = StringField("Your receipt code")


class CountForm(FlaskForm):
    """The staff button that runs (or re-runs) the count: a POST with a CSRF token."""
