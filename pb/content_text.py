"""Rounds' and projects' own text on residents' pages, in the page's language where staff approved a
translation, else in English marked as English (so a screen reader reads it as English).

Templates call `content(obj, "title")`; a page that showed any untranslated text ends with a
short note in its own language (templates/base.html reads `untranslated_content_shown()`).
"""
from __future__ import annotations

from flask import Flask, g, render_template
from flask_babel import force_locale
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
    """The approved translations into `language`, read once a request for each language: a page may
    hold text in a language other than its own (a letter or a paper ballot in the resident's language
    on a staff page in English, rendered by render_in_language)."""
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


def render_in_language(code: str | None, template: str, **context) -> tuple[Markup, bool]:
    """`template` rendered in the language `code` (English if pb does not speak it), for a part of a
    page in another language: a letter in the language its resident reads, a paper ballot in the
    language asked for, on a staff page in the staff's own. The template gets the language as
    `language`, so its outer element can carry lang="{{ language.tag }}" dir="{{ language.direction }}".

    Returns (the HTML, whether any round's or project's text in it is in English for want of an approved
    translation). The page's own note about English text is left as it was: the part says it in its language.
    """
    language = language_of(code)
    context.setdefault("language", language)
    before = g.get("pb_untranslated_shown")
    g.pb_untranslated_shown = False
    try:
        with force_locale(language.code):
            html = render_template(template, **context)
        # The HTML of pb's own template, made by Jinja with autoescaping on: every value in it is escaped.
        return Markup(html), untranslated_content_shown()  # nosec B704 - pb's template, autoescaped
    finally:
        g.pb_untranslated_shown = before


def init_app(app: Flask) -> None:
    app.jinja_env.globals["content"] = content
    app.jinja_env.globals["content_text"] = lambda obj, field: content_text(obj, field)[0]
    app.jinja_env.globals["untranslated_content_shown"] = untranslated_content_shown
    # {{ in_language(resident.language, "letters/_address_letter.html", ...) }}: a letter in its resident's language.
    app.jinja_env.globals["in_language"] = lambda code, template, **context: render_in_language(code, template, **context)[0]
