"""Forms for the resident lists pages: uploading a list, replacing its file, confirming a deletion.

The forms only carry what was sent; pb.services.resident_lists checks it and says what to fix.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField

CSV_FILES = {"accept": ".csv,text/csv"}


class UploadListForm(FlaskForm):
    name = StringField(_l("Name of the list"), render_kw={"autocomplete": "off"})
    source = StringField(_l("Where the list came from (optional)"), render_kw={"autocomplete": "off"})
    file = FileField(_l("The list, as a CSV file"), render_kw=CSV_FILES)


class ReplaceListForm(FlaskForm):
    file = FileField(_l("The new file of this list, as a CSV file"), render_kw=CSV_FILES)


class ConfirmForm(FlaskForm):
    """A form with nothing to fill in but its CSRF token."""
