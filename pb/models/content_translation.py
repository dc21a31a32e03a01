"""A translation of a round's or a project's own text, written by staff.

pb's interface comes from the catalogs; what staff and residents write (a round's title, a
project's summary) is translated here, one field in one language per row. Only approved
translations are shown to residents; a draft waits for a second look.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pb.extensions import db
from pb.models._types import UTCDateTime, utcnow


class ContentTranslation(db.Model):
    __tablename__ = "content_translations"
    __table_args__ = (
        UniqueConstraint("kind", "object_id", "field", "language", name="uq_content_translations_text"),
        CheckConstraint("kind IN ('round', 'proposal')", name="kind"),
        CheckConstraint("status IN ('draft', 'approved')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))          # "round" or "proposal"
    object_id: Mapped[int] = mapped_column()               # the round's or the proposal's id
    field: Mapped[str] = mapped_column(String(32))         # "title", "description", "summary"
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
