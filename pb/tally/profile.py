"""The numeric form of an election that the rules count on.

Distinct ballots become rows of a matrix of project numbers (padded with -1), each with a weight
(how many voters cast it). Every (ballot, project) pair is also listed per project, so a rule can
look at one project's supporters without scanning every ballot. The points and the tie-break order
come from the satisfaction and tie-break the count names, so a profile belongs to that pair.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pb.tally.satisfaction import Satisfaction
from pb.tally.types import Election, Money, TallyError, id_order_key

# Tie-breaks by name, each with what it means. A count names one, and its outcome records the name.
TIE_BREAKS: dict[str, str] = {
    "cost-score-id": "lower cost first, then higher score, then project id in natural order",
}


@dataclass(frozen=True, eq=False)
class Profile:
    """Grouped ballots as arrays. Project numbers follow the order of ``Election.projects``."""

    ids: list[str]
    costs: list[int]
    budget: Money
    voters: int
    weights: np.ndarray  # (groups,) int64: voters per distinct ballot
    ballots: np.ndarray  # (groups, ranks) int32: project number at each rank, -1 past the end
    rank_points: np.ndarray  # (ranks,) int64: points for each rank (approval: all 1)
    scores: list[int]  # per project: total points
    # Supporters of project c are entries sup_ptr[c]:sup_ptr[c+1] of the arrays below.
    sup_ptr: np.ndarray
    sup_group: np.ndarray  # ballot row of the supporter
    sup_points: np.ndarray  # points that ballot gives the project (float64)
    sup_weight: np.ndarray  # weight of that ballot (float64)
    # Voters per project and points value, for the first round of equal shares: pairs (points, voters).
    point_classes: list[list[tuple[int, int]]]
    tie_rank: list[int]  # position of each project in the tie-break order (lower wins)
    satisfaction: Satisfaction
    tie_break: str

    @property
    def size(self) -> int:
        return len(self.ids)

    def supporters(self, project: int) -> int:
        """How many voters gave the project any points."""
        lo, hi = self.sup_ptr[project], self.sup_ptr[project + 1]
        return int(self.sup_weight[lo:hi].sum())


def check_tie_break(tie_break: str) -> str:
    """The tie-break's name, if it is one of TIE_BREAKS."""
    if not isinstance(tie_break, str) or tie_break not in TIE_BREAKS:
        known = "; ".join(f"{name!r} ({meaning})" for name, meaning in TIE_BREAKS.items())
        raise TallyError(f"unknown tie-break {tie_break!r}: use {known}")
    return tie_break


def tie_ranks(tie_break: str, ids: list[str], costs: list[int], scores: list[int]) -> list[int]:
    """Each project's position in the named tie-break order (lower wins); the only place ties are ordered."""
    check_tie_break(tie_break)
    m = len(ids)
    tie_order = sorted(range(m), key=lambda c: (costs[c], -scores[c], id_order_key(ids[c])))
    ranks = [0] * m
    for position, c in enumerate(tie_order):
        ranks[c] = position
    return ranks


def build_profile(election: Election, satisfaction: Satisfaction, tie_break: str) -> Profile:
    """Turn a validated election into arrays under one satisfaction and tie-break.

    Identical ballots are already grouped by the election.
    """
    points = satisfaction.points_for(election)
    ids = [p.id for p in election.projects]
    costs = [p.cost for p in election.projects]
    index = {pid: i for i, pid in enumerate(ids)}
    keys = list(election.groups)
    weights = np.fromiter(election.groups.values(), dtype=np.int64, count=len(keys))
    n_groups = len(keys)
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=n_groups)
    ranks = max(1, int(lengths.max()) if n_groups else 1)
    total = int(lengths.sum())
    flat = np.fromiter((index[pid] for key in keys for pid in key), dtype=np.int32, count=total)
    rows = np.repeat(np.arange(n_groups, dtype=np.int64), lengths)
    starts = np.cumsum(lengths) - lengths
    cols = np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)
    ballots = np.full((n_groups, ranks), -1, dtype=np.int32)
    ballots[rows, cols] = flat

    # points_for guarantees a points value for every rank a ballot can use.
    rank_points = np.asarray(points[:ranks], dtype=np.int64)
    entry_points = rank_points[cols]
    entry_weights = weights[rows]

    m = len(ids)
    order = np.argsort(flat, kind="stable")
    sup_group = rows[order]
    sup_points = entry_points[order].astype(np.float64)
    sup_weight = entry_weights[order].astype(np.float64)
    counts = np.bincount(flat, minlength=m)
    sup_ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(counts, out=sup_ptr[1:])

    # Sums of weight x points stay far below 2**53, so float accumulation is exact here.
    score_arr = np.bincount(flat, weights=(entry_weights * entry_points).astype(np.float64), minlength=m)
    scores = [int(round(s)) for s in score_arr]

    point_values = np.unique(rank_points)[::-1]
    point_classes: list[list[tuple[int, int]]] = [[] for _ in range(m)]
    for value in point_values:
        at_value = entry_points == value
        per_project = np.bincount(flat[at_value], weights=entry_weights[at_value].astype(np.float64), minlength=m)
        for c in np.nonzero(per_project)[0]:
            point_classes[c].append((int(value), int(round(per_project[c]))))

    tie_rank = tie_ranks(tie_break, ids, costs, scores)

    return Profile(
        ids=ids,
        costs=costs,
        budget=election.budget,
        voters=int(weights.sum()),
        weights=weights,
        ballots=ballots,
        rank_points=rank_points,
        scores=scores,
        sup_ptr=sup_ptr,
        sup_group=sup_group,
        sup_points=sup_points,
        sup_weight=sup_weight,
        point_classes=point_classes,
        tie_rank=tie_rank,
        satisfaction=satisfaction,
        tie_break=tie_break,
    )


def as_fraction(value: Money) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)
