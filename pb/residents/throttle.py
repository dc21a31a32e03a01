"""Throttling of sign-in, registration and voting-code entry.

Limits are read from the app's config on each request, so tests can set small ones:
PB_LIMIT_SIGN_IN_PER_IP, PB_LIMIT_SIGN_IN_PER_ACCOUNT, PB_LIMIT_SIGN_IN_OWN_DEVICE,
PB_LIMIT_REGISTER_PER_IP, PB_LIMIT_REGISTER_PER_ACCOUNT, PB_LIMIT_REGISTER_STEPS_PER_IP, PB_LIMIT_CODE_PER_IP,
PB_LIMIT_LETTER_CODE_PER_IP and PB_LIMIT_LETTER_CODE_PER_ACCOUNT. The counters live in
Flask-Limiter's storage, RATELIMIT_STORAGE_URI (Redis when several workers run, so they
share them).

Sign-in (count_sign_in_attempt, called by the view) counts every attempt before its
password is checked, atomically in that storage, so of a burst of simultaneous guesses
only as many are checked as the limit allows; the right password gives its attempt back,
so a resident is never slowed down by their own sign-ins. A browser that has signed in
to an account before carries a signed "own device" cookie for it (remember_device); its
attempts count against a bucket of their own, so strangers guessing at an account cannot
keep its owner out on the phone or computer they use. Staff can clear an account's
counts (lift_sign_in_pause).

Registration and code entry use Flask-Limiter's decorators. A code that works costs
nothing; registrations count per IP whether or not they succeed, so one machine cannot
create accounts in bulk. Registration is a few short pages: the one that creates the account
(and the one that keeps a name for future rounds) has the registration limits; the pages
before it have a looser limit per IP of their own, so they cannot be hammered either.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

from flask import current_app, request, session, url_for
from flask_login import current_user
from flask_limiter.util import get_remote_address
from itsdangerous import BadData, URLSafeTimedSerializer
from limits import RateLimitItem, parse_many
from limits.strategies import FixedWindowRateLimiter

from pb.extensions import limiter
from pb.services import audit
from pb.services.transaction import transaction
from pb.services import auth as auth_service

DEFAULT_LIMITS = {
    "PB_LIMIT_SIGN_IN_PER_IP": "20 per minute;100 per hour",
    "PB_LIMIT_SIGN_IN_PER_ACCOUNT": "5 per minute;20 per hour",
    # Attempts from a browser that signed in to the account before: a bucket of their own, as small,
    # so a copied cookie is no licence to guess.
    "PB_LIMIT_SIGN_IN_OWN_DEVICE": "5 per minute;20 per hour",
    "PB_LIMIT_REGISTER_PER_IP": "10 per minute;30 per hour",
    "PB_LIMIT_REGISTER_PER_ACCOUNT": "5 per minute;20 per hour",
    # Each registration is 3 short pages before the one that creates the account.
    "PB_LIMIT_REGISTER_STEPS_PER_IP": "40 per minute;300 per hour",
    "PB_LIMIT_CODE_PER_IP": "10 per minute;50 per hour",
    "PB_LIMIT_LETTER_CODE_PER_IP": "10 per minute;50 per hour",
    "PB_LIMIT_LETTER_CODE_PER_ACCOUNT": "5 per 15 minutes",
}


def configured(name: str):
    def value() -> str:
        return current_app.config.get(name) or DEFAULT_LIMITS[name]

    return value


def ip_key() -> str:
    return "ip:" + (get_remote_address() or "unknown")


def account_key(email: str | None) -> str:
    """The account being signed in to: the email address as typed, normalised."""
    email = " ".join((email or "").split()).lower()
    return "account:" + (email or "-")


# Where the registration pages keep the answers so far, in the session (pb.residents.register_views).
REGISTRATION_ANSWERS = "register_answers"


def registration_identity_key() -> str:
    """The account being registered: its email address, or else the name, as typed on this page
    or answered on an earlier registration page."""
    answers = session.get(REGISTRATION_ANSWERS) or {}
    email = (request.form.get("email") or answers.get("email") or "").strip().lower()
    if email:
        return "account:" + email
    name = " ".join((request.form.get("name") or answers.get("name") or "").split()).lower()
    return "person:" + (name or "-")


def failed(response) -> bool:
    """A form that worked answers with a redirect; anything else was a failed attempt."""
    return response.status_code not in (301, 302, 303)


# ---------------------------------------------------------------- sign-in: counted before the password is checked

SIGN_IN = "pb-sign-in"  # first part of every sign-in counter's key
Bucket = tuple[RateLimitItem, tuple[str, ...]]


@lru_cache(maxsize=64)
def _parsed(limits: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits))


def _buckets(setting: str, scope: str, key: str) -> list[Bucket]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    ids = (prefix, SIGN_IN, scope, key) if prefix else (SIGN_IN, scope, key)
    return [(item, ids) for item in _parsed(configured(setting)())]


def _throttling() -> bool:
    return bool(limiter.enabled and limiter.initialized)


def _with_storage(use):
    """Run `use(counter)` on Flask-Limiter's storage, or on its in-memory fallback if that storage
    (Redis) cannot be reached, as Flask-Limiter itself does for its decorators."""
    try:
        return use(FixedWindowRateLimiter(limiter.limiter.storage))
    except Exception:
        if not limiter._in_memory_fallback_enabled or limiter._storage_dead:
            raise
        current_app.logger.warning("Rate limit storage unreachable - falling back to in-memory storage")
        limiter._storage_dead = True  # Flask-Limiter checks now and then whether it is back
        return use(FixedWindowRateLimiter(limiter.limiter.storage))


@dataclass
class SignInAttempt:
    """One attempt to sign in, counted before its password is checked."""

    taken: list[tuple[FixedWindowRateLimiter, RateLimitItem, tuple[str, ...]]] = field(default_factory=list)
    # When refused: when the limit that refused it has room again (seconds since the epoch).
    retry_at: float | None = None

    @property
    def refused(self) -> bool:
        return self.retry_at is not None

    @property
    def retry_after_seconds(self) -> int:
        return max(1, int((self.retry_at or 0) - time.time() + 0.999))

    @property
    def retry_at_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.retry_at or time.time(), timezone.utc)

    def succeeded(self) -> None:
        """The right password gives its attempt back: residents are never slowed down by their own sign-ins."""
        _give_back(self.taken)
        self.taken = []


def _give_back(taken) -> None:
    for counter, item, ids in taken:
        key = item.key_for(*ids)
        try:
            if counter.storage.incr(key, item.get_expiry(), amount=-1) < 0:
                counter.storage.clear(key)  # its window ended meanwhile: leave no credit behind
        except Exception:  # noqa: BLE001 - an attempt not given back only makes the limit a little stricter
            current_app.logger.warning("Could not give back a sign-in attempt to the rate limit storage")


def _take(buckets: list[Bucket]) -> SignInAttempt:
    """Count one attempt in every bucket, in order; if one is full, give back what was taken and refuse.

    Each count is one atomic increment in the storage, so of any number of simultaneous attempts
    no more than a bucket's limit find room in it. A refused attempt is given back, so hammering
    on a full bucket does not keep it full for longer."""

    def use(counter: FixedWindowRateLimiter) -> SignInAttempt:
        taken = []
        for item, ids in buckets:
            room = counter.hit(item, *ids)
            taken.append((counter, item, ids))
            if not room:
                retry_at = counter.get_window_stats(item, *ids).reset_time
                _give_back(taken)
                return SignInAttempt(retry_at=max(retry_at, time.time() + 1))
        return SignInAttempt(taken=taken)

    return _with_storage(use)


def count_sign_in_attempt(email: str) -> SignInAttempt:
    """Count an attempt to sign in to `email`, before its password is checked.

    From a browser that signed in to this account before (its own device), the attempt counts
    against that account's own-device bucket only; otherwise against the address's bucket and the
    account's, which strangers share."""
    if not _throttling():
        return SignInAttempt()
    owner = own_device_account(email)
    if owner is not None:
        return _take(_buckets("PB_LIMIT_SIGN_IN_OWN_DEVICE", "own-device", f"user:{owner.id}"))
    return _take(_buckets("PB_LIMIT_SIGN_IN_PER_IP", "ip", ip_key())
                 + _buckets("PB_LIMIT_SIGN_IN_PER_ACCOUNT", "account", account_key(email)))


