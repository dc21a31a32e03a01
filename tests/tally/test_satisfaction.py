"""A count is told its satisfaction and tie-break, refuses ones that do not fit, and records both."""
from __future__ import annotations

import importlib
import io
import json

import pytest

from pb.tally import (
    TIE_BREAKS,
    ApprovalPoints,
    Election,
    Project,
    RankPoints,
    TallyError,
    count,
    satisfaction_from_json,
    write_pabulib,
)
from pb.tally.count import profile_of

count_module = importlib.import_module("pb.tally.count")  # the module, which pb.tally.count (the function) hides
TIE = "cost-score-id"
PROJECTS = [Project("a", 60), Project("b", 60)]
# a: 3 first places; b: 2 first places and 3 second places.
BALLOTS = [["a", "b"]] * 3 + [["b"]] * 2


def ranked() -> Election:
    return Election(PROJECTS, 100, BALLOTS, max_length=2)


def approval() -> Election:
    return Election(PROJECTS, 100, BALLOTS, kind="approval")


def test_the_one_tie_break_is_named_and_described() -> None:
    assert TIE_BREAKS == {"cost-score-id": "lower cost first, then higher score, then project id in natural order"}


@pytest.mark.parametrize("missing", ["satisfaction", "tie_break"])
def test_count_needs_both_a_satisfaction_and_a_tie_break(missing: str) -> None:
    given = {"satisfaction": RankPoints((2, 1)), "tie_break": TIE}
    del given[missing]
    with pytest.raises(TypeError, match=missing):
        count(ranked(), "greedy", **given)


@pytest.mark.parametrize("tie_break", ["lottery", "", None, "cost_score_id"])
def test_an_unknown_tie_break_is_refused_and_the_known_ones_listed(tie_break) -> None:
    with pytest.raises(TallyError, match=r"unknown tie-break .*: use 'cost-score-id' \(lower cost first"):
        count(ranked(), "greedy", satisfaction=RankPoints((2, 1)), tie_break=tie_break)


def test_rank_points_on_approval_ballots_are_refused() -> None:
    with pytest.raises(TallyError, match="rank points apply to ordinal ballots only; this election has approval "
                                         r"ballots, so count it with ApprovalPoints\(\)"):
        count(approval(), "equal-shares", satisfaction=RankPoints((2, 1)), tie_break=TIE)


def test_approval_points_on_ranked_ballots_are_refused() -> None:
    with pytest.raises(TallyError, match=r"approval points apply to approval ballots only; this election has "
                                         r"ordinal \(ranked\) ballots, so count it with RankPoints"):
        count(ranked(), "greedy", satisfaction=ApprovalPoints(), tie_break=TIE)


@pytest.mark.parametrize("satisfaction", [[2, 1], (2, 1), "rank-points", None, {"kind": "approval"}])
def test_a_satisfaction_must_be_a_satisfaction_value(satisfaction) -> None:
    with pytest.raises(TallyError, match="satisfaction must be RankPoints or ApprovalPoints"):
        count(ranked(), "greedy", satisfaction=satisfaction, tie_break=TIE)


def test_too_few_points_for_the_ranks_a_ballot_may_have_are_refused() -> None:
    with pytest.raises(TallyError, match="points gives 2 values but ballots may have 3 ranks"):
        count(Election(PROJECTS + [Project("c", 10)], 100, BALLOTS), "greedy", satisfaction=RankPoints((2, 1)),
              tie_break=TIE)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ((1, 2, 3), "must not increase down the ranking"),
        ((3, 0, 0), "positive whole numbers, got 0 for rank 2"),
        ((3, -1), "positive whole numbers"),
        ((3, 2.0), "positive whole numbers, got 2.0"),
        ((True,), "positive whole numbers"),
        ((), "at least one value"),
        ("321", "a sequence of whole numbers"),
        (3, "a sequence of whole numbers"),
    ],
)
def test_bad_rank_points_are_refused(points, message) -> None:
    with pytest.raises(TallyError, match=message):
        RankPoints(points)


def test_rank_points_are_kept_as_a_tuple_and_descending_counts_down_to_one() -> None:
    assert RankPoints([3, 2, 1]) == RankPoints((3, 2, 1)) == RankPoints.descending(3)
    assert RankPoints([3, 2, 1]).points == (3, 2, 1)
    assert hash(RankPoints([5, 1])) == hash(RankPoints((5, 1)))
    assert RankPoints.descending(1).points == (1,)
    with pytest.raises(TallyError, match="ranks must be a whole number >= 1"):
        RankPoints.descending(0)


@pytest.mark.parametrize("satisfaction", [RankPoints((3, 2, 1)), RankPoints((5, 5, 1, 1)), ApprovalPoints()])
def test_json_round_trip(satisfaction) -> None:
    data = json.loads(json.dumps(satisfaction.to_json()))
    assert satisfaction_from_json(data) == satisfaction


def test_json_forms() -> None:
    assert RankPoints((3, 2, 1)).to_json() == {"kind": "rank-points", "points": [3, 2, 1]}
    assert ApprovalPoints().to_json() == {"kind": "approval"}


