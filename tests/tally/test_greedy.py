"""Greedy counting, worked by hand."""
from __future__ import annotations

from fractions import Fraction

from pb.tally import ApprovalPoints, Election, Project, RankPoints, count

# Kraków-style ranked ballots with 3-2-1 points.
PROJECTS = [Project("1", 400), Project("2", 300), Project("3", 500), Project("4", 100), Project("5", 50)]
BALLOTS = [
    ["1", "2", "3"],  # 1: 3, 2: 2, 3: 1
    ["1", "3", "2"],  # 1: 3, 3: 2, 2: 1
    ["3", "1"],  # 3: 3, 1: 2
    ["2", "4"],  # 2: 3, 4: 2
]
# Scores: 1 = 8, 3 = 6, 2 = 6, 4 = 2, 5 = 0.
POINTS = RankPoints((3, 2, 1))
APPROVAL = ApprovalPoints()
TIE = "cost-score-id"


def election(budget=1000) -> Election:
    return Election(PROJECTS, budget, BALLOTS, max_length=3)


def test_funds_by_score_and_skips_what_does_not_fit() -> None:
    outcome = count(election(), "greedy", satisfaction=POINTS, tie_break=TIE)
    # 1 (8 points, 400) fits; 2 and 3 tie on 6 points: the cheaper, 2 (300), goes first and fits;
    # 3 (500) does not fit in 300; 4 (100) does. 5 has no support.
    assert outcome.funded == ["1", "2", "4"]
    assert outcome.cost == 800
    assert outcome.scores == {"1": 8, "2": 6, "3": 6, "4": 2, "5": 0}
    assert outcome.steps == [
        {"phase": "greedy", "project": "1", "score": 8, "cost": 400, "money_left": 600, "decision": "funded", "reason": None},
        {"phase": "greedy", "project": "2", "score": 6, "cost": 300, "money_left": 300, "decision": "funded", "reason": None},
        {"phase": "greedy", "project": "3", "score": 6, "cost": 500, "money_left_before": 300, "money_left": 300,
         "decision": "skipped", "reason": "not_enough_money"},
        {"phase": "greedy", "project": "4", "score": 2, "cost": 100, "money_left": 200, "decision": "funded", "reason": None},
        {"phase": "greedy", "project": "5", "score": 0, "cost": 50, "money_left": 200, "decision": "skipped",
         "reason": "no_support"},
    ]


def test_a_project_with_no_support_is_never_funded_even_when_money_is_left() -> None:
    assert "5" not in count(election(budget=5000), "greedy", satisfaction=POINTS, tie_break=TIE).funded


def test_threshold_leaves_low_scores_unfunded() -> None:
    outcome = count(election(budget=5000), "greedy", satisfaction=POINTS, tie_break=TIE, threshold=6)
    assert outcome.funded == ["1", "2", "3"]
    reasons = {s["project"]: s["reason"] for s in outcome.steps}
    assert reasons["4"] == "below_threshold"
    assert reasons["5"] == "no_support"
    assert outcome.params == {
        "satisfaction": {"kind": "rank-points", "points": [3, 2, 1]}, "tie_break": "cost-score-id",
        "threshold": 6, "no_skip": False,
    }


def test_no_skip_stops_at_the_first_project_that_does_not_fit() -> None:
    outcome = count(election(), "greedy", satisfaction=POINTS, tie_break=TIE, no_skip=True)
    assert outcome.funded == ["1", "2"]
    reasons = [(s["project"], s["reason"]) for s in outcome.steps]
    assert reasons == [("1", None), ("2", None), ("3", "not_enough_money"), ("4", "stopped_no_skip"), ("5", "no_support")]


def test_ties_go_to_the_cheaper_project_then_the_lower_id_in_natural_order() -> None:
    projects = [Project("10", 100), Project("9", 100), Project("2", 150), Project("1", 150)]
    ballots = [["10"], ["9"], ["2"], ["1"]]
    e = Election(projects, 300, ballots, kind="approval")
    outcome = count(e, "greedy", satisfaction=APPROVAL, tie_break=TIE)
    # All score 1: cost 100 before 150; "9" before "10"; then "1" before "2" (only 100 left for them).
    assert [s["project"] for s in outcome.steps] == ["9", "10", "1", "2"]
    assert outcome.funded == ["9", "10"]


def test_fractional_budget_is_exact() -> None:
    projects = [Project("a", 50), Project("b", 50)]
    e = Election(projects, Fraction(199, 2), [["a"], ["b"], ["a"]], kind="approval")
    outcome = count(e, "greedy", satisfaction=APPROVAL, tie_break=TIE)
    assert outcome.funded == ["a"]
    assert outcome.steps[1]["money_left_before"] == "99/2"
    assert outcome.to_dict()["money_left"] == "99/2"


def test_approval_scores_count_supporters_and_weights() -> None:
    projects = [Project("a", 60), Project("b", 60)]
    e = Election(projects, 100, [["a"], ["b"]], kind="approval", weights=[2, 3])
    outcome = count(e, "greedy", satisfaction=APPROVAL, tie_break=TIE)
    assert outcome.scores == {"a": 2, "b": 3}
    assert outcome.funded == ["b"]
    assert outcome.voters == 5
