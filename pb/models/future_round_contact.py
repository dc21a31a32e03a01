"""Someone who could not take part when they tried to register, and asked to be told about future rounds.

Only what is needed to tell them is kept: a name and one way to reach them (an email address or a
phone number). No date of birth, postcode or account; staff delete the row once they have told them,
or when they ask.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from pb.extensions import db
from pb.models._types import UTCDateTime, utcnow


class FutureRoundContact(db.Model):
    __tablename__ = "future_round_contacts"
    __table_args__ = (CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="email_or_phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
