"""Asking for a verification letter at registration: the address as it goes on the envelope, and the
request waiting in the letters queue (printing, posting and codes: pb.services.verification_letters)."""
from __future__ import annotations

from pb.domain.errors import ValidationFailed
from pb.domain.words import _
from pb.extensions import db
from pb.models import User, VerificationLetter


def check_address_line(text: str | None) -> str:
    """House or flat number and street, one line, as it goes on an envelope above the postcode."""
    line = " ".join((text or "").split())
    if not line:
        raise ValidationFailed(_("Enter your house or flat number and street, for example Flat 3, 12 Mare Street"),
                               field="address_line")
    if len(line) > 200:
        raise ValidationFailed(_("Keep the address to 200 characters or fewer"), field="address_line")
    return line


def request_letter(user: User, address_line: str) -> VerificationLetter:
    """Queue a letter for `user` at `address_line` (already checked), in the caller's transaction."""
    if user.id is None:
        db.session.flush()  # a resident registered in this same transaction has no id yet
    user.address_line = address_line
    letter = VerificationLetter(user_id=user.id)
    db.session.add(letter)
    return letter
