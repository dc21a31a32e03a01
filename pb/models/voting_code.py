"""One-time voting codes printed for residents who have no email or password."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pb.extensions import db
from pb.models._types import UTCDateTime, utcnow


class VotingCode(db.Model):
    """A code is stored only as a hash, works once, and only in its round."""

    __tablename__ = "voting_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A newer code for the same resident and round replaces an unused older one.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
