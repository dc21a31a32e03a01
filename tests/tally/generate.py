"""Seeded random elections for cross-checks: ordinal and approval, 2-40 projects, 1-500 voters.

``ties=True`` draws costs from a handful of round values and ballots from few patterns, so equal
scores and equal prices (rho) are common and the tie-break rules are exercised. `k_to_1` is the
satisfaction the tests count them with.
"""
from __future__ import annotations

import random

from pb.tally import ApprovalPoints, Election, Project, RankPoints, Satisfaction

TIE_BREAK = "cost-score-id"


def random_election(seed: int, *, kind: str | None = None, ties: bool | None = None,
                    max_projects: int = 40, max_voters: int = 500) -> Election:
    rng = random.Random(seed)
    kind = kind or rng.choice(("ordinal", "approval"))
    ties = rng.random() < 0.5 if ties is None else ties
    m = rng.randint(2, max_projects)
    n = rng.randint(1, max_voters)
    if ties:
        costs = [rng.choice((10, 20, 30, 40)) * 100 for _ in range(m)]
    else:
        costs = [rng.randint(500, 100_000) for _ in range(m)]
    ids = [str(i + 1) for i in range(m)]
    rng.shuffle(ids)  # ids in a random order so the natural-order tie-break matters
    projects = [Project(pid, cost) for pid, cost in zip(ids, costs)]
    share = rng.uniform(0.15, 0.8)
    budget = max(max(costs), int(sum(costs) * share))
    popularity = [rng.random() ** 2 + 0.01 for _ in range(m)]
    if ties:
        popularity = [round(p, 1) + 0.05 for p in popularity]
    max_length = rng.randint(1, min(m, 6)) if kind == "ordinal" else None
    patterns = None
    if ties:
        patterns = [_draw(rng, ids, popularity, kind, max_length) for _ in range(rng.randint(1, 6))]
    ballots = [
        list(rng.choice(patterns)) if patterns else _draw(rng, ids, popularity, kind, max_length)
        for _ in range(n)
    ]
    return Election(projects, budget, ballots, kind=kind, max_length=max_length)


def k_to_1(election: Election) -> Satisfaction:
    """The satisfaction the tests count an election with: k, k-1, ..., 1 for ballots of up to k ranks
    (k = max_length, else the number of projects), as pabulib files assume; approval: a point each."""
    if election.kind == "approval":
        return ApprovalPoints()
    return RankPoints.descending(election.max_length or len(election.projects))


def _draw(rng: random.Random, ids, popularity, kind, max_length) -> list[str]:
    if kind == "approval":
        length = rng.randint(1, min(len(ids), 8))
    else:
        length = rng.randint(1, max_length)
    chosen: list[str] = []
    pool = list(range(len(ids)))
    weights = list(popularity)
    for _ in range(length):
        i = rng.choices(range(len(pool)), weights=weights)[0]
        chosen.append(ids[pool.pop(i)])
        weights.pop(i)
    return chosen
