"""Words shared by pages and messages, and the translation of the domain's own messages.

The domain stays free of Flask: its messages go through `_` and `n_` here, which the web
application points at Flask-Babel (pb.i18n) so they come out in the page's language. Outside
the application (the counting engine's tests, a script) they are the English source.
Placeholders are named, as in Flask-Babel: `_("Choose %(count)s projects", count=3)`.
"""
from __future__ import annotations

from collections.abc import Callable


def _english(message: str, **values) -> str:
    return message % values if values else message


def _english_plural(singular: str, plural_: str, num: int, **values) -> str:
    values.setdefault("num", num)
    return (singular if num == 1 else plural_) % values


_gettext: Callable[..., str] = _english
_ngettext: Callable[..., str] = _english_plural


def use_translations(gettext: Callable[..., str], ngettext: Callable[..., str]) -> None:
    """Translate the domain's messages with these (Flask-Babel's gettext and ngettext)."""
    global _gettext, _ngettext
    _gettext, _ngettext = gettext, ngettext


def _(message: str, **values) -> str:
    """`message` in the current language, with its named placeholders filled in."""
    return _gettext(message, **values)


def n_(singular: str, plural_: str, num: int, **values) -> str:
    """The singular or a plural form for `num`, in the current language; `%(num)s` is the number."""
    return _ngettext(singular, plural_, num, **values)


def N_(message: str) -> str:
    """Marks a message for the catalogs without translating it yet (it is translated where it is shown)."""
    return message


# Each rank's phrases whole, so that every language can say them its own way: "1st choice" is
# "1. tercih" in Turkish and "pierwszy wybór" in Polish, not a number with an English suffix.
# Ballots allow at most 10 choices (pb.domain.round_settings.MAX_RANKS_LIMIT).
_CHOICE = (N_("1st choice"), N_("2nd choice"), N_("3rd choice"), N_("4th choice"), N_("5th choice"),
           N_("6th choice"), N_("7th choice"), N_("8th choice"), N_("9th choice"), N_("10th choice"))
_YOUR_CHOICE = (N_("your 1st choice"), N_("your 2nd choice"), N_("your 3rd choice"), N_("your 4th choice"),
                N_("your 5th choice"), N_("your 6th choice"), N_("your 7th choice"), N_("your 8th choice"),
                N_("your 9th choice"), N_("your 10th choice"))
_YOUR_CHOICE_START = (N_("Your 1st choice"), N_("Your 2nd choice"), N_("Your 3rd choice"), N_("Your 4th choice"),
                      N_("Your 5th choice"), N_("Your 6th choice"), N_("Your 7th choice"), N_("Your 8th choice"),
                      N_("Your 9th choice"), N_("Your 10th choice"))


def choice(n: int) -> str:
    """ "1st choice", as staff and printouts say it."""
    return _(_CHOICE[n - 1]) if 1 <= n <= len(_CHOICE) else _("choice %(number)s", number=n)


def your_choice(n: int, start: bool = False) -> str:
    """ "your 1st choice" inside a sentence, or "Your 1st choice" to start one (`start`)."""
    table = _YOUR_CHOICE_START if start else _YOUR_CHOICE
    if 1 <= n <= len(table):
        return _(table[n - 1])
    return _("Your choice %(number)s", number=n) if start else _("your choice %(number)s", number=n)


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 23 -> "23rd": which English ending a place takes (pb.domain.ranking.place)."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