def _account_buckets(user) -> list[Bucket]:
    buckets = _buckets("PB_LIMIT_SIGN_IN_OWN_DEVICE", "own-device", f"user:{user.id}")
    if user.email:
        buckets += _buckets("PB_LIMIT_SIGN_IN_PER_ACCOUNT", "account", account_key(user.email))
    return buckets


def sign_in_paused_until(user) -> datetime | None:
    """When signing in to this account has room again, if some bucket of it is full now (else None).
    With memory:// storage this is what this worker knows."""
    if not _throttling():
        return None

    def use(counter: FixedWindowRateLimiter) -> float | None:
        full = [counter.get_window_stats(item, *ids).reset_time for item, ids in _account_buckets(user)
                if not counter.test(item, *ids)]
        return max(full) if full else None

    try:
        until = _with_storage(use)
    except Exception:  # noqa: BLE001 - a page for staff should not fail because the counters cannot be read
        current_app.logger.warning("Could not read the sign-in counters")
        return None
    return datetime.fromtimestamp(until, timezone.utc) if until else None


def clear_sign_in_counts(user) -> None:
    """Forget every attempt to sign in to this account: anyone may try again at once (from any address
    not itself throttled). With memory:// storage only this worker forgets."""
    if not _throttling():
        return

    def use(counter: FixedWindowRateLimiter) -> None:
        for item, ids in _account_buckets(user):
            counter.clear(item, *ids)

    _with_storage(use)


