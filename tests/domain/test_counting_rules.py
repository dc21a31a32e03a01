import pytest

from pb.domain import counting_rules as cr
from pb.tally import COMPLETIONS, RULES, TIE_BREAKS, Election, Project, RankPoints, count


def test_rule_names_are_the_ones_pb_tally_counts():
    assert set(cr.COUNTING_RULES) == set(RULES) == {"greedy", "equal-shares"}
    assert set(cr.COMPLETIONS) == set(COMPLETIONS) == {"none", "add1", "add1u"}
    assert set(cr.RULE_LABELS) == set(RULES)
    assert set(cr.COMPLETION_LABELS) == set(COMPLETIONS)


def test_tie_break_is_one_pb_tally_knows():
    assert cr.TIE_BREAK == "cost-score-id"
    assert cr.TIE_BREAK in TIE_BREAKS
    assert cr.ADD1_UNIT_PENCE == 100


def test_greedy_label():
    assert cr.rule_label("greedy") == "Most votes first (greedy)"
    assert cr.rule_label("greedy", {"threshold": 0}) == "Most votes first (greedy)"
    assert cr.rule_label("greedy", {"threshold": None}) == "Most votes first (greedy)"
    assert cr.rule_label("greedy", {"threshold": 25}) == "Most votes first (greedy), minimum score 25"


@pytest.mark.parametrize("completion, label", [
    ("none", "Method of Equal Shares (no completion)"),
    ("add1", "Method of Equal Shares (shares raised £1 at a time)"),
    ("add1u", "Method of Equal Shares (shares raised £1 at a time, then money left over given by score)"),
])
def test_equal_shares_label_per_completion(completion, label):
    assert cr.rule_label("equal-shares", {"completion": completion, "unit": 100}) == label


def test_equal_shares_label_defaults_to_add1u():
    assert cr.rule_label("equal-shares") == (
        "Method of Equal Shares (shares raised £1 at a time, then money left over given by score)")


def test_rule_options_for_the_rounds_own_rule():
    assert cr.rule_options("greedy", "add1u", 40) == ("greedy", {"threshold": 40})
    assert cr.rule_options("greedy", "add1u", None) == ("greedy", {"threshold": 0})
    assert cr.rule_options("equal-shares", "add1", None) == ("equal-shares", {"completion": "add1", "unit": 100})
    assert cr.rule_options("equal-shares", "none", None, rule="equal-shares") == (
        "equal-shares", {"completion": "none", "unit": 100})
    assert cr.rule_options("equal-shares", None, None) == ("equal-shares", {"completion": "add1u", "unit": 100})


def test_rule_options_for_the_other_rule():
    # Equal shares compared with a greedy round: add1u, not the round's completion.
    assert cr.rule_options("greedy", "none", 40, rule="equal-shares") == (
        "equal-shares", {"completion": "add1u", "unit": 100})
    # Greedy compared with an equal-shares round keeps only its threshold.
    assert cr.rule_options("equal-shares", "add1", 40, rule="greedy") == ("greedy", {"threshold": 40})
    assert cr.rule_options("equal-shares", "add1", None, rule="greedy") == ("greedy", {"threshold": 0})


@pytest.mark.parametrize("args, funded", [
    (("greedy", "add1u", 2, None), ["1"]),  # project 3 scores 1, below the threshold
    (("greedy", "add1u", None, None), ["1", "3"]),
    (("greedy", "none", None, "equal-shares"), ["1", "3"]),  # add1u fills with project 3
    (("equal-shares", "add1", None, None), ["1"]),
    (("equal-shares", "none", 3, "greedy"), ["1"]),
])
def test_rule_options_are_accepted_by_pb_tally(args, funded):
    election = Election(projects=[Project("1", 600_00), Project("2", 500_00), Project("3", 300_00)],
                        budget=1000_00, ballots=[["1", "2"], ["1", "3"], ["2"]], max_length=2)
    rule, params = cr.rule_options(*args)
    outcome = count(election, rule, satisfaction=RankPoints.descending(2), tie_break=cr.TIE_BREAK, **params)
    assert outcome.rule == rule
    assert outcome.params["tie_break"] == "cost-score-id"
    assert all(outcome.params[name] == value for name, value in params.items())
    assert outcome.funded == funded
