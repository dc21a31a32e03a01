"""Elections are validated when built; outcomes serialise to JSON."""
from __future__ import annotations

import json
from fractions import Fraction

import pytest

from pb.tally import ApprovalPoints, Election, Project, RankPoints, TallyError, count
from pb.tally.types import id_order_key

PROJECTS = [Project("1", 300), Project("2", 500), Project("3", 200)]
POINTS = RankPoints((3, 2, 1))
TIE = "cost-score-id"


def election(**overrides) -> Election:
    values = {"projects": PROJECTS, "budget": 1000, "ballots": [["1", "2"], ["2", "3", "1"], ["3"]]}
    values.update(overrides)
    return Election(**values)


def test_descending_points_are_k_down_to_1() -> None:
    assert RankPoints.descending(3).points == (3, 2, 1)
    assert election().scores(RankPoints.descending(3)) == {"1": 3 + 1, "2": 2 + 3, "3": 2 + 3}


def test_points_for_max_length_ballots() -> None:
    e = election(max_length=2, ballots=[["1", "2"], ["3"]])
    assert RankPoints.descending(2).points_for(e) == (2, 1)
    assert e.scores(RankPoints.descending(2)) == {"1": 2, "2": 1, "3": 2}


def test_explicit_points_and_approval_scores() -> None:
    assert election().scores(RankPoints((5, 3, 1))) == {"1": 5 + 1, "2": 3 + 5, "3": 3 + 5}
    approval = election(kind="approval")
    assert ApprovalPoints().points_for(approval) == (1, 1, 1)
    assert approval.scores(ApprovalPoints()) == {"1": 2, "2": 2, "3": 2}


def test_identical_ballots_are_grouped_and_weights_count_as_voters() -> None:
    e = election(ballots=[["1", "2"], ["1", "2"], ["3"]], weights=[2, 1, 4])
    assert e.groups == {("1", "2"): 3, ("3",): 4}
    assert e.voters == 7
    approval = election(kind="approval", ballots=[["1", "2"], ["2", "1"]])
    assert approval.groups == {("1", "2"): 2}


def test_fraction_budget_is_kept_exact_and_whole_fractions_become_int() -> None:
    assert election(budget=Fraction(122924411, 50)).budget == Fraction(122924411, 50)
    assert election(budget=Fraction(2000, 2)).budget == 1000
    assert isinstance(election(budget=Fraction(2000, 2)).budget, int)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"projects": []}, "no projects"),
        ({"ballots": []}, "no ballots"),
        ({"budget": -5}, "budget must be positive"),
        ({"budget": 0}, "budget must be positive"),
        ({"budget": 1000.0}, "int or a Fraction"),
        ({"budget": 400}, "project 2 costs 500, more than the whole budget 400"),
        ({"kind": "cumulative"}, "kind must be"),
        ({"ballots": [["1"], ["9"]]}, "ballot 2 names unknown project '9'"),
        ({"ballots": [["1", "2", "1"]]}, "ballot 1 lists project 1 more than once"),
        ({"ballots": [["1", "2", "3"]], "max_length": 2}, "ballot 1 has 3 projects, more than the maximum 2"),
        ({"ballots": [["1"], []]}, "ballot 2 has 0 projects, fewer than the minimum 1"),
        ({"weights": [1, 1]}, "weights has 2 values for 3 ballots"),
        ({"weights": [1, 0, 1]}, "ballot 2: weight must be a positive whole number"),
        ({"max_length": 1, "min_length": 2}, "smaller than min_length"),
        ({"projects": [Project("1", 300), Project("1", 200)]}, "appears twice"),
    ],
)
def test_bad_elections_are_refused_with_a_clear_message(overrides, message) -> None:
    with pytest.raises(TallyError, match=message):
        election(**overrides)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", 10), "non-empty string"),
        (("a", 0), "cost must be positive"),
        (("a", -3), "cost must be positive"),
        (("a", 2.5), "whole number"),
        (("a", "100"), "whole number"),
        ((" a", 10), "leading or trailing spaces"),
    ],
)
def test_bad_projects_are_refused(args, message) -> None:
    with pytest.raises(TallyError, match=message):
        Project(*args)


def test_tally_error_is_a_value_error() -> None:
    assert issubclass(TallyError, ValueError)


def test_over_budget_projects_can_be_allowed_and_are_never_funded() -> None:
    e = election(budget=450, allow_over_budget=True)
    for rule in ("greedy", "equal-shares"):
        assert "2" not in count(e, rule, satisfaction=POINTS, tie_break=TIE).funded


def test_project_ids_order_naturally() -> None:
    ids = ["10", "9", "a10", "a9", "b", "09", "BO.1/24", "BO.10/24", "BO.2/24"]
    expected = ["09", "9", "10", "BO.1/24", "BO.2/24", "BO.10/24", "a9", "a10", "b"]
    assert sorted(ids, key=id_order_key) == expected


@pytest.mark.parametrize("rule", ["greedy", "equal-shares"])
def test_outcome_to_dict_is_json_serialisable(rule) -> None:
    outcome = count(election(budget=Fraction(2001, 2)), rule, satisfaction=POINTS, tie_break=TIE)
    data = json.loads(json.dumps(outcome.to_dict()))
    assert data["budget"] == "2001/2"
    assert data["funded"] == outcome.funded
    assert data["cost"] == sum(p.cost for p in PROJECTS if p.id in outcome.funded)
    assert data["scores"] == {"1": 4, "2": 5, "3": 5}
    assert data["voters"] == 3
    assert data["params"]["satisfaction"] == {"kind": "rank-points", "points": [3, 2, 1]}
    assert data["params"]["tie_break"] == "cost-score-id"
    assert all(isinstance(step, dict) and "phase" in step for step in data["steps"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rule": "borda"}, "unknown rule"),
        ({"rule": "greedy", "threshold": -1}, "threshold must be"),
        ({"rule": "equal-shares", "completion": "add2"}, "unknown completion"),
        ({"rule": "equal-shares", "unit": 0}, "unit must be"),
        ({"rule": "equal-shares", "threshold": 5}, "belong to the greedy rule"),
        ({"rule": "equal-shares", "no_skip": True}, "belong to the greedy rule"),
    ],
)
def test_bad_count_arguments_are_refused(kwargs, message) -> None:
    rule = kwargs.pop("rule")
    with pytest.raises(TallyError, match=message):
        count(election(), rule, satisfaction=POINTS, tie_break=TIE, **kwargs)


def test_count_accepts_equal_shares_with_an_underscore() -> None:
    assert count(election(), "equal_shares", satisfaction=POINTS, tie_break=TIE).rule == "equal-shares"
