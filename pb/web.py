"""Wiring of the Flask application: configuration, extensions, hooks, errors, templates."""
from __future__ import annotations

import importlib
import os
import sqlite3
import sys
import time
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup, escape
from werkzeug.routing import IntegerConverter
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, OperationalError

from pb.domain.money import format_pence
from pb.domain.words import ordinal
from pb.extensions import csrf, db, limiter, login_manager, migrate

LONDON = ZoneInfo("Europe/London")


class DatabaseUnavailable(SystemExit):
    """Start-up stops with one line naming DATABASE_URL instead of a traceback."""


def configure(app: Flask, test_config: dict | None) -> None:
    import config as config_module

    env = (test_config or {}).get("PB_ENV") or os.environ.get("PB_ENV", "development")
    if env not in config_module.CONFIGS:
        raise SystemExit(f"PB_ENV must be one of {', '.join(config_module.CONFIGS)}, not {env!r}.")
    config_class = config_module.CONFIGS[env]
    app.config.from_object(config_class)
    app.config["PB_ENV"] = env
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "pb.sqlite")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):  # the form some hosts give; SQLAlchemy wants postgresql://
        uri = "postgresql+psycopg://" + uri[len("postgres://") :]
    elif uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://") :]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {})
        options["connect_args"] = {**options["connect_args"], "timeout": app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if hasattr(config_class, "check"):
        config_class.check(app.config)


# SQLite, on every connection: WAL so readers do not block the writer, a busy timeout,
# foreign keys on, and write transactions that begin IMMEDIATE. Without IMMEDIATE a
# transaction that has read and then writes fails with "database is locked" at once,
# ignoring the busy timeout (the SQLAlchemy pysqlite "serializable isolation" recipe).
@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None  # pysqlite must not issue its own BEGIN
    cursor = dbapi_connection.cursor()
    timeout_ms = int(os.environ.get("PB_SQLITE_BUSY_TIMEOUT_MS", "30000"))
    cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        # Services write inside transaction(), which asks for IMMEDIATE; page reads take no write lock.
        from pb.services.transaction import wants_write_lock

        statement = "BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN"
        # Straight to the driver (this starts every transaction, each ballot's included), with
        # its errors raised as SQLAlchemy's, as exec_driver_sql would, for the busy handling.
        try:
            conn.connection.driver_connection.execute(statement)
        except sqlite3.Error as exc:
            raise OperationalError(statement, None, exc) from exc


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per secret key.

    Flask builds a new one to read the cookie and another to write it, on every request;
    it holds no per-request state, so one per key (and fallback keys) serves every request.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer


def init_extensions(app: Flask) -> None:
    app.session_interface = SignedCookieSessions()
    proxies = int(app.config.get("PB_TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)

    from pb.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        # The session carries "id:token"; a token rotated at sign-out no longer matches.
        login = User.parse_login_id(user_id)
        if login is None:
            return None
        user = db.session.get(User, login[0])
        if user is None or not user.has_session_token(login[1]) or not user.is_active:
            return None
        return user

    with app.app_context():
        if db.engine.dialect.name != "sqlite":  # a file has no server to drop the connection
            ping_when_idle(db.engine, app.config["DB_PING_AFTER_IDLE_SECONDS"])

    if not app.config.get("PB_SKIP_DB_CHECK"):
        _check_database(app)


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before it is used, if it has sat in the pool for `idle_seconds` or more.

    SQLAlchemy's pool_pre_ping pings at every checkout: a round trip to the server on
    every request, a ballot's included, to learn nothing about a connection that was in
    use a moment ago. A connection that went stale (the server restarted, a firewall
    dropped it) has been idle; it fails the ping and the pool replaces it, as with
    pool_pre_ping. A link that drops mid-request fails that request, as it would anyway.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection, record):
        record.info["pb_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy):
        since = record.info.get("pb_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"stale pooled connection: {exc}") from exc
        if not alive:
            raise DisconnectionError("stale pooled connection")


def _check_database(app: Flask) -> None:
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else "unknown error"
            url = db.engine.url.render_as_string(hide_password=True)
            print(
                f"pb: cannot reach the database at DATABASE_URL={url} ({reason}). "
                "Check DATABASE_URL and that the database server is running.",
                file=sys.stderr,
            )
            raise DatabaseUnavailable(1) from None


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` in URLs, capped at the largest id the databases store.

    A larger number is simply not found (404), instead of reaching the database and
    failing there (OverflowError on SQLite, "integer out of range" on PostgreSQL).
    """

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_blueprints(app: Flask, modules: tuple[str, ...]) -> None:
    app.url_map.converters["int"] = DatabaseIntConverter
    for name in modules:
        app.register_blueprint(importlib.import_module(name).bp)


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
STAFF_PREFIX = "/staff"
# Where Flask-Login keeps the signed-in account's User.get_id() in the session.
LOGIN_SESSION_KEY = "_user_id"


# Views that Flask-Limiter's request hooks skip altogether. The ballot is the busiest
# POST (a community centre's residents share one address, and each votes only once).
UNTHROTTLED_ENDPOINTS = frozenset({"voting.cast"})


def skip_limiter_hooks(app: Flask, endpoints: frozenset[str]) -> int:
    """Let Flask-Limiter's before, after and teardown hooks pass over `endpoints`; return how many were wrapped.

    Flask-Limiter runs its hooks on every request, and resolves there that an exempt view
    has no limits; pb's limits sit on a few form posts, so on the ballot that work is
    skipped before it starts. Limits everywhere else are untouched.
    """
    from functools import partial, wraps

    def limiters(hook) -> bool:
        owner = hook.args[0] if isinstance(hook, partial) and hook.args else getattr(hook, "__self__", None)
        return owner is limiter

    def wrap(hook, passes_through):
        @wraps(hook)
        def unless_unthrottled(*args):
            if request.endpoint in endpoints:
                return passes_through(*args)
            return hook(*args)

        return unless_unthrottled

    wrapped = 0
    for hooks, passes_through in ((app.before_request_funcs, lambda: None),
                                  (app.after_request_funcs, lambda response: response),
                                  (app.teardown_request_funcs, lambda exc=None: None)):
        for name, funcs in hooks.items():
            ours = [limiters(f) for f in funcs]
            hooks[name] = [wrap(f, passes_through) if mine else f for f, mine in zip(funcs, ours)]
            wrapped += sum(ours)
    return wrapped


def install_request_hooks(app: Flask) -> None:
    skip_limiter_hooks(app, UNTHROTTLED_ENDPOINTS)

    @app.before_request
    def deny_by_default():
        """Every /staff URL needs a signed-in member of staff; nothing can opt out."""
        if not request.path.startswith(STAFF_PREFIX):
            return None
        if not current_user.is_authenticated:
            flash("Please sign in as a member of staff to see that page.", "info")
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        if not current_user.is_staff:
            from flask import abort

            abort(403)
        # Staff sessions end after a spell of inactivity (a shared computer at an event).
        now = datetime.now(timezone.utc).timestamp()
        last = session.get("staff_seen")
        idle = app.config["STAFF_IDLE_TIMEOUT"].total_seconds()
        if last is not None and now - float(last) > idle:
            from pb.services import auth as auth_service

            auth_service.sign_out(current_user._get_current_object())
            logout_user()
            session.clear()
            flash("You were signed out after a period of inactivity. Please sign in again.", "info")
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        session["staff_seen"] = now
        return None

    defaults = list(SECURITY_HEADERS)
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


ERROR_PAGES = {
    400: ("Something was wrong with that request", "Please go back and try again."),
    403: ("You cannot see this page", "Your account does not have access to this page. If you think it should, contact the team."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you followed a link, it may be out of date."),
    405: ("That did not work", "This page cannot be used in that way. Please go back and try again."),
    409: ("That could not be done", "Please go back, refresh the page and try again."),
    413: ("That was too much to send", "What you sent was too large. Please shorten it and try again."),
    429: ("Too many attempts", "You have tried too many times. Please wait a few minutes before trying again."),
    500: ("Sorry, something went wrong", "The problem has been noted. Please try again later."),
    503: ("The system is busy", "Please wait a moment and try again. Nothing you sent has been saved."),
}


def render_error(code: int, title: str | None = None, message: str | None = None):
    default_title, default_message = ERROR_PAGES.get(code, ERROR_PAGES[500])
    g.no_store = True
    body = render_template("errors/error.html", code=code, title=title or default_title, message=message or default_message)
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
            "This form has expired",
            "For your security, forms expire after a while or when you sign in or out. "
            "Please go back, refresh the page and fill in the form again.",
        )

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return render_error(500)

    from pb.services.errors import DatabaseBusy, DomainError

    @app.errorhandler(DatabaseBusy)
    def busy(exc):
        body, code = render_error(503)
        return body, 503, {"Retry-After": "2"}

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        # Views normally turn domain errors into messages; this is the plain-page fallback.
        return render_error(exc.status_code, "That could not be done", exc.message)

    @app.errorhandler(OperationalError)
    def operational(exc):
        from pb.services.transaction import is_busy_error

        db.session.rollback()
        if is_busy_error(exc):
            body, _ = render_error(503)
            return body, 503, {"Retry-After": "2"}
        app.logger.exception("database error")
        return render_error(500)


def to_london(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LONDON)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_london(value)
    return f"{value.day} {value:%B %Y}"


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


def install_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_pence
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.filters["ordinal"] = ordinal
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_site():
        return {
            "site_name": "pb",
            "organisation": app.config["PB_ORGANISATION"],
            "contact": app.config["PB_CONTACT"],
        }
