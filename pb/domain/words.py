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


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 23 -> "23rd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """1 -> "1 project", 3 -> "3 projects"."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
