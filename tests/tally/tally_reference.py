"""pabutools, configured to count exactly as pb's rules are defined, for cross-checking pb.tally.

pabutools' defaults differ from pb's rules (DESIGN.md, "Counting"), so every call here sets:
- utilities: points x cost per project (ordinal: pb's points for the rank; approval: cost), so
  pabutools' greedy, which ranks by satisfaction per cost, ranks by pb's score;
- tie-break: lower cost, then higher score, then project id in pb's natural order;
- projects nobody supports (and, for greedy-threshold, projects scoring below the threshold) are left
  out of the instance, since pb never funds them and pabutools' exhaustion test would wait for them.
Used by tests/tally and by bench/tally.py.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from pabutools.election import (
    AdditiveSatisfaction,
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    Instance,
    OrdinalBallot,
    OrdinalProfile,
)
from pabutools.election import Project as PabuProject
from pabutools.fractions import frac
from pabutools.rules import (
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.tiebreaking import TieBreakingRule

from pb.tally.satisfaction import Satisfaction
from pb.tally.types import Election, id_order_key


@dataclass
class Reference:
    """A pabutools instance and profile plus pb's points scheme for it."""

    instance: Instance
    profile: ApprovalProfile | OrdinalProfile
    points: Sequence[int] | None  # None for approval

    @property
    def voters(self) -> int:
        return self.profile.num_ballots()


def from_election(election: Election, satisfaction: Satisfaction) -> Reference:
    """The same election, counted under `satisfaction`, as pabutools objects (grouped ballots are expanded
    to one per voter)."""
    points = list(satisfaction.points_for(election))
    projects = {p.id: PabuProject(p.id, p.cost) for p in election.projects}
    instance = Instance(projects.values(), budget_limit=frac(_as_frac(election.budget)))
    ballots = []
    for key, weight in election.groups.items():
        for _ in range(weight):
            if election.kind == "approval":
                ballots.append(ApprovalBallot(projects[pid] for pid in key))
            else:
                ballots.append(OrdinalBallot(projects[pid] for pid in key))
    if election.kind == "approval":
        return Reference(instance, ApprovalProfile(ballots, instance=instance), None)
    return Reference(instance, OrdinalProfile(ballots, instance=instance), points)


def from_pabutools_file(instance: Instance, profile) -> Reference:
    """A file read by pabutools' own parse_pabulib, with pb's points scheme (k..1, k = max_length)."""
    if isinstance(profile, OrdinalProfile):
        k = int(instance.meta.get("max_length") or len(instance))
        return Reference(instance, profile, list(range(k, 0, -1)))
    return Reference(instance, profile, None)


def _as_frac(value) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def scores(ref: Reference) -> dict[str, int]:
    """pb scores computed from the pabutools profile."""
    result = {p.name: 0 for p in ref.instance}
    for ballot in ref.profile:
        for rank, project in enumerate(ballot):
            result[project.name] += 1 if ref.points is None else ref.points[rank]
    return result


def satisfaction(ref: Reference):
    """pb's utility as a pabutools satisfaction class."""
    if ref.points is None:
        return Cost_Sat
    points = list(ref.points)

    def utility(instance, profile, ballot, project, precomputed):
        rank = precomputed["rank"].get(project.name)
        return 0 if rank is None else points[rank] * project.cost

    class RankPointsSat(AdditiveSatisfaction):
        def __init__(self, instance, profile, ballot):
            AdditiveSatisfaction.__init__(self, instance, profile, ballot, utility)

        def preprocessing(self, instance, profile, ballot):
            return {"rank": {project.name: i for i, project in enumerate(ballot)}}

    return RankPointsSat


def tie_breaking(score: dict[str, int]) -> TieBreakingRule:
    return TieBreakingRule(lambda inst, prof, p: (p.cost, -score[p.name], id_order_key(p.name)))


def _restricted(ref: Reference, keep) -> Instance:
    instance = Instance((p for p in ref.instance if keep(p)), budget_limit=ref.instance.budget_limit)
    instance.meta = dict(getattr(ref.instance, "meta", {}) or {})
    return instance


def count_all(ref: Reference, *, unit: int = 1) -> dict[str, list[str]]:
    """greedy, equal shares, add1 and add1u at once (add1u fills add1's result rather than recounting)."""
    add1 = count(ref, "equal-shares", completion="add1", unit=unit)
    return {
        "greedy": count(ref, "greedy"),
        "none": count(ref, "equal-shares", completion="none"),
        "add1": add1,
        "add1u": count(ref, "greedy", start=add1),
    }


def count(ref: Reference, rule: str, *, threshold: int = 0, completion: str = "none", unit: int = 1,
          add1: str = "increment", start: list[str] | None = None) -> list[str]:
    """Funded project ids per pabutools (in its selection order) for one of pb's rules.

    ``start`` (greedy only) lists projects already funded, for add1u's fill.

    add1="increment" uses method_of_equal_shares(voter_budget_increment=unit); add1="exhaustion" uses
    exhaustion_by_budget_increase(budget_step=voters x unit, exhaustive_stop=True), pabutools' own add1.
    """
    score = scores(ref)
    instance = _restricted(ref, lambda p: score[p.name] > 0 and score[p.name] >= threshold)
    profile = ref.profile
    profile.instance = instance
    sat = satisfaction(ref)
    tie = tie_breaking(score)
    if rule == "greedy":
        initial = [p for name in start or () for p in instance if p.name == name]
        result = greedy_utilitarian_welfare(
            instance, profile, sat_class=sat, tie_breaking=tie, initial_budget_allocation=initial
        )
    elif completion == "none":
        result = method_of_equal_shares(instance, profile, sat_class=sat, tie_breaking=tie)
    else:
        if add1 == "increment":
            result = method_of_equal_shares(
                instance, profile, sat_class=sat, tie_breaking=tie, voter_budget_increment=unit
            )
        else:
            result = exhaustion_by_budget_increase(
                instance,
                profile,
                method_of_equal_shares,
                {"sat_class": sat, "tie_breaking": tie},
                budget_step=ref.voters * unit,
                exhaustive_stop=True,
            )
        if completion == "add1u":
            result = greedy_utilitarian_welfare(
                instance, profile, sat_class=sat, tie_breaking=tie, initial_budget_allocation=result
            )
    return [p.name for p in result]
