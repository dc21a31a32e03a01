"""Properties every count must have, on elections hypothesis makes up."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generate import TIE_BREAK, k_to_1

from pb.tally import Election, Project, count

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RULES = [
    ("greedy", {}),
    ("greedy", {"threshold": 2}),
    ("greedy", {"no_skip": True}),
    ("equal-shares", {"completion": "none"}),
    ("equal-shares", {"completion": "add1"}),
    ("equal-shares", {"completion": "add1u"}),
]


@st.composite
def elections(draw) -> Election:
    kind = draw(st.sampled_from(["ordinal", "approval"]))
    m = draw(st.integers(2, 8))
    ids = [f"p{i}" for i in range(m)]
    costs = draw(st.lists(st.integers(1, 60), min_size=m, max_size=m))
    budget = draw(st.integers(max(costs), max(max(costs), sum(costs))))
    max_length = draw(st.integers(1, m)) if kind == "ordinal" else None
    longest = max_length or m
    ballot = st.lists(st.sampled_from(ids[:-1]), min_size=1, max_size=longest, unique=True)  # last: unsupported
    ballots = draw(st.lists(ballot, min_size=1, max_size=25))
    return Election([Project(pid, cost) for pid, cost in zip(ids, costs)], budget, ballots, kind=kind,
                    max_length=max_length)


@SETTINGS
@given(elections())
def test_never_over_budget_and_never_funds_the_unsupported(election: Election) -> None:
    points = k_to_1(election)
    scores = election.scores(points)
    for rule, options in RULES:
        outcome = count(election, rule, satisfaction=points, tie_break=TIE_BREAK, **options)
        assert outcome.cost <= election.budget
        assert outcome.cost == sum(p.cost for p in election.projects if p.id in outcome.funded)
        assert len(set(outcome.funded)) == len(outcome.funded)
        assert all(scores[pid] > 0 for pid in outcome.funded)


@SETTINGS
@given(elections())
def test_add1u_never_spends_less_than_add1(election: Election) -> None:
    points = k_to_1(election)
    add1 = count(election, "equal-shares", satisfaction=points, tie_break=TIE_BREAK, completion="add1")
    add1u = count(election, "equal-shares", satisfaction=points, tie_break=TIE_BREAK, completion="add1u")
    assert add1u.cost >= add1.cost
    assert add1u.funded[: len(add1.funded)] == add1.funded


@SETTINGS
@given(elections(), st.randoms(use_true_random=False))
def test_ballot_order_does_not_matter(election: Election, random) -> None:
    shuffled = list(election.ballots)
    random.shuffle(shuffled)
    other = Election(election.projects, election.budget, shuffled, kind=election.kind, max_length=election.max_length)
    points = k_to_1(election)
    for rule, options in RULES:
        a = count(election, rule, satisfaction=points, tie_break=TIE_BREAK, **options)
        b = count(other, rule, satisfaction=points, tie_break=TIE_BREAK, **options)
        assert (a.funded, a.steps) == (b.funded, b.steps)


@SETTINGS
@given(elections())
def test_greedy_steps_account_for_every_project_and_the_money(election: Election) -> None:
    outcome = count(election, "greedy", satisfaction=k_to_1(election), tie_break=TIE_BREAK)
    assert sorted(s["project"] for s in outcome.steps) == sorted(p.id for p in election.projects)
    money = election.budget
    for step in outcome.steps:
        if step["decision"] == "funded":
            money -= step["cost"]
        elif step["reason"] == "not_enough_money":
            assert step["cost"] > step["money_left_before"] == money
        assert step["money_left"] == money
    assert money == election.budget - outcome.cost


@SETTINGS
@given(elections())
def test_equal_shares_steps_explain_every_project(election: Election) -> None:
    points = k_to_1(election)
    for completion in ("none", "add1", "add1u"):
        outcome = count(election, "equal-shares", satisfaction=points, tie_break=TIE_BREAK, completion=completion)
        mes = [s for s in outcome.steps if s["phase"] == "mes"]
        assert sorted(s["project"] for s in mes) == sorted(p.id for p in election.projects)
        funded_by_mes = [s["project"] for s in mes if s["decision"] == "funded"]
        fill = [s["project"] for s in outcome.steps if s["phase"] == "fill" and s["decision"] == "funded"]
        assert outcome.funded == funded_by_mes + fill
        assert [s["round"] for s in mes if s["decision"] == "funded"] == list(range(1, len(funded_by_mes) + 1))
        assert sum(s["phase"] == "add1" for s in outcome.steps) == (completion != "none")
