"""People who use pb: residents, CVS staff and administrators."""
from __future__ import annotations

import hmac
import secrets
from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pb.domain.verification import resident_way_label
from pb.extensions import db
from pb.models._types import UTCDateTime, utcnow


class Role(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"
    ADMIN = "admin"


class EligibilityStatus(StrEnum):
    ELIGIBLE = "eligible"
    PENDING = "pending"
    REFUSED = "refused"


class Verification(StrEnum):
    """How pb knows a resident is a real person living where they say (DESIGN.md, "Who may vote")."""

    SELF_DECLARED = "self-declared"  # nothing checked yet
    STAFF = "staff"  # staff saw proof in person, or checked by a phone call they recorded
    LIST = "list"  # matched an entry of a resident list staff uploaded
    LETTER = "letter"  # entered the code from a letter posted to their address

    @property
    def label(self) -> str:
        return resident_way_label(self.value)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # The same person (name, date of birth, postcode) cannot register twice.
        UniqueConstraint("name_key", "date_of_birth", "postcode", name="uq_users_identity"),
        CheckConstraint("role IN ('resident', 'staff', 'admin')", name="role"),
        CheckConstraint("eligibility_status IN ('eligible', 'pending', 'refused')", name="eligibility_status"),
        CheckConstraint("verification IN ('self-declared', 'staff', 'list', 'letter')", name="verification"),
        Index("ix_users_name_key", "name_key"),
        Index("ix_users_postcode", "postcode"),
        Index("ix_users_verification", "verification"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.RESIDENT)
    name: Mapped[str] = mapped_column(String(120))
    # Lower-cased name with single spaces, used to spot duplicate registrations.
    name_key: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    # The language the resident reads pb in (pb.i18n): their pages, letters and printouts.
    language: Mapped[str | None] = mapped_column(String(8))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    # Normalised form: upper case, one space before the inward code ("E8 1AB").
    postcode: Mapped[str | None] = mapped_column(String(10))
    eligibility_status: Mapped[str] = mapped_column(String(16), default=EligibilityStatus.PENDING)
    eligibility_reason: Mapped[str | None] = mapped_column(Text)
    # Rotated at every sign-in and sign-out; a session cookie carrying an old token is dead.
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(32))
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deletion_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Verification: how pb knows this is a real resident, who or what said so, and when.
    verification: Mapped[str] = mapped_column(String(16), default=Verification.SELF_DECLARED,
                                              server_default=Verification.SELF_DECLARED.value)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What was checked, in words: "Saw a council tax bill at the drop-in", the list's name.
    verification_note: Mapped[str | None] = mapped_column(Text)
    verified_list_id: Mapped[int | None] = mapped_column(
        # use_alter: resident_lists also refers to users (who uploaded it); the cycle is closed last.
        ForeignKey("resident_lists.id", ondelete="SET NULL", use_alter=True,
                   name="fk_users_verified_list_id_resident_lists"))
    # Staff asked this resident to be verified before they vote, in any round.
    verification_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # House or flat and street, given only to receive a verification letter (with the postcode above).
    address_line: Mapped[str | None] = mapped_column(String(200))
    # Keyed hash of the network prefix an online registration came from (never the address); cleared after 90 days.
    network_key: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Flask-Login uses get_id() to store who is signed in; the token makes it revocable.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def has_session_token(self, token: str) -> bool:
        """Whether `token` (from a session cookie) is this account's current one, compared in constant time."""
        return bool(self.session_token) and hmac.compare_digest(self.session_token.encode(), token.encode())

    @staticmethod
    def parse_login_id(value: object) -> tuple[int, str] | None:
        """The (user id, session token) in a value made by get_id(), or None if it is not one."""
        if not isinstance(value, str):
            return None
        ident, _, token = value.partition(":")
        if not ident.isascii() or not ident.isdigit() or len(ident) > 10 or not token or not token.isascii():
            return None
        return int(ident), token

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return bool(self.is_active_account)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_verified(self) -> bool:
        return (self.verification or Verification.SELF_DECLARED) != Verification.SELF_DECLARED

    @property
    def verification_enum(self) -> Verification:
        return Verification(self.verification or Verification.SELF_DECLARED)

    @property
    def is_eligible(self) -> bool:
        return self.eligibility_status == EligibilityStatus.ELIGIBLE

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(32)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
