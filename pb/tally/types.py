"""The values the counting engine works with: projects, an election, and the outcome of a count.

Money is exact: project costs are whole currency units (the app uses pence) and the budget is an
int or a `fractions.Fraction` (pabulib files may give budgets such as ``122924411/50``).
An `Election` is validated when it is built, so a count never starts on bad input.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pb.tally.satisfaction import Satisfaction

Kind = Literal["ordinal", "approval"]
Money = int | Fraction

KINDS: tuple[str, ...] = ("ordinal", "approval")


class TallyError(ValueError):
    """The input cannot be counted; the message says what is wrong (and, for files, on which line)."""


_DIGITS = re.compile(r"([0-9]+)")


def id_order_key(project_id: str) -> tuple[Any, ...]:
    """Order for the last tie-break: project ids in natural order, so project 9 comes before 10.

    Text runs compare as text and digit runs as numbers; the raw id settles ids such as "01"/"1".
    """
    parts = _DIGITS.split(project_id)
    # After re.split with one group, odd positions are the digit runs.
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts)) + (project_id,)


def money_json(value: Money) -> int | str:
    """An amount for JSON: an int when whole, otherwise the exact fraction as "p/q"."""
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Project:
    """A project on the ballot: its id (a string) and its cost in whole currency units."""

    id: str
    cost: int
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise TallyError(f"project id must be a non-empty string, got {self.id!r}")
        if self.id != self.id.strip():
            raise TallyError(f"project id {self.id!r} has leading or trailing spaces")
        if not _is_int(self.cost):
            raise TallyError(
                f"project {self.id}: cost must be a whole number of currency units, got {self.cost!r}"
            )
        if self.cost <= 0:
            raise TallyError(f"project {self.id}: cost must be positive, got {self.cost}")
        if not isinstance(self.name, str):
            raise TallyError(f"project {self.id}: name must be a string")


@dataclass(frozen=True)
class Election:
    """The ballots cast and the rules they were cast under: projects, budget, ballots and their kind.

    What a ballot is worth is not part of the election: each count is given its satisfaction
    (`pb.tally.satisfaction`), so the same ballots can be counted under different points schemes.

    - ``kind="ordinal"``: each ballot lists project ids, most preferred first.
    - ``kind="approval"``: each ballot is a set of approved project ids.
    - ``weights`` (optional) says how many voters cast each ballot; identical ballots are grouped
      internally either way.
    - A project costing more than the whole budget is refused unless ``allow_over_budget`` is set
      (real pabulib data contains such projects; they simply cannot be funded).

    The ballots are read, not copied: treat them as read-only once the election is built.
    """

    projects: Sequence[Project]
    budget: Money
    ballots: Sequence[Sequence[str]] = field(repr=False)
    kind: Kind = "ordinal"
    min_length: int = 1
    max_length: int | None = None
    weights: Sequence[int] | None = None
    allow_over_budget: bool = False
    # Filled in by __post_init__: distinct ballots (as tuples of ids) and how many voters cast each.
    groups: dict[tuple[str, ...], int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        projects = tuple(self.projects)
        object.__setattr__(self, "projects", projects)
        if not projects:
            raise TallyError("the election has no projects")
        seen: set[str] = set()
        for project in projects:
            if not isinstance(project, Project):
                raise TallyError(f"projects must be Project values, got {project!r}")
            if project.id in seen:
                raise TallyError(f"project id {project.id!r} appears twice")
            seen.add(project.id)

        budget = self.budget
        if isinstance(budget, bool) or not isinstance(budget, (int, Fraction)):
            raise TallyError(f"budget must be an int or a Fraction, got {budget!r}")
        if isinstance(budget, Fraction) and budget.denominator == 1:
            budget = budget.numerator
            object.__setattr__(self, "budget", budget)
        if budget <= 0:
            raise TallyError(f"budget must be positive, got {money_json(budget)}")
        if not self.allow_over_budget:
            for project in projects:
                if project.cost > budget:
                    raise TallyError(
                        f"project {project.id} costs {project.cost}, more than the whole budget "
                        f"{money_json(budget)}"
                    )

        if self.kind not in KINDS:
            raise TallyError(f"kind must be 'ordinal' or 'approval', got {self.kind!r}")
        if not _is_int(self.min_length) or self.min_length < 0:
            raise TallyError(f"min_length must be a whole number >= 0, got {self.min_length!r}")
        if self.max_length is not None:
            if not _is_int(self.max_length) or self.max_length < 1:
                raise TallyError(f"max_length must be a whole number >= 1, got {self.max_length!r}")
            if self.max_length < self.min_length:
                raise TallyError(
                    f"max_length {self.max_length} is smaller than min_length {self.min_length}"
                )

        object.__setattr__(self, "groups", self._group_ballots(seen))

    def _group_ballots(self, known: set[str]) -> dict[tuple[str, ...], int]:
        ballots = self.ballots
        if self.weights is None:
            if self.kind == "approval":
                groups = Counter(tuple(sorted(ballot)) for ballot in ballots)
            else:
                groups = Counter(map(tuple, ballots))
        else:
            if len(self.weights) != len(ballots):
                raise TallyError(
                    f"weights has {len(self.weights)} values for {len(ballots)} ballots"
                )
            groups = Counter()
            for i, (ballot, weight) in enumerate(zip(ballots, self.weights)):
                if not _is_int(weight) or weight < 1:
                    raise TallyError(f"ballot {i + 1}: weight must be a positive whole number, got {weight!r}")
                key = tuple(sorted(ballot)) if self.kind == "approval" else tuple(ballot)
                groups[key] += weight
        if not groups:
            raise TallyError("the election has no ballots")
        max_length = self.max_length
        for key in groups:
            problem = None
            if len(key) < self.min_length:
                problem = f"has {len(key)} projects, fewer than the minimum {self.min_length}"
            elif max_length is not None and len(key) > max_length:
                problem = f"has {len(key)} projects, more than the maximum {max_length}"
            elif len(set(key)) != len(key):
                repeated = next(pid for pid, n in Counter(key).items() if n > 1)
                problem = f"lists project {repeated} more than once"
            else:
                for pid in key:
                    if pid not in known:
                        problem = f"names unknown project {pid!r}"
                        break
            if problem:
                raise TallyError(f"ballot {self._first_ballot_number(key)} {problem}")
        return dict(groups)

    def _first_ballot_number(self, key: tuple[str, ...]) -> int:
        for i, ballot in enumerate(self.ballots):
            candidate = tuple(sorted(ballot)) if self.kind == "approval" else tuple(ballot)
            if candidate == key:
                return i + 1
        return 0  # unreachable: every key comes from a ballot

    @property
    def voters(self) -> int:
        """How many voters cast a ballot (ballots times their weights)."""
        return sum(self.groups.values())

    def scores(self, satisfaction: Satisfaction) -> dict[str, int]:
        """Each project's score under a satisfaction: the points its ballots gave it."""
        scores = dict.fromkeys((p.id for p in self.projects), 0)
        points = satisfaction.points_for(self)
        for key, weight in self.groups.items():
            for rank, pid in enumerate(key):
                scores[pid] += weight * points[rank]
        return scores


@dataclass
class Outcome:
    """The result of a count: what was funded (in funding order) and how the count got there.

    ``params`` says what the count meant: its satisfaction (as JSON), its tie-break and the rule's
    options, so a stored count can be read, and repeated, without knowing how it was called.
    ``steps`` are JSON-ready dicts, one per decision, that a results page can turn into sentences.
    """

    rule: str
    params: dict[str, Any]
    funded: list[str]
    cost: int
    budget: Money
    scores: dict[str, int]
    steps: list[dict[str, Any]]
    voters: int = 0

    @property
    def money_left(self) -> Money:
        return self.budget - self.cost

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy (fractions of money become "p/q" strings)."""
        return {
            "rule": self.rule,
            "params": dict(self.params),
            "funded": list(self.funded),
            "cost": self.cost,
            "budget": money_json(self.budget),
            "money_left": money_json(self.money_left),
            "voters": self.voters,
            "scores": dict(self.scores),
            "steps": [dict(step) for step in self.steps],
        }
