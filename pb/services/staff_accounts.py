"""Staff accounts: created by an administrator (or `flask pb create-staff`), switched off, never deleted."""
from __future__ import annotations

from pb.extensions import db
from pb.models import EligibilityStatus, Role, User
from pb.services import audit
from pb.services.auth import find_by_email, normalise_email
from pb.services.errors import ValidationFailed
from pb.services.passwords import hash_password
from pb.services.transaction import transaction


def create_staff(*, actor: User | None, email: str, name: str, password: str, admin: bool = False) -> User:
    from pb.domain.passwords import password_problem

    email_n = normalise_email(email)
    errors: dict[str, str] = {}
    if not email_n or "@" not in email_n:
        errors["email"] = "Enter an email address, like name@example.org"
    elif find_by_email(email_n):
        errors["email"] = "There is already an account with this email address"
    if not (name or "").strip():
        errors["name"] = "Enter the staff member's name"
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
            eligibility_reason="Staff accounts do not vote.",
        )
        db.session.add(user)
        db.session.flush()
        audit.record(actor, "staff.created", email=email_n, role=user.role)
    return user
