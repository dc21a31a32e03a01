"""Throttling of sign-in, registration and voting-code entry (Flask-Limiter).

Limits are read from the app's config on each request, so tests can set small ones:
PB_LIMIT_SIGN_IN_PER_IP, PB_LIMIT_SIGN_IN_PER_ACCOUNT, PB_LIMIT_REGISTER_PER_IP,
PB_LIMIT_REGISTER_PER_ACCOUNT, PB_LIMIT_CODE_PER_IP, PB_LIMIT_LETTER_CODE_PER_IP and
PB_LIMIT_LETTER_CODE_PER_ACCOUNT. The counters live in
RATELIMIT_STORAGE_URI (Redis when several workers run, so they share them).

Only failed attempts count where that is enough: a resident who types the right
password first time is never slowed down by their own sign-ins, and a code that works
costs nothing. Registrations count per IP whether or not they succeed, so one machine
cannot create accounts in bulk.
"""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from flask_limiter.util import get_remote_address

from pb.extensions import limiter

DEFAULT_LIMITS = {
    "PB_LIMIT_SIGN_IN_PER_IP": "20 per minute;100 per hour",
    "PB_LIMIT_SIGN_IN_PER_ACCOUNT": "5 per minute;20 per hour",
    "PB_LIMIT_REGISTER_PER_IP": "10 per minute;30 per hour",
    "PB_LIMIT_REGISTER_PER_ACCOUNT": "5 per minute;20 per hour",
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


def submitted_email_key() -> str:
    """The account being signed in to: the email address as typed, normalised."""
    email = " ".join((request.form.get("email") or "").split()).lower()
    return "account:" + (email or "-")


def registration_identity_key() -> str:
    """The account being registered: its email address, or else the name typed."""
    email = (request.form.get("email") or "").strip().lower()
    if email:
        return "account:" + email
    name = " ".join((request.form.get("name") or "").split()).lower()
    return "person:" + (name or "-")


def failed(response) -> bool:
    """A form that worked answers with a redirect; anything else was a failed attempt."""
    return response.status_code not in (301, 302, 303)


def sign_in_limits(view):
    view = limiter.limit(configured("PB_LIMIT_SIGN_IN_PER_IP"), key_func=ip_key, methods=["POST"], deduct_when=failed, scope="sign-in-ip")(view)
    view = limiter.limit(
        configured("PB_LIMIT_SIGN_IN_PER_ACCOUNT"), key_func=submitted_email_key, methods=["POST"], deduct_when=failed, scope="sign-in-account"
    )(view)
    return view


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
