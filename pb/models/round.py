"""A funding round: a budget, the rules for who may take part and how votes are counted."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models._types import UTCDateTime, utcnow

DEFAULT_CATEGORIES = (
    "Health and wellbeing",
    "Arts and culture",
    "Social activities",
    "Learning",
    "Getting out and about",
)


class Round(db.Model):
    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("budget_pence > 0", name="budget_positive"),
        CheckConstraint("min_ranks >= 1 AND max_ranks >= min_ranks", name="ranks"),
        CheckConstraint("ballot_order IN ('random', 'fixed')", name="ballot_order"),
        CheckConstraint("min_age >= 0 AND min_age <= 120", name="min_age"),
        CheckConstraint(
            "phase IN ('draft', 'proposals_open', 'proposals_closed', 'voting_open', "
            "'voting_closed', 'results_published')",
            name="phase",
        ),
        CheckConstraint("counting_rule IN ('greedy', 'equal-shares')", name="counting_rule"),
        CheckConstraint("completion IN ('none', 'add1', 'add1u')", name="completion"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    area_name: Mapped[str] = mapped_column(String(120), default="")
    budget_pence: Mapped[int] = mapped_column(BigInteger)
    phase: Mapped[str] = mapped_column(String(32), default=Phase.DRAFT)

    # Eligibility: age on a reference date, and postcodes (outward codes or full postcodes, one per line).
    min_age: Mapped[int] = mapped_column(Integer, default=50)
    age_reference_date: Mapped[date] = mapped_column(Date)
    accepted_postcodes: Mapped[str] = mapped_column(Text, default="")
    # Districts shared with neighbouring areas: registrations there wait for staff review.
    review_postcodes: Mapped[str] = mapped_column(Text, default="")

    # Ballot rules.
    min_ranks: Mapped[int] = mapped_column(Integer, default=1)
    max_ranks: Mapped[int] = mapped_column(Integer, default=3)
    # Comma-separated points per rank ("3,2,1"); empty means k, k-1, ..., 1.
    points_scheme: Mapped[str] = mapped_column(String(200), default="")

    # Counting rule.
    counting_rule: Mapped[str] = mapped_column(String(32), default="greedy")
    completion: Mapped[str] = mapped_column(String(16), default="add1u")
    score_threshold: Mapped[int | None] = mapped_column(Integer)

    # Proposals.
    categories: Mapped[str] = mapped_column(Text, default="\n".join(DEFAULT_CATEGORIES))
    min_project_cost_pence: Mapped[int | None] = mapped_column(BigInteger)
    max_project_cost_pence: Mapped[int | None] = mapped_column(BigInteger)

    # Who may vote online: only verified residents (the default), or anyone eligible who registered.
    # Paper ballots and voting codes come through staff, who identified the person, so count either way.
    verified_only: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # The order of the projects on the online ballot: "random" (each voter their own, so no project
    # gains from coming first) or "fixed" (by title, the order of a printed paper ballot).
    ballot_order: Mapped[str] = mapped_column(String(16), default="random", server_default="random")

    # Paper ballots must be keyed twice by two staff members and agree before they are stored.
    paper_double_entry: Mapped[bool] = mapped_column(Boolean, default=False)

    # Planned dates shown to residents.
    proposals_open_on: Mapped[date | None] = mapped_column(Date)
    proposals_close_on: Mapped[date | None] = mapped_column(Date)
    voting_open_on: Mapped[date | None] = mapped_column(Date)
    voting_close_on: Mapped[date | None] = mapped_column(Date)
    results_on: Mapped[date | None] = mapped_column(Date)

    # When each phase really began (UTC).
    proposals_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposals_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voting_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voting_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The fingerprint (SHA-256) of the ballots file taken the moment voting closed, before any count,
    # and how many ballots it held: published at once, so a later change to the ballots shows.
    closing_ballots_sha256: Mapped[str | None] = mapped_column(String(64))
    closing_ballot_count: Mapped[int | None] = mapped_column(Integer)
    # The ballots file's columns (pb.services.open_data.ballots_csv): 2 lists each ballot under its
    # short receipt code with its commitment beside it; 1 is the older file of rounds that closed
    # before codes were short, kept so their fingerprint and published files stay the same.
    ballots_file_version: Mapped[int] = mapped_column(Integer, default=2, server_default="2")

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Incremented on every edit, so a form submitted twice (or from a stale tab) is caught.
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def phase_enum(self) -> Phase:
        return Phase(self.phase)

    @property
    def category_list(self) -> list[str]:
        return [c.strip() for c in (self.categories or "").splitlines() if c.strip()]

    @property
    def points(self) -> list[int]:
        """Points for rank 1, 2, ...: the round's scheme or k, k-1, ..., 1."""
        if self.points_scheme and self.points_scheme.strip():
            return [int(p) for p in self.points_scheme.split(",") if p.strip()]
        return list(range(self.max_ranks, 0, -1))

    @property
    def is_public(self) -> bool:
        return self.phase != Phase.DRAFT

    def __repr__(self) -> str:
        return f"<Round {self.id} {self.title!r} {self.phase}>"