@pytest.mark.parametrize(
    "data",
    [
        None,
        [3, 2, 1],
        "approval",
        {},
        {"kind": "borda"},
        {"kind": "rank-points"},
        {"kind": "rank-points", "points": "321"},
        {"kind": "rank-points", "points": [3, 2], "extra": 1},
        {"kind": "approval", "points": [1]},
    ],
)
def test_anything_else_is_not_a_satisfaction(data) -> None:
    with pytest.raises(TallyError):
        satisfaction_from_json(data)


def test_json_with_bad_points_is_refused_as_rank_points_are() -> None:
    with pytest.raises(TallyError, match="must not increase"):
        satisfaction_from_json({"kind": "rank-points", "points": [1, 2]})


@pytest.mark.parametrize(
    ("rule", "options"),
    [
        ("greedy", {}),
        ("greedy", {"threshold": 2, "no_skip": True}),
        ("equal-shares", {"completion": "none"}),
        ("equal-shares", {"completion": "add1"}),
        ("equal-shares", {"completion": "add1u"}),
    ],
)
@pytest.mark.parametrize(("election", "satisfaction"), [(ranked, RankPoints((2, 1))), (approval, ApprovalPoints())])
def test_every_outcome_records_its_satisfaction_and_tie_break(rule, options, election, satisfaction) -> None:
    outcome = count(election(), rule, satisfaction=satisfaction, tie_break=TIE, **options)
    assert outcome.params["satisfaction"] == satisfaction.to_json()
    assert outcome.params["tie_break"] == TIE
    data = json.loads(json.dumps(outcome.to_dict()))
    assert data["params"]["tie_break"] == TIE
    assert satisfaction_from_json(data["params"]["satisfaction"]) == satisfaction


def test_two_points_schemes_give_different_scores_and_outcomes() -> None:
    election = ranked()
    two_one = count(election, "greedy", satisfaction=RankPoints((2, 1)), tie_break=TIE)
    five_one = count(election, "greedy", satisfaction=RankPoints((5, 1)), tie_break=TIE)
    assert two_one.scores == {"a": 6, "b": 7} and two_one.funded == ["b"]
    assert five_one.scores == {"a": 15, "b": 13} and five_one.funded == ["a"]
    # Counting again with the first scheme is not disturbed by the second.
    assert count(election, "greedy", satisfaction=RankPoints((2, 1)), tie_break=TIE).scores == two_one.scores
    assert election.scores(RankPoints((5, 1))) == five_one.scores


def test_the_profile_is_built_once_per_satisfaction_and_tie_break(monkeypatch) -> None:
    built = []
    original = count_module.build_profile

    def recording(election, satisfaction, tie_break):
        built.append(satisfaction)
        return original(election, satisfaction, tie_break)

    monkeypatch.setattr(count_module, "build_profile", recording)
    election = ranked()
    for rule in ("greedy", "equal-shares"):
        count(election, rule, satisfaction=RankPoints((2, 1)), tie_break=TIE)
    assert built == [RankPoints((2, 1))]
    count(election, "equal-shares", satisfaction=RankPoints((5, 1)), tie_break=TIE)
    count(election, "greedy", satisfaction=RankPoints([5, 1]), tie_break=TIE)  # an equal scheme shares it
    assert built == [RankPoints((2, 1)), RankPoints((5, 1))]
    first, second = profile_of(election, RankPoints((2, 1)), TIE), profile_of(election, RankPoints((5, 1)), TIE)
    assert first is not second
    assert (first.scores, second.scores) == ([6, 7], [15, 13])
    assert (first.satisfaction, second.satisfaction, first.tie_break) == (RankPoints((2, 1)), RankPoints((5, 1)), TIE)


def test_a_refused_satisfaction_leaves_nothing_cached() -> None:
    election = approval()
    with pytest.raises(TallyError):
        count(election, "greedy", satisfaction=RankPoints((2, 1)), tie_break=TIE)
    assert not election.__dict__.get("_profiles")
    assert count(election, "greedy", satisfaction=ApprovalPoints(), tie_break=TIE).scores == {"a": 3, "b": 5}


def test_an_election_carries_no_points() -> None:
    with pytest.raises(TypeError, match="points"):
        Election(PROJECTS, 100, BALLOTS, points=[2, 1])
    assert not hasattr(ranked(), "rank_points")


def test_the_writer_refuses_a_satisfaction_other_than_the_outcomes() -> None:
    election = ranked()
    outcome = count(election, "greedy", satisfaction=RankPoints((2, 1)), tie_break=TIE)
    with pytest.raises(TallyError, match="counted with satisfaction"):
        write_pabulib(election, io.StringIO(), satisfaction=RankPoints((5, 1)), outcome=outcome)
    with pytest.raises(TallyError, match="approval ballots only"):
        write_pabulib(election, io.StringIO(), satisfaction=ApprovalPoints())
    out = io.StringIO()
    write_pabulib(election, out, satisfaction=RankPoints((2, 1)), outcome=outcome)
    assert "voter_id;vote\n" in out.getvalue()  # k..1 needs no points column
    out = io.StringIO()
    write_pabulib(election, out, satisfaction=RankPoints((5, 1)))
    assert "voter_id;vote;points\n1;a,b;5,1\n" in out.getvalue()
