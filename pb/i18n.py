"""The languages pb speaks, and which one each page is in.

A page is in the language the visitor chose (`?lang=CODE`, kept in a cookie), else the one a
signed-in resident chose for their account, else the best match for the browser's
Accept-Language, else English. Only languages with a catalog in pb/translations are offered;
English is the source and needs none.
"""
from __future__ import annotations

import os
from urllib.parse import urlencode
from dataclasses import dataclass

from babel import Locale
from flask import Flask, g, request
from flask_babel import Babel, get_locale

from pb.domain import words

COOKIE = "pb_lang"
COOKIE_DAYS = 365
TRANSLATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "translations")


@dataclass(frozen=True)
class Language:
    code: str          # what ?lang= and the account store: "tr", "yi"
    name: str          # the language's name in itself: "Türkçe", "ייִדיש"
    direction: str     # "ltr" or "rtl"
    reviewed: bool     # has a fluent speaker checked the whole catalog?

    @property
    def tag(self) -> str:
        """The page's lang attribute: British English, and the other languages as they are."""
        return "en-GB" if self.code == "en" else self.code


def _language(code: str, reviewed: bool = False) -> Language:
    locale = Locale.parse(code)
    name = locale.get_display_name(locale) or code
    return Language(code, name[:1].upper() + name[1:], locale.text_direction, reviewed)


ENGLISH = Language("en", "English", "ltr", True)


def catalog_codes(directory: str = TRANSLATIONS_DIR) -> list[str]:
    """The languages with a catalog (pb/translations/CODE/LC_MESSAGES/messages.po), sorted."""
    if not os.path.isdir(directory):
        return []
    return sorted(code for code in os.listdir(directory)
                  if os.path.isfile(os.path.join(directory, code, "LC_MESSAGES", "messages.po")))


def languages(app: Flask) -> dict[str, Language]:
    return app.extensions["pb_languages"]


def page_language() -> Language:
    """The language of the page being made."""
    found = languages_of_request().get(str(get_locale()))
    return found or ENGLISH


def languages_of_request() -> dict[str, Language]:
    from flask import current_app
    return languages(current_app)


def _chosen_code(known: dict[str, Language]) -> str | None:
    """A language asked for on this request or kept from an earlier one, if pb speaks it."""
    asked = (request.args.get("lang") or "").strip().lower()
    if asked in known:
        g.pb_lang_chosen = asked
        return asked
    kept = (request.cookies.get(COOKIE) or "").strip().lower()
    return kept if kept in known else None


def select_locale() -> str:
    from flask import has_request_context

    if not has_request_context():
        return "en"  # the CLI and app-context work (counting, exports) speak English
    known = languages_of_request()
    chosen = _chosen_code(known)
    if chosen:
        return chosen
    # The account's language, if this request has loaded the account already: choosing a language
    # never reads the database (casting a ballot deliberately does not load the voter's account).
    user = g.get("_login_user")
    account = getattr(user, "language", None) if user is not None and user.is_authenticated else None
    if account in known:
        return account
    # A malformed header gives no match rather than an error.
    best = request.accept_languages.best_match(list(known), default="en")
    return best if best in known else "en"


def remember_language(code: str | None) -> bool:
    """Keep `code` as this browser's language from this response on, if pb speaks it (a resident's
    own language, at sign-in or when they choose it on their account page)."""
    if code and code in languages_of_request():
        g.pb_lang_chosen = code
        return True
    return False


def _keep_choice(response):
    chosen = g.get("pb_lang_chosen")
    if chosen:
        response.set_cookie(COOKIE, chosen, max_age=COOKIE_DAYS * 86400, samesite="Lax",
                            secure=request.is_secure, httponly=True)
    return response


