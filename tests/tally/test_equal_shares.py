"""The Method of Equal Shares and its completions, worked by hand."""
from __future__ import annotations

import random

import pytest

from pb.tally import ApprovalPoints, Election, Project, RankPoints, count
from pb.tally import equal_shares as mes_module

APPROVAL = ApprovalPoints()
RANKED = RankPoints((2, 1))
POINTS = RankPoints((3, 2, 1))
TIE = "cost-score-id"


def approval(projects: dict[str, int], budget, ballots) -> Election:
    return Election([Project(pid, cost) for pid, cost in projects.items()], budget, ballots, kind="approval")


def test_each_round_funds_the_lowest_price_per_utility() -> None:
    # 6 voters, 1000 to share: 1000/6 each. A: 4 supporters pay 150 each (rho 1/4);
    # B: 3 supporters would pay 400/3 (rho 1/3); C: 2 pay 150 (rho 1/2).
    # A first; B's supporters are left with 50 between them; C is funded by its 2 supporters.
    e = approval({"A": 600, "B": 400, "C": 300}, 1000, [["A", "B"]] * 3 + [["C"]] * 2 + [["A"]])
    outcome = count(e, "equal-shares", satisfaction=APPROVAL, tie_break=TIE, completion="none")
    assert outcome.funded == ["A", "C"]
    mes_steps = [s for s in outcome.steps if s["phase"] == "mes"]
    assert mes_steps[0] == {
        "phase": "mes", "round": 1, "project": "A", "score": 4, "cost": 600, "rho": "1/4", "rho_float": 0.25,
        "price_per_point_float": 150.0, "paid": 600, "supporters": 4, "paid_everything": 0, "money_left": 400,
        "decision": "funded", "reason": None,
    }
    assert mes_steps[1]["project"] == "C" and mes_steps[1]["rho"] == "1/2" and mes_steps[1]["money_left"] == 100
    assert mes_steps[2] == {
        "phase": "mes", "project": "B", "score": 3, "cost": 400, "decision": "skipped",
        "reason": "supporters_cannot_afford", "supporters": 3, "supporters_money_left": 50,
    }
    assert outcome.params["per_voter_budget"] == "500/3"


def test_ranked_utility_is_points_times_cost() -> None:
    # Two voters, 100 to share (50 each); points 2-1. X: v1 ranks it first (2 points), v2 second (1 point).
    # At q per point v1 owes 2q and v2 owes q: 3q = 90 gives q = 30, but v1 has only 50, so v1 pays 50
    # and v2 pays q = 40. rho = q / cost = 4/9, below Y's 1/2 (v2 alone at 2 points: q = 5 of 10).
    e = Election([Project("X", 90), Project("Y", 10)], 100, [["X"], ["Y", "X"]])
    outcome = count(e, "equal-shares", satisfaction=RANKED, tie_break=TIE, completion="none")
    assert outcome.funded == ["X", "Y"]
    step = outcome.steps[0]
    assert (step["project"], step["rho"], step["paid_everything"], step["supporters"]) == ("X", "4/9", 1, 2)
    assert outcome.steps[1]["rho"] == "1/2"


def test_add1_raises_shares_until_the_budget_is_exhausted() -> None:
    # 4 voters, 1000 (250 each). P2 is funded at once; P1's 2 supporters need 300 each.
    # add1 raises everyone's share 1 unit at a time: at 300 both fit (cost 900), nothing else is left.
    e = approval({"P1": 600, "P2": 300}, 1000, [["P1"], ["P1"], ["P2"], ["P2"]])
    assert count(e, "equal-shares", satisfaction=APPROVAL, tie_break=TIE, completion="none").funded == ["P2"]
    outcome = count(e, "equal-shares", satisfaction=APPROVAL, tie_break=TIE, completion="add1")
    # At 300 each both projects have rho 1/2: the tie goes to the cheaper P2.
    assert outcome.funded == ["P2", "P1"]
    add1 = outcome.steps[0]
    assert add1 == {
        "phase": "add1", "per_voter_budget": "300/1", "per_voter_budget_float": 300.0, "start_per_voter_budget": "250/1",
        "unit": 1, "increments": 50, "stopped": "exhausted", "next_cost": None,
    }


