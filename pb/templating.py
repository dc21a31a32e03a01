"""Templates and responses: Jinja filters and site details, error pages, and the headers every response carries."""
from __future__ import annotations

from datetime import date, datetime, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, render_template, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy.exc import OperationalError

from pb.domain.verification import ballot_way_labels, resident_way_labels
from pb.domain.errors import DatabaseBusy, DomainError, NotConfigured
from pb import i18n
from pb.domain.money import format_pence
from pb.domain.words import N_, choice, your_choice
from pb.extensions import db
from pb.services.transaction import is_busy_error

LONDON = ZoneInfo("Europe/London")

# On every response, unless a view sets its own (Strict-Transport-Security is added
# where the session cookie is HTTPS-only).
SECURITY_HEADERS = (
    ("Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
     "frame-ancestors 'none'; form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
# Where Flask-Login keeps the signed-in account's User.get_id() in the session.
LOGIN_SESSION_KEY = "_user_id"


def logo_origin(logo_url: str | None) -> str | None:
    """The origin ("https://example.org") of a logo kept on another site, which the page's CSP must let in."""
    parts = urlsplit((logo_url or "").strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def install_security_headers(app: Flask) -> None:
    defaults = list(SECURITY_HEADERS)
    origin = logo_origin(app.config.get("PB_LOGO_URL"))
    if origin:
        defaults = [(name, value.replace("img-src 'self' data:", f"img-src 'self' data: {origin}"))
                    if name == "Content-Security-Policy" else (name, value) for name, value in defaults]
    if app.config.get("SESSION_COOKIE_SECURE"):
        defaults.append(("Strict-Transport-Security", "max-age=31536000"))
    defaults_by_name = [(name.lower(), name, value) for name, value in defaults]

    @app.after_request
    def security_headers(response):
        h = response.headers
        # Added unless the view set its own; one pass over the response's headers, not one per name.
        present = {name.lower() for name in h.keys()}
        for lowered, name, value in defaults_by_name:
            if lowered not in present:
                h.add(name, value)
        # A page for someone signed in is theirs alone: keep it out of shared caches (the
        # session's sign-in is enough to know that, without loading the account).
        if g.get("no_store") or LOGIN_SESSION_KEY in session:
            h["Cache-Control"] = "no-store"
        return response


# Marked for the catalogs; render_error translates them.
ERROR_PAGES = {
    400: (N_("Something was wrong with that request"), N_("Please go back and try again.")),
    403: (N_("You cannot see this page"), N_("Your account does not have access to this page. If you think it should, contact the team.")),
    404: (N_("Page not found"), N_("If you typed the web address, check it is correct. If you followed a link, it may be out of date.")),
    405: (N_("That did not work"), N_("This page cannot be used in that way. Please go back and try again.")),
    409: (N_("That could not be done"), N_("Please go back, refresh the page and try again.")),
    413: (N_("That was too much to send"), N_("What you sent was too large. Please shorten it and try again.")),
    429: (N_("Too many attempts"), N_("You have tried too many times. Please wait a few minutes before trying again.")),
    500: (N_("Sorry, something went wrong"), N_("The problem has been noted. Please try again later.")),
    503: (N_("The system is busy"), N_("Please wait a moment and try again. Nothing you sent has been saved.")),
}


def render_error(code: int, title: str | None = None, message: str | None = None):
    default_title, default_message = ERROR_PAGES.get(code, ERROR_PAGES[500])
    g.no_store = True
    body = render_template("errors/error.html", code=code, title=title or _(default_title),
                           message=message or _(default_message))
    return body, code


def install_error_handlers(app: Flask) -> None:
    for code in (400, 403, 404, 405, 409, 413, 429):

        def handler(exc, code=code):
            return render_error(code)

        app.register_error_handler(code, handler)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(
            400,
            _("This form has expired"),
            _("For your security, forms expire after a while or when you sign in or out. "
              "Please go back, refresh the page and fill in the form again."),
        )

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return render_error(500)

    @app.errorhandler(DatabaseBusy)
    def busy(exc):
        body, code = render_error(503)
        return body, 503, {"Retry-After": "2"}

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        # Views normally turn domain errors into messages; this is the plain-page fallback.
        return render_error(exc.status_code, _("That could not be done"), exc.message)

    @app.errorhandler(OperationalError)
    def operational(exc):
        db.session.rollback()
        if is_busy_error(exc):
            body, _code = render_error(503)
            return body, 503, {"Retry-After": "2"}
        app.logger.exception("database error")
        return render_error(500)


def to_london(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LONDON)


def _london_day(value: date | datetime) -> date:
    return to_london(value) if isinstance(value, datetime) else value


def _london_or_none(value):
    return None if value is None else _london_day(value)


def format_date(value: date | datetime | None) -> str:
    """12 March 2026 (a time is taken in London)."""
    if value is None:
        return ""
    value = _london_day(value)
    return f"{value.day} {value:%B %Y}"


def format_day(value: date | datetime | None) -> str:
    """The date with its day of the week, as a letter gives it: "Thursday 12 March 2026"."""
    if value is None:
        return ""
    return f"{_london_day(value):%A} {format_date(value)}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_london(value)
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")


def paragraphs(text_value: str | None) -> Markup:
    """Plain text with blank-line paragraphs, escaped, as <p> elements."""
    blocks = [b.strip() for b in (text_value or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
    html = Markup("")
    for block in blocks:
        lines = [escape(line) for line in block.split("\n")]
        html += Markup("<p>") + Markup("<br>").join(lines) + Markup("</p>")
    return html


def _each_time(func):
    """A filter whose answer depends on the language of the moment, worked out each time it is used.

    Jinja works a filter of constants ({{ 1|your_choice }}) out once, when it compiles the template, and
    keeps the answer: in the language of the first page that used the template, for every page after it.
    A filter that takes the template's context is never worked out in advance.
    """
    @pass_context
    def each_time(_context, *args, **kwargs):
        return func(*args, **kwargs)
    return each_time


def install_template_helpers(app: Flask) -> None:
    # In the page's language (pb.i18n): these English forms for English.
    filters = {
        "money": lambda pence: i18n.format_money(pence, format_pence),
        "date": lambda value: i18n.format_day_words(_london_or_none(value), format_date, "long"),
        "day": lambda value: i18n.format_day_words(_london_or_none(value), format_day, "full"),
        "datetime": lambda value: i18n.format_time_words(to_london(value), format_datetime),
        "number": i18n.format_number,
        # {{ 2|choice }} "2nd choice"; {{ 2|your_choice }} "your 2nd choice"; {{ 2|your_choice(start=True) }} "Your 2nd choice".
        "choice": choice,
        "your_choice": your_choice,
    }
    app.jinja_env.filters.update({name: _each_time(func) for name, func in filters.items()})
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_site():
        return {
            "site_name": "pb",
            "organisation": app.config["PB_ORGANISATION"],
            "contact": app.config["PB_CONTACT"],
            "logo_url": app.config.get("PB_LOGO_URL") or "",
            "postal_address": app.config.get("PB_POSTAL_ADDRESS") or "",
            # In the page's language: the labels are looked up for each page.
            "resident_way_labels": resident_way_labels(),
            "ballot_way_labels": ballot_way_labels(),
        }


MISSING_PUBLIC_URL = N_(
    "Nothing was printed and nothing was changed: pb does not know the web address residents should type. "
    "Ask whoever runs pb's server to set PB_PUBLIC_URL to the site's public address (for example "
    "https://vote.example.org.uk) and restart pb, then print the letter again."
)


def public_address(endpoint: str, **values) -> str:
    """The address of a page to print on a letter, without "https://" (nobody needs to type it).

    From PB_PUBLIC_URL; without it, the request's own address in development and testing, and in
    production a NotConfigured error (call this before changing anything, so a refusal changes nothing):
    behind a proxy the request's address may not be one residents can reach.
    """
    base = (current_app.config.get("PB_PUBLIC_URL") or "").strip().rstrip("/")
    if not base and current_app.config.get("PB_ENV") == "production":
        raise NotConfigured(_(MISSING_PUBLIC_URL))
    url = base + url_for(endpoint, **values) if base else url_for(endpoint, _external=True, **values)
    return url.split("://", 1)[-1]
