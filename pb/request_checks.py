"""Refuse control characters in query parameters and form fields, on every page, with a 400.

No field pb has a use for them: PostgreSQL refuses NUL in text outright (a 500, before this
check), and the others are invisible on every page that would show them. Refused: the C0
control characters except tab, newline and carriage return (a textarea's multi-line text),
DEL, the C1 controls (U+0080 to U+009F), and lone surrogates (werkzeug decodes bad UTF-8 as
U+FFFD, so they should never arrive; the check costs nothing more for them).

Names and values are both checked; uploaded files' contents are not (they are not form
fields), but the names of the fields they came in are.

The form is checked where it is parsed (CheckedRequest), so a view that reads its own body
within its own size limit (a resident list's upload) has its text fields checked when it
parses them, before it uses them. Every other request has its form parsed and checked in a
before_request hook that runs ahead of all others, so nothing is done with a refused request.
"""
from __future__ import annotations

import re
from itertools import chain

from flask import Flask, Request, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from pb.domain.words import N_
from pb.templating import render_error

REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Marked for the catalogs; translated on the page that refuses the request.
MESSAGE = N_("Something you typed contains a character we cannot accept. Please check it and try again.")

# Views that read their own request body, within their own size limit (pb/residents/list_views.py):
# the hook leaves the parsing to them, and CheckedRequest checks the fields when they do.
SELF_READ_ENDPOINTS = frozenset({"resident_lists.upload", "resident_lists.replace"})


class UnacceptableCharacters(BadRequest):
    """A query parameter or form field (name or value) holds a refused character."""

    description = MESSAGE


def has_refused_characters(values) -> bool:
    """Whether any name or value of a MultiDict (request.args, request.form) holds a refused character."""
    if not values:
        return False
    return REFUSED.search("".join(chain.from_iterable(values.items(multi=True)))) is not None


class CheckedRequest(Request):
    """Flask's request, whose form (urlencoded or multipart text fields, and file field names) is checked as it is parsed."""

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        super()._load_form_data()
        if has_refused_characters(self.form) or (self.files and REFUSED.search("".join(self.files.keys()))):
            raise UnacceptableCharacters()


def refuse_control_characters():
    """Refuse a query parameter or form field with a control character before anything else runs."""
    if has_refused_characters(request.args):
        raise UnacceptableCharacters()
    if request.endpoint not in SELF_READ_ENDPOINTS:
        request.form  # noqa: B018 - parsing checks it (CheckedRequest); a GET without a body parses nothing
    return None


def unacceptable_characters(exc: UnacceptableCharacters):
    return render_error(400, message=_(MESSAGE))


def install(app: Flask) -> None:
    """Check every request's query parameters and form fields; answer pb's 400 page to a refused one."""
    app.request_class = CheckedRequest
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_control_characters)
    app.register_error_handler(UnacceptableCharacters, unacceptable_characters)
