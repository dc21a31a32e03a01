"""A project idea put forward for a round, and what staff decided about it."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.domain.words import N_, _
from pb.extensions import db
from pb.models._types import UTCDateTime, utcnow


class ProposalStatus(StrEnum):
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    SHORTLISTED = "shortlisted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The status as residents and staff read it, in the page's language."""
        return _(_STATUS_LABELS[self.value])


_STATUS_LABELS = {
    "submitted": N_("Received"),
    "changes_requested": N_("Changes requested"),
    "shortlisted": N_("Shortlisted"),
    "refused": N_("Not shortlisted"),
    "withdrawn": N_("Withdrawn"),
}


class Proposal(db.Model):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("cost_pence > 0", name="cost_positive"),
        CheckConstraint(
            "status IN ('submitted', 'changes_requested', 'shortlisted', 'refused', 'withdrawn')",
            name="status",
        ),
        Index("ix_proposals_round_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    cost_pence: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str] = mapped_column(String(80))
    organisation: Mapped[str] = mapped_column(String(120), default="")
    # Private: shown only to the proposer and staff.
    contact: Mapped[str] = mapped_column(String(254), default="")
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when a member of staff sent it in on someone's behalf.
    submitted_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(32), default=ProposalStatus.SUBMITTED)
    # The language the idea was written in (the page's when it was sent in; None: English), and what
    # staff wrote in English about an idea written in another language, when they reviewed it.
    language: Mapped[str | None] = mapped_column(String(8))
    english_summary: Mapped[str | None] = mapped_column(Text)
    staff_note: Mapped[str | None] = mapped_column(Text)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    round = relationship("Round", lazy="joined")
    proposer = relationship("User", foreign_keys=[proposer_id])

    @property
    def status_enum(self) -> ProposalStatus:
        return ProposalStatus(self.status)

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.title!r} {self.status}>"
