"""Rounds' and projects' own text on residents' pages, in the page's language where staff approved a
translation, else in English marked as English (so a screen reader reads it as English).

Templates call `content(obj, "title")`; a page that showed any untranslated text ends with a
short note in its own language (templates/base.html reads `untranslated_content_shown()`).
"""
from __future__ import annotations

from flask import Flask, g, render_template
from flask_babel import force_locale
from markupsafe import Markup, escape

from pb.i18n import page_language
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
    hold text in a language other than its own (a paper ballot printed in the resident's language from
    a staff page in English, rendered under flask_babel.force_locale)."""
    cache = g.get("pb_approved_texts")
    if cache is None:
        cache = g.pb_approved_texts = {}
    if language not in cache:
        cache[language] = content_translations.approved_texts(language)
    return cache[language]


def content_text(obj, field: str) -> tuple[str, bool]:
    """(the text to show, whether it is in the page's language)."""
    english = getattr(obj, field) or ""
    language = page_language()
    kind = _kind(obj)
    if language.code == "en" or kind is None or not english:
        return english, True
    text = _approved(language.code).get((kind, obj.id, field))
    return (text, True) if text else (english, False)


def content(obj, field: str) -> Markup:
    text, translated = content_text(obj, field)
    if translated:
        return escape(text)
    g.pb_untranslated_shown = True
    return Markup('<span lang="en-GB" dir="ltr">%s</span>') % text


def untranslated_content_shown() -> bool:
    return bool(g.get("pb_untranslated_shown"))


def render_in_language(code: str, template: str, **context) -> tuple[Markup, bool]:
    """`template` rendered in the language `code`, for a part of a page in another language (a paper
    ballot in the resident's language on a staff page in the staff's own).

    Returns (the HTML, whether any round's or project's text in it is in English for want of an approved
    translation). The page's own note about English text is left as it was: the part says it in its language.
    """
    before = g.get("pb_untranslated_shown")
    g.pb_untranslated_shown = False
    try:
        with force_locale(code):
            html = render_template(template, **context)
        # The HTML of pb's own template, made by Jinja with autoescaping on: every value in it is escaped.
        return Markup(html), untranslated_content_shown()  # nosec B704 - pb's template, autoescaped
    finally:
        g.pb_untranslated_shown = before


def init_app(app: Flask) -> None:
    app.jinja_env.globals["content"] = content
    app.jinja_env.globals["content_text"] = lambda obj, field: content_text(obj, field)[0]
    app.jinja_env.globals["untranslated_content_shown"] = untranslated_content_shown
