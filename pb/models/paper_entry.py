"""The first keying of a paper ballot, waiting for a second member of staff to re-key it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pb.extensions import db
from pb.models._types import UTCDateTime, utcnow


class PaperEntry(db.Model):
    """Held only until the second keying agrees (then the ballot is cast and this row removed).

    It links a resident to a ranking for that short time, like the paper form itself;
    only staff can see it.
    """

    __tablename__ = "paper_entries"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_paper_entries_round_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ranking: Mapped[str] = mapped_column(String(400))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
