"""What verification keeps: resident lists (as keyed hashes only), verification letters,
staff reviews of suspicious registrations, and the admin's settings for spotting them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pb.extensions import db
from pb.models._types import UTCDateTime, utcnow


class ResidentList(db.Model):
    """A list of residents known to the organisation or a partner, uploaded by an administrator.

    The people on it are never stored in clear: each row is one ResidentListEntry, a keyed
    hash of the normalised name, date of birth and postcode (pb.domain.resident_list).
    """

    __tablename__ = "resident_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Where it came from, in words: "Hackney CVS membership list, October 2026".
    source: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the list's entries were replaced by a newer upload.
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ResidentListEntry(db.Model):
    __tablename__ = "resident_list_entries"
    __table_args__ = (
        UniqueConstraint("list_id", "identity_hash", name="uq_resident_list_entries_list_hash"),
        Index("ix_resident_list_entries_identity_hash", "identity_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("resident_lists.id", ondelete="CASCADE"))
    identity_hash: Mapped[str] = mapped_column(String(64))


class VerificationLetter(db.Model):
    """A letter posted to a resident's address with a one-time code that verifies them.

    The code is made when the letter is printed and only its keyed hash is kept; it works
    once, for this resident, until `expires_at`.
    """

    __tablename__ = "verification_letters"
    __table_args__ = (Index("ix_verification_letters_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A newer letter, or the resident being verified another way, cancels an unused one.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SuspicionReview(db.Model):
    """Staff looked at a group of suspicious registrations and marked it checked.

    `members` is the group's resident ids when it was checked ("3,17,42"): a group that gains
    a member shows again.
    """

    __tablename__ = "suspicion_reviews"
    __table_args__ = (UniqueConstraint("kind", "group_key", name="uq_suspicion_reviews_kind_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    group_key: Mapped[str] = mapped_column(String(200))
    members: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


class SiteSetting(db.Model):
    """A setting the administrator changes in pb (not in the deployment's config): key -> text."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
