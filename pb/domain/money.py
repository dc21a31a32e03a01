"""Money is stored as integer pence and shown as £1,250 (pence only when there are any)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pb.domain.words import _

_AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")


class InvalidAmount(ValueError):
    """A typed amount of money that cannot be read."""


def parse_pounds(text: str | None) -> int:
    """Read an amount typed by a person ("£1,250.50", "1250", "1,250") as pence.

    Raises InvalidAmount with a message a resident can act on.
    """
    if text is None or not str(text).strip():
        raise InvalidAmount(_("Enter an amount in pounds, for example 1250 or £1,250.50"))
    cleaned = str(text).strip().replace("£", "").replace(",", "").replace(" ", "")
    if cleaned.lower().endswith("gbp"):
        cleaned = cleaned[:-3]
    if not _AMOUNT.match(cleaned):
        raise InvalidAmount(_("Enter the amount as a number of pounds, for example 1250 or £1,250.50"))
    try:
        pence = int((Decimal(cleaned) * 100).to_integral_exact())
    except InvalidOperation as exc:  # pragma: no cover - the regex already excludes this
        raise InvalidAmount(_("Enter the amount as a number of pounds, for example 1250")) from exc
    return pence


def format_pence(pence: int | None) -> str:
    """£1,250 for whole pounds, £1,250.50 otherwise; negative amounts keep their sign."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    if rest:
        return f"{sign}£{pounds:,}.{rest:02d}"
    return f"{sign}£{pounds:,}"


def pence_to_pounds_text(pence: int | None) -> str:
    """The value to put back into an amount field: 1250 or 1250.50."""
    if pence is None:
        return ""
    pounds, rest = divmod(int(pence), 100)
    return f"{pounds}.{rest:02d}" if rest else str(pounds)
