"""Wiring of the Flask application: configuration, extensions, blueprints and request hooks."""
from __future__ import annotations

import importlib
import os
from datetime import datetime, timezone
from functools import partial, wraps

from flask import Flask, abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

import config as config_module
from pb import request_checks
from pb.database import configure_database, retry_after_lost_connection
from pb.extensions import csrf, db, limiter, login_manager, migrate
from pb.models import User
from pb.services import auth as auth_service
from pb.services.ballot_store import STORES as BALLOT_STORES


def configure(app: Flask, test_config: dict | None) -> None:
    env = (test_config or {}).get("PB_ENV") or os.environ.get("PB_ENV", "development")
    if env not in config_module.CONFIGS:
        raise SystemExit(f"PB_ENV must be one of {', '.join(config_module.CONFIGS)}, not {env!r}.")
    config_class = config_module.CONFIGS[env]
    app.config.from_object(config_class)
    app.config["PB_ENV"] = env
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    configure_database(app)
    if app.config.get("PB_BALLOT_STORE") not in BALLOT_STORES:
        raise SystemExit(f"PB_BALLOT_STORE must be one of {', '.join(BALLOT_STORES)}, not {app.config.get('PB_BALLOT_STORE')!r}.")
    if hasattr(config_class, "check"):
        config_class.check(app.config)


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
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to see that page.")
    # Made a plain string in the page's language when it is flashed (a lazy one cannot go into the session).
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)

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


STAFF_PREFIX = "/staff"
# When a staff session last made a request (UTC seconds), kept in the signed session cookie.
STAFF_CLOCK = "staff_seen"

# Views that Flask-Limiter's request hooks skip altogether. The ballot is the busiest
# POST (a community centre's residents share one address, and each votes only once).
UNTHROTTLED_ENDPOINTS = frozenset({"voting.cast"})
SKIP_STAFF_CLOCK = UNTHROTTLED_ENDPOINTS | {"static"}


def skip_limiter_hooks(app: Flask, endpoints: frozenset[str]) -> int:
    """Let Flask-Limiter's before, after and teardown hooks pass over `endpoints`; return how many were wrapped.

    Flask-Limiter runs its hooks on every request, and resolves there that an exempt view
    has no limits; pb's limits sit on a few form posts, so on the ballot that work is
    skipped before it starts. Limits everywhere else are untouched.
    """

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
    # A request that met a dead database connection before committing anything runs once more.
    retry_after_lost_connection(app)
    # Control characters in a query parameter or form field: a 400, ahead of every other hook.
    request_checks.install(app)

    @app.before_request
    def staff_sessions_end_when_idle():
        """A staff session ends after STAFF_IDLE_TIMEOUT without a request to any page (a shared computer
        at an event). The clock starts at sign-in (pb.auth.views) and a session without one has expired."""
        # The ballot is left alone: staff cannot vote, and the cast path never loads the signed-in account.
        if request.endpoint in SKIP_STAFF_CLOCK or not current_user.is_authenticated or not current_user.is_staff:
            return None
        now = datetime.now(timezone.utc).timestamp()
        last = session.get(STAFF_CLOCK)
        idle = app.config["STAFF_IDLE_TIMEOUT"].total_seconds()
        if not isinstance(last, (int, float)) or now - float(last) > idle:
            auth_service.sign_out(current_user._get_current_object())
            logout_user()
            session.clear()
            flash(_("You were signed out after a period of inactivity. Please sign in again."), "info")
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("auth.sign_in", next=target))
        session[STAFF_CLOCK] = now
        return None

    @app.before_request
    def deny_by_default():
        """Every /staff URL needs a signed-in member of staff; nothing can opt out."""
        if not request.path.startswith(STAFF_PREFIX):
            return None
        if not current_user.is_authenticated:
            flash(_("Please sign in as a member of staff to see that page."), "info")
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        if not current_user.is_staff:
            abort(403)
        return None