def test_add1_unit_lets_the_app_step_by_a_pound_while_counting_pence() -> None:
    e = approval({"P1": 60000, "P2": 30000}, 100000, [["P1"], ["P1"], ["P2"], ["P2"]])
    outcome = count(e, "equal-shares", satisfaction=APPROVAL, tie_break=TIE, completion="add1", unit=100)
    assert outcome.funded == ["P2", "P1"]
    assert outcome.steps[0]["increments"] == 50
    assert outcome.steps[0]["per_voter_budget"] == "30000/1"
    # 25000 + 8 x 700 = 30600
    coarse = count(e, "equal-shares", satisfaction=APPROVAL, tie_break=TIE, completion="add1", unit=700)
    assert coarse.steps[0]["increments"] == 8 and coarse.funded == ["P2", "P1"]


def test_add1_keeps_the_last_outcome_within_budget_and_add1u_fills_by_score() -> None:
    # Two voters, 100 (50 each). P3 (30, both) is funded; P1 and P2 (60, one supporter each) need 75 each
    # after P3, and at 75 both would be funded: 150 > 100, so add1 keeps the outcome at 74: just P3.
    e = approval({"P1": 60, "P2": 60, "P3": 30}, 100, [["P1", "P3"], ["P2", "P3"]])
    add1 = count(e, "equal-shares", satisfaction=APPROVAL, tie_break=TIE, completion="add1")
    assert add1.funded == ["P3"]
    assert add1.steps[0]["increments"] == 24
    assert add1.steps[0]["stopped"] == "next_over_budget"
    assert add1.steps[0]["next_cost"] == 150
    add1u = count(e, "equal-shares", satisfaction=APPROVAL, tie_break=TIE, completion="add1u")
    # The fill: P1 and P2 tie on score and cost; P1 has the lower id and fits in 70; P2 then does not.
    assert add1u.funded == ["P3", "P1"]
    fill = [s for s in add1u.steps if s["phase"] == "fill"]
    assert fill == [
        {"phase": "fill", "project": "P1", "score": 1, "cost": 60, "money_left": 10, "decision": "funded", "reason": None},
        {"phase": "fill", "project": "P2", "score": 1, "cost": 60, "money_left_before": 10, "money_left": 10,
         "decision": "skipped", "reason": "not_enough_money"},
    ]


def test_unsupported_projects_are_not_waited_for_by_add1() -> None:
    # Z fits in what is left but nobody wants it: add1 must not keep raising shares for it.
    e = approval({"A": 50, "Z": 10}, 100, [["A"], ["A"]])
    outcome = count(e, "equal-shares", satisfaction=APPROVAL, tie_break=TIE, completion="add1u")
    assert outcome.funded == ["A"]
    assert outcome.steps[0]["increments"] == 0
    assert {"phase": "mes", "project": "Z", "score": 0, "cost": 10, "decision": "skipped", "reason": "no_support",
            "supporters": 0} in outcome.steps
    assert not [s for s in outcome.steps if s["phase"] == "fill" and s["decision"] == "funded"]


def test_equal_prices_go_to_the_cheaper_project_then_higher_score_then_lower_id() -> None:
    # Each voter holds 10. "b" and "a" cost 10 with one supporter each (rho 1); "c" costs 20 with two (rho 1/2).
    e = approval({"b": 10, "a": 10, "c": 20}, 40, [["b"], ["a"], ["c"], ["c"]])
    assert count(e, "equal-shares", satisfaction=APPROVAL, tie_break=TIE, completion="none").funded == ["c", "a", "b"]
    # 8 voters with 10 each. w (40, voters 5-8, rho 1/4) goes first and empties its supporters.
    # Then u (20; voters 3, 4) and v (20; voters 1, 2 and the now penniless 5) both cost 10 a head:
    # rho 1/2 each, same cost; v has the higher score (3 to 2), so v goes before u despite its id.
    ballots = [["v"], ["v"], ["u"], ["u"], ["w", "v"], ["w"], ["w"], ["w"]]
    e2 = approval({"u": 20, "v": 20, "w": 40}, 80, ballots)
    outcome = count(e2, "equal-shares", satisfaction=APPROVAL, tie_break=TIE, completion="none")
    assert outcome.funded == ["w", "v", "u"]
    assert [s["rho"] for s in outcome.steps if s["decision"] == "funded"] == ["1/4", "1/2", "1/2"]


