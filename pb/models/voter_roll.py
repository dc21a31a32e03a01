"""Who has voted in a round (never how): one row per resident per round."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pb.extensions import db


class Channel(StrEnum):
    ONLINE = "online"
    PAPER = "paper"


class VoterRoll(db.Model):
    """The voter roll. UNIQUE(round_id, user_id) is what stops a second ballot.

    There is deliberately no timestamp, and nothing shared with the ballot table
    but the round, so the two tables cannot be joined to find how someone voted.
    When a resident's data is deleted, user_id becomes NULL and the row stays as an
    anonymous placeholder, so the voter roll still counts the same as the ballots.
    """

    __tablename__ = "voter_roll"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", name="uq_voter_roll_round_user"),
        CheckConstraint("channel IN ('online', 'paper')", name="channel"),
        CheckConstraint(
            "verification IS NULL OR verification IN ('staff', 'list', 'letter', 'self-declared', 'code', 'paper')",
            name="verification",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    # The member of staff who keyed a paper or assisted ballot.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when the vote was cast with a one-time voting code rather than a password.
    used_voting_code: Mapped[bool] = mapped_column(default=False)
    # How the voter was known when they voted (pb.domain.verification.ballot_verification):
    # their own verification for an online ballot, "code" or "paper" where staff identified them.
    # Empty for ballots cast before pb recorded it.
    verification: Mapped[str | None] = mapped_column(String(16))
