"""UK postcodes: normalising what people type, and matching a round's postcode rule."""
from __future__ import annotations

import re

# Outward code: area letters, district digits (and an optional letter); inward code: digit + two letters.
_OUTWARD = r"[A-Z]{1,2}[0-9][0-9A-Z]?"
_INWARD = r"[0-9][A-Z]{2}"
FULL_POSTCODE = re.compile(rf"^({_OUTWARD}) ?({_INWARD})$")
OUTWARD_CODE = re.compile(rf"^{_OUTWARD}$")


def normalise_postcode(text: str | None) -> str | None:
    """'e8 1ab', 'E81AB', ' E8  1AB ' -> 'E8 1AB'. None if it is not shaped like a UK postcode."""
    if not text:
        return None
    compact = re.sub(r"\s+", "", text).upper()
    match = FULL_POSTCODE.match(compact)
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"


def outward_code(postcode: str) -> str:
    return postcode.split(" ")[0]


def parse_postcode_rules(text: str | None) -> tuple[list[str], list[str]]:
    """Read a rule (one outward code or full postcode per line).

    Returns (normalised entries, lines that are not postcodes or outward codes).
    """
    entries: list[str] = []
    bad: list[str] = []
    for raw in (text or "").replace(",", "\n").splitlines():
        line = raw.strip()
        if not line:
            continue
        compact = re.sub(r"\s+", "", line).upper()
        full = normalise_postcode(compact)
        if full:
            entries.append(full)
        elif OUTWARD_CODE.match(compact):
            entries.append(compact)
        else:
            bad.append(line)
    return entries, bad


def postcode_matches(postcode: str, rules: list[str]) -> bool:
    """True if the (normalised) postcode is listed in full or its outward code is listed."""
    return postcode in rules or outward_code(postcode) in rules