def init_app(app: Flask) -> None:
    directories = [TRANSLATIONS_DIR, *app.config.get("PB_EXTRA_TRANSLATIONS", [])]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/London")
    codes = [c for d in directories for c in catalog_codes(d) if c != "en"]
    known = {"en": ENGLISH}
    for code in sorted(set(codes)):
        known[code] = _language(code)
    app.extensions["pb_languages"] = known
    Babel(app, locale_selector=select_locale)
    # Whole sentences in templates: {% trans %} blocks are read without their line breaks.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.after_request(_keep_choice)

    from flask import has_request_context
    from flask_babel import gettext, ngettext

    # The page's language exists only inside a request; the CLI and app-context work speak English.
    words.use_translations(
        lambda message, **values: gettext(message, **values) if has_request_context()
        else words._english(message, **values),
        lambda singular, plural, num, **values: ngettext(singular, plural, num, **values) if has_request_context()
        else words._english_plural(singular, plural, num, **values),
    )

    @app.context_processor
    def _languages():
        return {"page_language": page_language(), "languages": list(known.values()), "language_url": language_url}


def language_of(code: str | None) -> Language:
    """The language pb speaks for `code` (a resident's stored choice), or English."""
    return languages_of_request().get(code or "") or ENGLISH


def language_url(code: str) -> str:
    """This page again in another language: the same address and query, with ?lang=CODE."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return f"{request.script_root}{request.path}?{urlencode(args, doseq=True)}"


def compile_catalogs(directory: str = TRANSLATIONS_DIR) -> list[str]:
    """Write each catalog's compiled messages.mo beside its messages.po when missing or older.

    A fresh clone has only the .po files; `make run`, `make test` and the test suite call this.
    Returns the languages compiled. A catalog with errors stops with a message naming it.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    done = []
    for code in catalog_codes(directory):
        po = os.path.join(directory, code, "LC_MESSAGES", "messages.po")
        mo = po[:-2] + "mo"
        if os.path.exists(mo) and os.path.getmtime(mo) >= os.path.getmtime(po):
            continue
        with open(po, "rb") as f:
            catalog = read_po(f, locale=code)
        problems = [(m.id, e) for m, errors in catalog.check() for e in errors]
        if problems:
            raise SystemExit(f"The {code} catalog has errors: {problems[:3]}")
        # Written aside and moved into place: test processes started together may all compile.
        partial = f"{mo}.{os.getpid()}"
        with open(partial, "wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        os.replace(partial, mo)
        done.append(code)
    return done


# Money, dates and numbers for the page's language. English keeps pb's own plain forms
# ("£1,250", "Thursday 12 March 2026"); other languages take Babel's forms for their locale.
# Money is always in pounds.

def _babel_locale():
    locale = get_locale()
    return None if locale is None or locale.language == "en" else locale


def format_money(pence: int | None, english) -> str:
    locale = _babel_locale()
    if locale is None or pence is None:
        return english(pence)
    from babel.numbers import format_currency

    pounds, rest = divmod(abs(int(pence)), 100)
    amount = (-1 if pence < 0 else 1) * (pounds + rest / 100)
    if rest:
        return format_currency(amount, "GBP", locale=locale)
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    return format_currency(amount, "GBP", locale=locale, format=pattern.replace(".00", ""), currency_digits=False)


def format_day_words(value, english, style: str) -> str:
    """A date as words: `style` "long" (12 March 2026) or "full" (with the day of the week)."""
    locale = _babel_locale()
    if locale is None or value is None:
        return english(value)
    from babel.dates import format_date

    return format_date(value, style, locale=locale)


def format_time_words(value, english) -> str:
    """A date and time (already in London time)."""
    locale = _babel_locale()
    if locale is None or value is None:
        return english(value)
    from babel.dates import format_date, format_time

    return f"{format_date(value, 'long', locale=locale)} {format_time(value, 'short', locale=locale)}"


def _english_number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def format_number(value, english=_english_number) -> str:
    locale = _babel_locale()
    if locale is None or value is None:
        return english(value)
    from babel.numbers import format_decimal

    return format_decimal(value, locale=locale)
