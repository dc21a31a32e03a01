"""An anonymous ranked ballot."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from pb.extensions import db


class Ballot(db.Model):
    """One ranked ballot: no resident, no IP address, no time.

    The key is 128 random bits and on SQLite the table is WITHOUT ROWID, so neither
    the key nor the physical order says in which order ballots were cast.
    `ranking` is the comma-separated proposal ids, most preferred first.
    `receipt` is the short code the voter was given (pb.domain.receipts), and `commitment` the
    SHA-256 of the canonical ballot (round, receipt, ranking, nonce): both are published, the code so
    voters can find their ballot, the commitment so anyone can check it was not changed. A ballot
    cast before codes were short has the 64-character commitment as its receipt.
    """

    __tablename__ = "ballots"
    __table_args__ = (
        Index("ix_ballots_round_id", "round_id"),
        {"sqlite_with_rowid": False},
    )

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"))
    ranking: Mapped[str] = mapped_column(String(400))
    receipt: Mapped[str] = mapped_column(String(64), unique=True)
    commitment: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(32))

    @property
    def project_ids(self) -> list[int]:
        return [int(p) for p in self.ranking.split(",") if p]
