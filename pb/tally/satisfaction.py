"""What a ballot is worth to each project it names: the satisfaction a count is run with.

A count is told its satisfaction rather than reading it off the election, so that the same ballots can
be counted under different points schemes and every stored count says which one it used.

- `RankPoints`: ranked ballots; the project at rank r (0-based) earns ``points[r]``.
- `ApprovalPoints`: approval ballots; every approved project earns one point.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pb.tally.types import TallyError

if TYPE_CHECKING:
    from pb.tally.types import Election


def _ranks(election: Election) -> int:
    """The most ranks a ballot of this election may have."""
    return election.max_length if election.max_length is not None else len(election.projects)


@dataclass(frozen=True)
class RankPoints:
    """Points per rank for ranked ballots: positive whole numbers, never increasing down the ranking."""

    points: tuple[int, ...]
    ballots: ClassVar[str] = "ordinal"

    def __post_init__(self) -> None:
        if isinstance(self.points, (str, bytes)) or not isinstance(self.points, Sequence):
            raise TallyError(f"points must be a sequence of whole numbers, got {self.points!r}")
        points = tuple(self.points)
        object.__setattr__(self, "points", points)  # a tuple, so equal schemes hash alike
        if not points:
            raise TallyError("points must give at least one value")
        for i, value in enumerate(points):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise TallyError(f"points must be positive whole numbers, got {value!r} for rank {i + 1}")
            if i and value > points[i - 1]:
                raise TallyError("points must not increase down the ranking (rank 1 earns the most)")

    @classmethod
    def descending(cls, ranks: int) -> RankPoints:
        """k, k-1, ..., 1 for ballots of up to k ranks (Kraków's 3-2-1 for k = 3)."""
        if isinstance(ranks, bool) or not isinstance(ranks, int) or ranks < 1:
            raise TallyError(f"ranks must be a whole number >= 1, got {ranks!r}")
        return cls(tuple(range(ranks, 0, -1)))

    def points_for(self, election: Election) -> tuple[int, ...]:
        """The points for each rank, after checking they suit the election's ballots."""
        if election.kind != "ordinal":
            raise TallyError(
                f"rank points apply to ordinal ballots only; this election has {election.kind} ballots, "
                "so count it with ApprovalPoints()"
            )
        ranks = _ranks(election)
        if len(self.points) < ranks:
            raise TallyError(f"points gives {len(self.points)} values but ballots may have {ranks} ranks")
        return self.points

    def to_json(self) -> dict[str, Any]:
        return {"kind": "rank-points", "points": list(self.points)}


@dataclass(frozen=True)
class ApprovalPoints:
    """One point for each approved project."""

    ballots: ClassVar[str] = "approval"

    def points_for(self, election: Election) -> tuple[int, ...]:
        """One point for every place on a ballot, after checking the election has approval ballots."""
        if election.kind != "approval":
            raise TallyError(
                f"approval points apply to approval ballots only; this election has {election.kind} "
                "(ranked) ballots, so count it with RankPoints, e.g. RankPoints.descending(k)"
            )
        return (1,) * _ranks(election)

    def to_json(self) -> dict[str, Any]:
        return {"kind": "approval"}


Satisfaction = RankPoints | ApprovalPoints
SATISFACTIONS: tuple[type, ...] = (RankPoints, ApprovalPoints)


def satisfaction_from_json(data: Any) -> Satisfaction:
    """Read back what `to_json` wrote (e.g. from a stored count's params)."""
    if isinstance(data, dict):
        kind = data.get("kind")
        if kind == "approval" and data.keys() == {"kind"}:
            return ApprovalPoints()
        if kind == "rank-points" and data.keys() == {"kind", "points"}:
            points = data["points"]
            if not isinstance(points, list):
                raise TallyError(f"rank-points needs a list of points, got {points!r}")
            return RankPoints(tuple(points))
    raise TallyError(
        f"not a satisfaction: {data!r} (expected {{'kind': 'rank-points', 'points': [...]}} or {{'kind': 'approval'}})"
    )
