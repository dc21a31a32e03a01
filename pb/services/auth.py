"""Signing in and out. A sign-out rotates the session token, so copied cookies stop working."""
from __future__ import annotations

from sqlalchemy import func, select

from pb.extensions import db
from pb.models import User
from pb.domain.errors import DomainError
from pb.domain.words import _
from pb.services.passwords import hash_password, verify_password
from pb.services.transaction import transaction
from pb.services.verification import clear_old_network_keys

# A hash checked when no account matches, so a wrong email takes as long as a wrong password.
_DUMMY_HASH: dict[str, str] = {}


class SignInFailed(DomainError):
    status_code = 401


def normalise_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def find_by_email(email: str | None) -> User | None:
    email = normalise_email(email)
    if not email:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def authenticate(email: str, password: str) -> User:
    """Check an email and password and start a fresh session token for the account."""
    user = find_by_email(email)
    if user is None or not user.password_hash:
        if "h" not in _DUMMY_HASH:
            _DUMMY_HASH["h"] = hash_password("not-a-real-password")
        verify_password(_DUMMY_HASH["h"], password or "")
        raise SignInFailed(_("The email address or password is not right. Check them and try again."))
    if not verify_password(user.password_hash, password or ""):
        raise SignInFailed(_("The email address or password is not right. Check them and try again."))
    if not user.is_active:
        raise SignInFailed(_("This account has been switched off. Contact the team if you need it back."))
    with transaction():
        user.rotate_session_token()
        if user.is_staff:
            # Staff sign in most days: network hashes past their 90 days go even without the daily job.
            clear_old_network_keys()
    return user


def sign_out(user: User) -> None:
    """End every session of this account that carries the current token."""
    with transaction():
        user.rotate_session_token()
