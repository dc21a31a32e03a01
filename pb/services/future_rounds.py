"""People who could not take part when they tried to register, and asked to be told about future rounds.

Nothing about them is kept unless they ask; then only a name and one way to reach them (an email
address or a phone number), for staff to see and delete. Audit rows name the contact's number only,
never the person, because audit rows are never deleted.
"""
from __future__ import annotations

from sqlalchemy import func, select

from pb.domain.errors import NotFound, ValidationFailed
from pb.domain.person import EMAIL_SHAPE, check_name, check_phone, collect
from pb.domain.words import N_, _
from pb.extensions import db
from pb.models import FutureRoundContact, User
from pb.services import audit
from pb.services.auth import normalise_email
from pb.services.transaction import transaction

BY_EMAIL, BY_PHONE = "email", "phone"
CHOOSE_HOW = N_("Choose how we should tell you: by email or by phone")
ENTER_EMAIL = N_("Enter your email address, like name@example.org")
ENTER_PHONE = N_("Enter your phone number, like 020 7946 0000")


def _email(email: str | None) -> str:
    email_n = normalise_email(email)
    if not email_n:
        raise ValidationFailed(_(ENTER_EMAIL), field="email")
    if len(email_n) > 254 or not EMAIL_SHAPE.match(email_n):
        raise ValidationFailed(_("Enter an email address in the right form, like name@example.org"), field="email")
    return email_n


def _phone(phone: str | None) -> str:
    phone_c = check_phone(phone)
    if not phone_c:
        raise ValidationFailed(_(ENTER_PHONE), field="phone")
    return phone_c


def ask_to_be_told(*, name: str | None, how: str | None, email: str | None = None,
                   phone: str | None = None) -> FutureRoundContact:
    """Keep a name and the one way of reaching them that they chose. Asking twice with the same
    email address or phone number keeps one row (with the newer name)."""
    errors: dict[str, str] = {}
    name_c = collect(errors, check_name, name)
    email_n = phone_c = None
    if how == BY_EMAIL:
        email_n = collect(errors, _email, email)
    elif how == BY_PHONE:
        phone_c = collect(errors, _phone, phone)
    else:
        errors["how"] = _(CHOOSE_HOW)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    with transaction():
        same = FutureRoundContact.email == email_n if email_n else FutureRoundContact.phone == phone_c
        contact = db.session.scalar(select(FutureRoundContact).where(same))
        if contact is None:
            contact = FutureRoundContact(name=name_c, email=email_n, phone=phone_c)
            db.session.add(contact)
            db.session.flush()
            audit.record(None, "future_rounds.asked", contact_id=contact.id)
        else:
            contact.name = name_c
    return contact


def contacts() -> list[FutureRoundContact]:
    """Everyone waiting to hear about a future round, oldest first."""
    return list(db.session.scalars(select(FutureRoundContact).order_by(FutureRoundContact.asked_at,
                                                                       FutureRoundContact.id)))


def contact_count() -> int:
    return db.session.scalar(select(func.count()).select_from(FutureRoundContact)) or 0


def delete_contact(actor: User, contact_id: int) -> None:
    """Staff delete someone's name and contact details (they were told, or asked to be forgotten)."""
    with transaction():
        contact = db.session.get(FutureRoundContact, contact_id)
        if contact is None:
            raise NotFound(_("That person is no longer on the list."))
        db.session.delete(contact)
        audit.record(actor, "future_rounds.deleted", contact_id=contact_id)
