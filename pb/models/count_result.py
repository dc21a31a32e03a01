"""The stored result of counting a round's ballots."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pb.extensions import db
from pb.models._types import UTCDateTime, utcnow


class CountResult(db.Model):
    __tablename__ = "count_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"))
    rule: Mapped[str] = mapped_column(String(64))
    # Rule parameters (threshold, completion, points, unit) as used.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # Funded proposal ids in funding order.
    funded: Mapped[list] = mapped_column(JSON, default=list)
    total_cost_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    steps: Mapped[list] = mapped_column(JSON, default=list)
    ballot_count: Mapped[int] = mapped_column(Integer, default=0)
    # Residents who could take part when the votes were counted: the turnout's denominator,
    # fixed with the count (NULL for counts made before it was kept).
    eligible_residents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # SHA-256 of the published ballots file this count was made from.
    ballots_sha256: Mapped[str] = mapped_column(String(64), default="")
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
