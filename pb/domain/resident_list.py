"""Resident lists: the normalised identity of a person, as a resident list's keyed hash is taken of it.

A list row and a registration match when their normalised name, date of birth and postcode
are the same: case, accents, punctuation and spacing in the name do not matter, nor spacing
and case in the postcode.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date


def normalised_name(name: str) -> str:
    """"  Mary-Jane  O'Brien " -> "mary jane obrien": lower case, no accents or punctuation, single spaces."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"['’`]", "", text)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.replace("_", " ").split())


def normalised_postcode(postcode: str) -> str:
    return re.sub(r"\s+", "", postcode or "").upper()


def identity_text(name: str, born: date, postcode: str) -> str:
    """The text a resident list entry's keyed hash is taken of."""
    return "\x1f".join((normalised_name(name), born.isoformat(), normalised_postcode(postcode)))
