"""Forms for the results area."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField


class ReceiptForm(FlaskForm):
    """The receipt checker: a POST form, so the code stays out of URLs, access logs and browser history.

    It changes nothing, so it carries no CSRF token: a page left open for hours still works.
    """

    class Meta:
        csrf = False

    code = StringField(_l("Your receipt code"),
                       render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})


class CountForm(FlaskForm):
    """The staff button that runs (or re-runs) the count: a POST with a CSRF token."""