def test_ties_are_decided_exactly_even_when_floats_disagree() -> None:
    # Both prices are exactly 1/11 per unit of utility; in floats the dearer p looks cheaper.
    assert (3 / 11) / 3 < (2 / 11) / 2
    e = approval({"p": 3, "q": 2}, 44, [["p"]] * 11 + [["q"]] * 11)
    outcome = count(e, "equal-shares", satisfaction=APPROVAL, tie_break=TIE, completion="none")
    assert outcome.funded == ["q", "p"]  # the tie goes to the cheaper project
    assert [s["rho"] for s in outcome.steps if s["decision"] == "funded"] == ["1/11", "1/11"]


def test_default_completion_is_add1u() -> None:
    e = approval({"P1": 60, "P2": 60, "P3": 30}, 100, [["P1", "P3"], ["P2", "P3"]])
    assert count(e, "equal-shares", satisfaction=APPROVAL, tie_break=TIE).params["completion"] == "add1u"


@pytest.mark.parametrize("seed", range(40))
def test_exact_paths_agree_with_the_fast_paths(seed, monkeypatch) -> None:
    """With a huge tolerance every decision is re-taken exactly; outcomes must not change."""
    from generate import k_to_1, random_election

    e = random_election(seed, max_projects=15, max_voters=80)
    unit = max(1, int(e.budget) // (e.voters * 10))
    points = k_to_1(e)
    fast = [count(e, "equal-shares", satisfaction=points, tie_break=TIE, completion=c, unit=unit).funded
            for c in ("none", "add1")]
    monkeypatch.setattr(mes_module, "REL_TOL", 0.05)
    fresh = Election(e.projects, e.budget, e.ballots, kind=e.kind, max_length=e.max_length)
    slow = [count(fresh, "equal-shares", satisfaction=points, tie_break=TIE, completion=c, unit=unit).funded
            for c in ("none", "add1")]
    assert fast == slow


def test_weights_are_the_same_as_repeated_ballots() -> None:
    rng = random.Random(7)
    ids = [str(i) for i in range(8)]
    projects = [Project(pid, rng.randint(10, 60)) for pid in ids]
    distinct = [rng.sample(ids, 3) for _ in range(6)]
    weights = [rng.randint(1, 5) for _ in distinct]
    repeated = [ballot for ballot, w in zip(distinct, weights) for _ in range(w)]
    grouped = Election(projects, 150, distinct, weights=weights, max_length=3)
    plain = Election(projects, 150, repeated, max_length=3)
    for completion in ("none", "add1", "add1u"):
        a = count(grouped, "equal-shares", satisfaction=POINTS, tie_break=TIE, completion=completion)
        b = count(plain, "equal-shares", satisfaction=POINTS, tie_break=TIE, completion=completion)
        assert (a.funded, a.steps) == (b.funded, b.steps)


@pytest.mark.parametrize("seed", range(25))
def test_exact_price_from_float_boundaries_equals_the_price_from_every_voters_exact_money(seed, monkeypatch) -> None:
    """Each round's exact price, taken from the float split plus exact checks near the boundary, must equal
    the price worked out from every supporter's exact money."""
    from generate import k_to_1, random_election

    checked = []
    original = mes_module.EqualShares._exact_price

    def both(self, offer):
        fast = original(self, offer)
        slow = self._exact_price_slowly(offer)
        assert fast[0] == slow[0]
        assert (fast[1] == slow[1]).all()
        checked.append(fast[0])
        return fast

    monkeypatch.setattr(mes_module.EqualShares, "_exact_price", both)
    e = random_election(seed, max_projects=12, max_voters=60, ties=seed % 2 == 0)
    unit = max(1, int(e.budget) // (e.voters * 5))
    count(e, "equal-shares", satisfaction=k_to_1(e), tie_break=TIE, completion="add1", unit=unit)
    assert checked