def lift_sign_in_pause(actor, user) -> None:
    """Staff let a resident try signing in again now, recorded in the audit log."""
    with transaction():
        audit.record(actor, "resident.sign_in_unpaused", resident_id=user.id)
        clear_sign_in_counts(user)


# ---------------------------------------------------------------- sign-in: the browsers an account has signed in on

DEVICE_COOKIE = "pb_device"
DEVICE_COOKIE_DAYS = 365
DEVICE_ACCOUNTS = 5  # accounts one browser remembers (a family's shared computer)
_DEVICE_SALT = "pb-own-device"


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_DEVICE_SALT)


def _device_mark(user) -> str:
    """Names the account as it is now: it changes with the password, so a new password ends every device's claim."""
    secret = current_app.secret_key
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    message = f"{_DEVICE_SALT}:{user.id}:{user.password_hash or ''}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def _device_entries() -> list[tuple[int, str]]:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        value = _device_serializer().loads(raw, max_age=DEVICE_COOKIE_DAYS * 24 * 3600)
    except BadData:
        return []
    if not isinstance(value, list):
        return []
    entries = []
    for entry in value[:DEVICE_ACCOUNTS]:
        if (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int)
                and not isinstance(entry[0], bool) and isinstance(entry[1], str)):
            entries.append((entry[0], entry[1]))
    return entries


def own_device_account(email: str):
    """The account for `email` if this browser signed in to it before, with its current password; else None."""
    entries = _device_entries()
    if not entries:
        return None
    user = auth_service.find_by_email(email)
    if user is None or not user.password_hash:
        return None
    mark = _device_mark(user)
    if any(user_id == user.id and hmac.compare_digest(their_mark, mark) for user_id, their_mark in entries):
        return user
    return None


def remember_device(response, user) -> None:
    """After a successful sign-in: this browser is one of the account's own devices from now on."""
    if not _throttling():
        return  # the cookie only decides which sign-in bucket counts an attempt
    entries = [[user.id, _device_mark(user)]]
    entries += [[user_id, mark] for user_id, mark in _device_entries() if user_id != user.id]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(entries[:DEVICE_ACCOUNTS]),
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        path=url_for("auth.sign_in"),
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE", True)),
        httponly=True,
        samesite="Lax",
    )


# ---------------------------------------------------------------- registration and codes (Flask-Limiter)


def registration_limits(view):
    view = limiter.limit(configured("PB_LIMIT_REGISTER_PER_IP"), key_func=ip_key, methods=["POST"], scope="register-ip")(view)
    view = limiter.limit(
        configured("PB_LIMIT_REGISTER_PER_ACCOUNT"),
        key_func=registration_identity_key,
        methods=["POST"],
        deduct_when=failed,
        scope="register-account",
    )(view)
    return view


def registration_step_limits(view):
    """The registration pages before the one that creates the account: every POST counts, per IP."""
    return limiter.limit(configured("PB_LIMIT_REGISTER_STEPS_PER_IP"), key_func=ip_key, methods=["POST"],
                         scope="register-steps-ip")(view)


def code_limits(view):
    return limiter.limit(configured("PB_LIMIT_CODE_PER_IP"), key_func=ip_key, methods=["POST"], deduct_when=failed, scope="code-ip")(view)


def signed_in_account_key() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "signed-out-" + ip_key()


def letter_code_limits(view):
    """Letter codes: failed attempts per IP (a code that works costs nothing, so residents sharing a
    community centre's address are not slowed), and every attempt per account from any address,
    counted before it is judged, so a burst of guesses cannot slip past (the right code ends the
    need for more)."""
    view = limiter.limit(configured("PB_LIMIT_LETTER_CODE_PER_IP"), key_func=ip_key, methods=["POST"],
                         deduct_when=failed, scope="letter-code-ip")(view)
    view = limiter.limit(configured("PB_LIMIT_LETTER_CODE_PER_ACCOUNT"), key_func=signed_in_account_key,
                         methods=["POST"], scope="letter-code-account")(view)
    return view
