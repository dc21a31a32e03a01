"""Cells that are safe to open in a spreadsheet (OWASP "CSV injection").

A spreadsheet treats a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a formula, and some also
do so after a leading tab or carriage return, so an idea titled ``=HYPERLINK("http://…"&A1,"Click")``
in a downloaded file could run when opened. `safe_cell` puts a single quote in front of such a
text cell, which spreadsheets show as plain text. Every file pb publishes for spreadsheets applies
it to its free-text columns (titles, names, reasons, descriptions); numeric columns are written as
they are, so a negative amount stays a number.
"""
from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


def needs_quote(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula.

    True when it begins with a formula character, or with spaces followed by one (some spreadsheets
    trim leading spaces on import). A plain number such as ``-12.50`` is not a formula.
    """
    if not text:
        return False
    if text[0] not in FORMULA_STARTS and text.lstrip(" ")[:1] not in FORMULA_STARTS:
        return False
    return _PLAIN_NUMBER.fullmatch(text) is None


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet cell that cannot be a formula: text that could be one gets a leading ``'``.

    Anything that is not a string (numbers, None) comes back unchanged, and so do plain numbers
    written as text, such as ``-5`` or ``+3.25``.
    """
    if isinstance(value, str) and needs_quote(value):
        return "'" + value
    return value
