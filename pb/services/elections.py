"""A round and its ballots as the counting engine reads them: a pb.tally Election from plain values, and what a stored count meant."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from pb.domain.counting_rules import TIE_BREAK
from pb.domain.errors import CountingError
from pb.domain.words import _
from pb.extensions import db
from pb.models import Ballot, CountResult, Proposal, Round
from pb.tally import Election, Project, RankPoints, Satisfaction, TallyError, satisfaction_from_json


def round_ballots(round_: Round) -> list[Ballot]:
    """The round's ballots sorted by receipt code (so never in the order they were cast)."""
    return list(db.session.scalars(select(Ballot).where(Ballot.round_id == round_.id).order_by(Ballot.receipt)))


def ballot_rankings(ballots: list[Ballot]) -> list[list[str]]:
    """Each ballot's ranking as the engine reads it: project ids as strings, most preferred first."""
    return [[p for p in b.ranking.split(",") if p] for b in ballots]


def build_election(*, budget: int, min_ranks: int, max_ranks: int,
                   projects: Sequence[tuple[int, int, str]], rankings: list[list[str]]) -> Election:
    """A pb.tally Election from plain values: projects as (id, cost, title), ids as strings, money in one unit.

    The points per rank are not part of it: they are the satisfaction, named in the count itself.
    """
    if not projects:
        raise CountingError(_("This round has no shortlisted projects to count."))
    if not rankings:
        raise CountingError(_("No ballots were cast in this round, so there is nothing to count."))
    try:
        return Election(
            projects=[Project(str(pid), int(cost), title) for pid, cost, title in projects],
            budget=int(budget),
            ballots=rankings,
            kind="ordinal",
            min_length=min_ranks,
            max_length=max_ranks,
            allow_over_budget=True,
        )
    except TallyError as exc:
        raise CountingError(_("The ballots could not be counted: %(problem)s.", problem=exc)) from exc


def round_election(round_: Round, proposals: Sequence[Proposal], rankings: list[list[str]], scale: int = 1) -> Election:
    """The round as an Election, money divided by `scale` (100 gives whole pounds)."""
    return build_election(
        budget=round_.budget_pence // scale, min_ranks=round_.min_ranks,
        max_ranks=round_.max_ranks, projects=[(p.id, p.cost_pence // scale, p.title) for p in proposals],
        rankings=rankings,
    )


def recorded_meaning(result: CountResult, round_: Round) -> tuple[Satisfaction, str]:
    """The satisfaction and tie-break a stored count was made with (counts from before they were recorded: the
    points it recorded, or the round's, and the one tie-break pb has always used)."""
    params = result.params or {}
    try:
        if "satisfaction" in params:
            satisfaction = satisfaction_from_json(params["satisfaction"])
        else:
            satisfaction = RankPoints(tuple(params.get("points") or round_.points))
    except TallyError as exc:
        raise CountingError(_("The count's recorded points cannot be read: %(problem)s.", problem=exc)) from exc
    return satisfaction, params.get("tie_break", TIE_BREAK)
