"""Configuration for pb.

`DATABASE_URL` selects the database. Without it pb uses an SQLite file in the
Flask instance folder, which is all a small CVS needs to run a round.
"""
from __future__ import annotations

import os
from datetime import timedelta


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Used when SECRET_KEY is not set: fine on a laptop, refused in production.
DEV_SECRET_KEY = "dev-only-secret-key-change-me"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # None means "an SQLite file in the instance folder"; create_app fills it in.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A pooled connection is replaced before use when the server has said goodbye on its socket
    # (a restart), and pinged once it has sat idle this long (a link that died silently); once one
    # is found dead the whole pool is replaced, and a request that lost its connection before
    # committing anything runs once more (pb/database.py).
    DB_PING_AFTER_IDLE_SECONDS = float(os.environ.get("PB_DB_PING_AFTER_IDLE_SECONDS", "10"))
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("PB_SQLITE_BUSY_TIMEOUT_MS", "30000"))
    # Where ballots are read and written (pb/services/ballot_store.py): "fast" (the driver's cursor,
    # pipelined on PostgreSQL) or "orm" (plain SQLAlchemy ORM, the reference implementation).
    PB_BALLOT_STORE = os.environ.get("PB_BALLOT_STORE", "fast")

    # Request bodies larger than this are refused with 413 (Flask's default is unlimited).
    MAX_CONTENT_LENGTH = 1 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1 * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # Staff sessions end after this long without a request.
    STAFF_IDLE_TIMEOUT = timedelta(minutes=float(os.environ.get("PB_STAFF_IDLE_MINUTES", "30")))

    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # Flask-Limiter: "memory://" is per process; use Redis when gunicorn runs several workers.
    RATELIMIT_STORAGE_URI = os.environ.get("PB_RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("PB_RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = False
    # If the shared storage (Redis) is unreachable, keep throttling in each worker's memory
    # rather than failing sign-in with an error page; it goes back to Redis when it returns.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Throttles (pb/residents/throttle.py); ";" separates several limits. Sign-in counts each
    # attempt before the password is checked and gives a right password its attempt back; a
    # browser that signed in to the account before counts on its own (PB_LIMIT_SIGN_IN_OWN_DEVICE),
    # so strangers' guesses cannot lock the owner out. Code entry counts failed attempts only;
    # registration counts every attempt per IP.
    PB_LIMIT_SIGN_IN_PER_IP = os.environ.get("PB_LIMIT_SIGN_IN_PER_IP", "20 per minute;100 per hour")
    PB_LIMIT_SIGN_IN_PER_ACCOUNT = os.environ.get("PB_LIMIT_SIGN_IN_PER_ACCOUNT", "5 per minute;20 per hour")
    PB_LIMIT_SIGN_IN_OWN_DEVICE = os.environ.get("PB_LIMIT_SIGN_IN_OWN_DEVICE", "5 per minute;20 per hour")
    PB_LIMIT_REGISTER_PER_IP = os.environ.get("PB_LIMIT_REGISTER_PER_IP", "10 per minute;30 per hour")
    PB_LIMIT_REGISTER_PER_ACCOUNT = os.environ.get("PB_LIMIT_REGISTER_PER_ACCOUNT", "5 per minute;20 per hour")
    PB_LIMIT_CODE_PER_IP = os.environ.get("PB_LIMIT_CODE_PER_IP", "10 per minute;50 per hour")
    PB_LIMIT_LETTER_CODE_PER_IP = os.environ.get("PB_LIMIT_LETTER_CODE_PER_IP", "10 per minute;50 per hour")
    PB_LIMIT_LETTER_CODE_PER_ACCOUNT = os.environ.get("PB_LIMIT_LETTER_CODE_PER_ACCOUNT", "5 per 15 minutes")

    # Shown to residents as who to contact for help.
    PB_ORGANISATION = os.environ.get("PB_ORGANISATION", "Connect Hackney")
    PB_CONTACT = os.environ.get(
        "PB_CONTACT", "Call the Connect Hackney team on 020 7923 1962 (Monday to Friday, 10am to 4pm)"
    )
    PB_TIMEZONE = "Europe/London"
    # The site's public address (e.g. https://vote.example.org.uk), printed on voting-code and
    # verification letters. Empty: taken from the request in development and testing, which behind a
    # proxy may not be the address residents use; in production letters are refused until it is set.
    PB_PUBLIC_URL = os.environ.get("PB_PUBLIC_URL", "")
    # The organisation's logo (an address such as https://example.org/logo.png, or /static/...), shown in
    # the header of every page and on printouts; empty: the organisation's name in text.
    PB_LOGO_URL = os.environ.get("PB_LOGO_URL", "")
    # The organisation's postal address, printed small above the resident's address on letters as the
    # return address, and given as the place to write to for a paper ballot; optional.
    PB_POSTAL_ADDRESS = os.environ.get("PB_POSTAL_ADDRESS", "")
    # How many reverse proxies (e.g. nginx) stand in front of pb. Their X-Forwarded-For
    # header then gives the visitor's real address, so per-IP throttling works.
    PB_TRUSTED_PROXIES = int(os.environ.get("PB_TRUSTED_PROXIES", "0"))
    ALLOW_DEMO = True
    DEBUG = False
    TESTING = False


class DevelopmentConfig(Config):
    DEBUG = _bool("FLASK_DEBUG", False)
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_ENABLED = False
    WTF_CSRF_ENABLED = False
    # Scrypt with production cost makes a suite of many sign-ins slow; tests use a cheap setting.
    PB_PASSWORD_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    ALLOW_DEMO = False
    DEBUG = False

    @classmethod
    def check(cls, app_config: dict) -> None:
        """Refuse to start without a real secret key."""
        key = app_config.get("SECRET_KEY") or ""
        if key in {"", DEV_SECRET_KEY, "change-me"} or len(key) < 24:
            raise RuntimeError(
                "SECRET_KEY must be set to a long random value in production "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
