"""Staff accounts: created by an administrator (or `flask pb create-staff`), switched off, never deleted."""
from __future__ import annotations

from sqlalchemy import select

from pb.domain.passwords import password_problem
from pb.extensions import db
from pb.models import EligibilityStatus, Role, User
from pb.services import audit
from pb.services.auth import find_by_email, normalise_email
from pb.domain.errors import NotAllowed, NotFound, ValidationFailed
from pb.domain.words import N_, _
from pb.services.passwords import hash_password
from pb.services.transaction import transaction


def create_staff(*, actor: User | None, email: str, name: str, password: str, admin: bool = False) -> User:

    if actor is not None and not actor.is_admin:
        raise NotAllowed(_("Only an administrator can add staff accounts."))
    email_n = normalise_email(email)
    errors: dict[str, str] = {}
    if not email_n or "@" not in email_n:
        errors["email"] = _("Enter an email address, like name@example.org")
    elif find_by_email(email_n):
        errors["email"] = _("There is already an account with this email address")
    if not (name or "").strip():
        errors["name"] = _("Enter the staff member's name")
    problem = password_problem(password or "")
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    with transaction():
        user = User(
            role=Role.ADMIN if admin else Role.STAFF,
            name=name.strip(),
            name_key=" ".join(name.lower().split()),
            email=email_n,
            password_hash=hash_password(password),
            eligibility_status=EligibilityStatus.REFUSED,
            # Kept in English, as every stored reason is; translated where it is shown.
            eligibility_reason=N_("Staff accounts do not vote."),
        )
        db.session.add(user)
        db.session.flush()
        audit.record(actor, "staff.created", email=email_n, role=user.role)
    return user


def list_staff() -> list[User]:
    """Every staff and administrator account, switched-on accounts first, then by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([Role.STAFF, Role.ADMIN]))
            .order_by(User.is_active_account.desc(), User.name_key, User.id)
        )
    )


def _staff_account(user_id: int) -> User:
    stmt = select(User).where(User.id == user_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    user = db.session.scalar(stmt)
    if user is None or not user.is_staff:
        raise NotFound(_("There is no staff account with that number."))
    return user


def _require_admin(actor: User) -> None:
    if actor is None or not actor.is_admin:
        raise NotAllowed(_("Only an administrator can change staff accounts."))


def deactivate_staff(*, actor: User, user_id: int) -> User:
    """Switch a staff account off and end its sessions (the session token is rotated).

    An administrator cannot switch off their own account, so there is always one left.
    """
    _require_admin(actor)
    if actor.id == user_id:
        raise NotAllowed(_("You cannot switch off your own account. Ask another administrator."))
    with transaction():
        user = _staff_account(user_id)
        if not user.is_active_account:
            return user  # already off: a second click changes nothing
        user.is_active_account = False
        user.rotate_session_token()
        audit.record(actor, "staff.deactivated", user_id=user.id, email=user.email)
    return user


def reactivate_staff(*, actor: User, user_id: int) -> User:
    """Switch a staff account back on; its owner signs in again with their password."""
    _require_admin(actor)
    with transaction():
        user = _staff_account(user_id)
        if user.is_active_account:
            return user
        user.is_active_account = True
        user.rotate_session_token()
        audit.record(actor, "staff.reactivated", user_id=user.id, email=user.email)
    return user
