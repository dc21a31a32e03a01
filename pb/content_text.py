"""Rounds' and projects' own text on residents' pages, in the page's language where staff approved a
translation, else in English marked as English (so a screen reader reads it as English).

Templates call `content(obj, "title")`; a page that showed any untranslated text ends with a
short note in its own language (templates/base.html reads `untranslated_content_shown()`).
"""
from __future__ import annotations

from flask import Flask, g
from markupsafe import Markup, escape

from pb.i18n import language_of, page_language
from pb.models import Proposal, Round
from pb.services import content_translations


def _kind(obj) -> str | None:
    if isinstance(obj, Round):
        return "round"
    if isinstance(obj, Proposal):
        return "proposal"
    return None


def _approved(language: str) -> dict:
    # Per language: a page for staff can hold a letter or a paper ballot in another language (pb.i18n.in_language).
    cache = g.setdefault("pb_approved_texts", {})
    if language not in cache:
        cache[language] = content_translations.approved_texts(language)
    return cache[language]


def source_language(obj) -> str:
    """The language of an object's own text: an idea's is the one it was written in; the rest is English."""
    return (getattr(obj, "language", None) or "en") if isinstance(obj, Proposal) else "en"


def content_text(obj, field: str) -> tuple[str, bool]:
    """(the text to show, whether it is in the page's language)."""
    english = getattr(obj, field) or ""
    language = page_language()
    kind = _kind(obj)
    if kind is None or not english or language.code == source_language(obj):
        return english, True
    text = _approved(language.code).get((kind, obj.id, field))
    return (text, True) if text else (english, False)


def content(obj, field: str) -> Markup:
    text, translated = content_text(obj, field)
    if translated:
        return escape(text)
    source = language_of(source_language(obj))
    if source.code == "en":  # the note says "shown in English"; an idea in its proposer's own words needs none
        g.pb_untranslated_shown = True
    return Markup('<span lang="%s" dir="%s">%s</span>') % (source.tag, source.direction, text)


def untranslated_content_shown() -> bool:
    return bool(g.get("pb_untranslated_shown"))


def init_app(app: Flask) -> None:
    app.jinja_env.globals["content"] = content
    app.jinja_env.globals["content_text"] = lambda obj, field: content_text(obj, field)[0]
    app.jinja_env.globals["untranslated_content_shown"] = untranslated_content_shown
