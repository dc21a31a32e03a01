"""A pseudo-translation of every message pb has, to find interface text that is not translated.

Each message is wrapped in ⟦ ⟧ and its letters accented ("Continue" -> "⟦Ćőñţíñúé⟧"); its
placeholders (%(name)s), HTML tags and entities are kept as they are. A page rendered in the
pseudo-locale that still shows plain English words shows text that never went through gettext.
The pseudo-locale borrows the code of a language pb does not ship (Esperanto, "eo").
"""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import write_po

from pb import i18n

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PSEUDO = "eo"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "n_": (1, 2), "N_": None, "_l": None,
            "lazy_gettext": None}

_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀćđéƒĝĥíĵķļɱñőþǫŕšţúṽŵẋýžÁƁĆĐÉƑĜĤÍĴĶĻṀÑŐÞǪŔŠŢÚṼŴẊÝŽ",
)
# What a pseudo-translation leaves alone: placeholders, HTML tags and entities.
_KEEP = re.compile(r"%\([a-z_0-9]+\)[sd]|%%|<[^>]*>|&[a-z#0-9]+;", re.IGNORECASE)


def pseudo(message: str) -> str:
    out, at = [], 0
    for match in _KEEP.finditer(message):
        out.append(message[at:match.start()].translate(_ACCENTED))
        out.append(match.group(0))
        at = match.end()
    out.append(message[at:].translate(_ACCENTED))
    return "⟦" + "".join(out) + "⟧"


def extract_messages() -> Catalog:
    """Every message in pb's Python and templates, read the way `make translations-extract` reads them."""
    with open(PROJECT_ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    catalog = Catalog(project="pb")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            # Only hidden folders are skipped: templates/_macros holds messages too.
            directory_filter=lambda path: not os.path.basename(path).startswith(".")):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def write_pseudo_catalog(directory: Path) -> Path:
    """A compiled pseudo-locale catalog of every message, in `directory`/eo."""
    source = extract_messages()
    catalog = Catalog(locale=PSEUDO)
    for message in source:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            forms = tuple(pseudo(m) for m in message.id)
            catalog.add(message.id, forms, context=message.context)
        else:
            catalog.add(message.id, pseudo(message.id), context=message.context)
    folder = directory / PSEUDO / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "messages.po", "wb") as f:
        write_po(f, catalog)
    i18n.compile_catalogs(str(directory))
    return directory


class _VisibleText(HTMLParser):
    """The text a person sees or hears on a page: text nodes outside script and style, and the
    attributes read out or shown (alt, title, aria-label, placeholder, a button's value)."""

    SPOKEN = ("alt", "title", "aria-label", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0
        self._skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # translate="no" marks raw values shown as they are stored (the audit log's details for auditors).
        if tag in ("script", "style") or attrs.get("translate") == "no":
            self._skip += 1
            self._skipping.append(tag)
        if self._skip:
            return
        for name in self.SPOKEN:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self._skipping and tag == self._skipping[-1]:
            self._skipping.pop()
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data)


_TRANSLATED = re.compile(r"⟦[^⟧]*⟧", re.DOTALL)
_WORD = re.compile(r"[A-Za-z]{2,}")


def untranslated(html: str, data: set[str]) -> list[str]:
    """Visible text on the page with English words that did not come from a catalog or the data."""
    parser = _VisibleText()
    parser.feed(html)
    # Longest first, so a title is taken out whole before a word inside it.
    known = sorted((d for d in data if d and d.strip()), key=len, reverse=True)
    found = []
    for text in parser.texts:
        rest = _TRANSLATED.sub(" ", text)
        for value in known:
            if value in rest:
                rest = rest.replace(value, " ")
        if _WORD.search(rest):
            found.append(" ".join(text.split()))
    return found
