from datetime import date
from types import SimpleNamespace

import pytest

from pb.domain import round_settings as rs
from pb.domain.errors import ValidationFailed
from pb.domain.phases import Phase


def valid(**changes):
    values = {
        "title": "  Connect   Hackney\t2026 ",
        "description": "Line one\r\nLine two\n",
        "area_name": " London  Borough of Hackney ",
        "budget_pence": 5_000_000,
        "min_age": 50,
        "age_reference_date": date(2026, 6, 1),
        "accepted_postcodes": "e8\nE8\ne81ab, E8 1AB\n n16 ",
        "review_postcodes": " n1 \n",
        "min_ranks": 1,
        "max_ranks": 3,
        "points_scheme": "3, 2, 1",
        "counting_rule": "equal-shares",
        "completion": "add1",
        "score_threshold": None,
        "categories": "Arts  and culture\nLearning\n\nArts and culture\n",
        "min_project_cost_pence": 50_000,
        "max_project_cost_pence": 1_000_000,
        "paper_double_entry": 1,
        "proposals_open_on": date(2026, 1, 5),
        "proposals_close_on": date(2026, 2, 5),
        "voting_open_on": date(2026, 3, 1),
        "voting_close_on": date(2026, 3, 31),
        "results_on": date(2026, 4, 15),
    }
    values.update(changes)
    return values


def refusal(**changes):
    with pytest.raises(ValidationFailed) as caught:
        rs.clean_values(valid(**changes))
    return caught.value


def round_in(phase):
    # Round stores the phase as text and Round.phase_enum is Phase(self.phase).
    return SimpleNamespace(phase=str(phase), phase_enum=Phase(str(phase)))


# ---- a full valid set ---------------------------------------------------------------------------


def test_full_valid_set_is_normalised():
    out = rs.clean_values(valid())
    assert out == {
        "title": "Connect Hackney 2026",
        "description": "Line one\nLine two",
        "area_name": "London Borough of Hackney",
        "budget_pence": 5_000_000,
        "min_age": 50,
        "age_reference_date": date(2026, 6, 1),
        "accepted_postcodes": "E8\nE8 1AB\nN16",
        "review_postcodes": "N1",
        "min_ranks": 1,
        "max_ranks": 3,
        "points_scheme": "3,2,1",
        "counting_rule": "equal-shares",
        "completion": "add1",
        "score_threshold": None,
        "categories": "Arts and culture\nLearning",
        "min_project_cost_pence": 50_000,
        "max_project_cost_pence": 1_000_000,
        "paper_double_entry": True,
        "verified_only": True,
        "ballot_order": "random",
        "proposals_open_on": date(2026, 1, 5),
        "proposals_close_on": date(2026, 2, 5),
        "voting_open_on": date(2026, 3, 1),
        "voting_close_on": date(2026, 3, 31),
        "results_on": date(2026, 4, 15),
    }
    assert tuple(out) == rs.ROUND_FIELDS


@pytest.mark.parametrize("given, stored", [(None, True), (True, True), (False, False), (0, False)])
def test_who_may_vote_is_verified_residents_only_unless_staff_choose_otherwise(given, stored):
    assert rs.clean_values(valid(verified_only=given))["verified_only"] is stored


def test_who_may_vote_locks_when_voting_opens():
    assert "verified_only" in rs.locked_fields(round_in(Phase.VOTING_OPEN))
    assert "verified_only" not in rs.locked_fields(round_in(Phase.PROPOSALS_CLOSED))


def test_defaults_for_empty_optional_values():
    out = rs.clean_values(valid(
        description=None, area_name=None, review_postcodes=None, points_scheme="  ",
        counting_rule=None, completion=None, min_project_cost_pence=None, max_project_cost_pence=None,
        paper_double_entry=None, proposals_open_on=None, proposals_close_on=None, voting_open_on=None,
        voting_close_on=None, results_on=None,
    ))
    assert out["description"] == ""
    assert out["area_name"] == ""
    assert out["review_postcodes"] == ""
    assert out["points_scheme"] == ""
    assert out["counting_rule"] == "greedy"
    assert out["completion"] == "add1u"
    assert out["min_project_cost_pence"] is None and out["max_project_cost_pence"] is None
    assert out["paper_double_entry"] is False
    assert [out[name] for name in rs.PLANNED_DATES] == [None] * 5


def test_equal_points_and_edge_values_are_accepted():
    out = rs.clean_values(valid(points_scheme="5,5,1", min_age=0, min_ranks=3, max_ranks=3, score_threshold=1,
                                budget_pence=rs.MAX_BUDGET_PENCE, counting_rule="greedy", completion="none"))
    assert out["points_scheme"] == "5,5,1"
    assert out["min_age"] == 0
    assert out["score_threshold"] == 1
    assert out["budget_pence"] == rs.MAX_BUDGET_PENCE
    assert rs.clean_values(valid(min_age=120))["min_age"] == 120
    assert rs.clean_values(valid(min_ranks=10, max_ranks=10, points_scheme=""))["max_ranks"] == 10


# ---- refusals -------------------------------------------------------------------------------------


def test_budget_zero():
    exc = refusal(budget_pence=0)
    assert exc.errors == {"budget_pence": "The budget must be more than £0. Enter it in pounds, for example £50,000"}
    assert exc.message == exc.errors["budget_pence"]


def test_budget_too_large():
    exc = refusal(budget_pence=rs.MAX_BUDGET_PENCE + 1)
    assert exc.errors == {"budget_pence": "The budget must be £100,000,000 or less"}


@pytest.mark.parametrize("budget", ["50000", 500.0, None, True])
def test_budget_not_an_int(budget):
    exc = refusal(budget_pence=budget, max_project_cost_pence=None)
    assert exc.errors == {"budget_pence": "Enter the budget in pounds, for example £50,000"}


@pytest.mark.parametrize("age", [-1, 121, "50", None, False])
def test_min_age_out_of_range(age):
    exc = refusal(min_age=age)
    assert exc.errors == {"min_age": "Enter a minimum age between 0 and 120, for example 50"}


def test_age_reference_date_must_be_a_date():
    exc = refusal(age_reference_date="2026-06-01")
    assert exc.errors == {"age_reference_date": "Enter the date on which age is worked out, for example 1 6 2026"}


def test_title_empty_and_too_long():
    assert refusal(title=" \t ").errors == {
        "title": "Enter a title for the round, for example Connect Hackney 2026"}
    assert refusal(title="x" * 121).errors == {"title": "Keep the title to 120 characters or fewer"}
    assert rs.clean_values(valid(title=" " + "x" * 120 + " "))["title"] == "x" * 120


def test_description_and_area_too_long():
    assert refusal(description="d" * 20001).errors == {
        "description": "Keep the description to 20,000 characters or fewer"}
    assert refusal(area_name="a" * 121).errors == {"area_name": "Keep the area name to 120 characters or fewer"}


def test_min_ranks_greater_than_max_ranks():
    exc = refusal(min_ranks=3, max_ranks=2, points_scheme="")
    assert exc.errors == {"max_ranks": "The most choices (2) cannot be fewer than the fewest choices (3)"}


@pytest.mark.parametrize("value", [0, 11, "2", None, True])
def test_ranks_out_of_range(value):
    assert refusal(min_ranks=value).errors == {
        "min_ranks": "Enter the fewest choices a voter must make, a number from 1 to 10"}
    exc = refusal(max_ranks=value, points_scheme="")
    assert exc.errors == {"max_ranks": "Enter the most choices a voter can make, a number from 1 to 10"}


def test_points_not_decreasing():
    assert refusal(points_scheme="1,2,3").errors == {
        "points_scheme": "A higher choice cannot get fewer points than a lower one, for example 3,2,1"}


def test_points_wrong_count():
    assert refusal(points_scheme="5, 4, 3, 2").errors == {
        "points_scheme": "Give points for each of the 3 choices (you gave 4), or leave it empty for the usual points"}


@pytest.mark.parametrize("points", ["3,two,1", "3;2;1", "3,-2,1", "3,,1", "3.5,2,1"])
def test_points_not_numbers(points):
    exc = refusal(points_scheme=points)
    assert exc.errors == {
        "points_scheme": "Enter whole numbers separated by commas, for example 3,2,1, or leave it empty"}


def test_points_of_zero():
    assert refusal(points_scheme="3,2,0").errors == {
        "points_scheme": "Every rank must get at least 1 point, for example 3,2,1"}


def test_points_and_ranks_wrong_together():
    exc = refusal(min_ranks=3, max_ranks=2)
    assert exc.errors == {
        "max_ranks": "The most choices (2) cannot be fewer than the fewest choices (3)",
        "points_scheme": "Give points for each of the 2 choices (you gave 3), or leave it empty for the usual points",
    }
    assert exc.message == exc.errors["max_ranks"]


def test_counting_rule_completion_and_threshold():
    assert refusal(counting_rule="borda").errors == {"counting_rule": "Choose greedy or Method of Equal Shares"}
    assert refusal(completion="add2").errors == {"completion": "Choose add1u, add1 or none"}
    for threshold in (0, -5, "10", True):
        assert refusal(score_threshold=threshold).errors == {
            "score_threshold": "Enter a whole number of points of 1 or more, or leave it empty"}


def test_unknown_fields():
    with pytest.raises(ValidationFailed) as caught:
        rs.clean_values(valid(size=3, colour="red"))
    assert caught.value.message == "Unknown fields: colour, size"
    assert str(caught.value) == "Unknown fields: colour, size"
    assert caught.value.field is None


def test_cost_limits_low_above_high():
    exc = refusal(min_project_cost_pence=200_000, max_project_cost_pence=100_000)
    assert exc.errors == {"max_project_cost_pence": "The largest project cost cannot be less than the smallest"}


def test_cost_limit_above_budget():
    exc = refusal(max_project_cost_pence=5_000_001)
    assert exc.errors == {"max_project_cost_pence": "The largest project cost cannot be more than the budget (£50,000)"}
    assert rs.clean_values(valid(max_project_cost_pence=5_000_000))["max_project_cost_pence"] == 5_000_000


@pytest.mark.parametrize("field", ["min_project_cost_pence", "max_project_cost_pence"])
@pytest.mark.parametrize("value", [0, -100, "500"])
def test_cost_limits_must_be_positive_amounts(field, value):
    exc = refusal(**{field: value})
    assert exc.errors == {field: "Enter an amount of more than £0, for example £500, or leave it empty"}


def test_planned_dates_out_of_order():
    exc = refusal(voting_open_on=date(2026, 2, 1))
    assert exc.errors == {"voting_open_on": "This date cannot be before “Ideas close (planned)” (05/02/2026)"}


def test_planned_dates_skip_empty_ones_when_comparing():
    exc = refusal(proposals_close_on=None, voting_open_on=None, voting_close_on=date(2026, 1, 1))
    assert exc.errors == {"voting_close_on": "This date cannot be before “Ideas open (planned)” (05/01/2026)"}
    out = rs.clean_values(valid(proposals_close_on=None, voting_open_on=date(2026, 1, 5)))
    assert out["voting_open_on"] == date(2026, 1, 5)  # the same day as the previous date is fine


def test_planned_date_that_is_not_a_date():
    exc = refusal(results_on="15/04/2026")
    assert exc.errors == {"results_on": "Enter a real date, for example 1 6 2026, or leave it empty"}


def test_empty_categories():
    assert refusal(categories=" \n\n  \n").errors == {"categories": "Enter at least one category, one per line"}
    assert refusal(categories=None).errors == {"categories": "Enter at least one category, one per line"}
    assert refusal(categories="Learning\n" + "c" * 81).errors == {
        "categories": "Keep each category to 80 characters or fewer"}


def test_postcodes():
    assert refusal(accepted_postcodes=" \n").errors == {
        "accepted_postcodes": "Enter at least one postcode or outward code, one per line, like E8 or E8 1AB"}
    assert refusal(accepted_postcodes="E8\nnowhere").errors == {
        "accepted_postcodes": "“nowhere” is not a postcode or an outward code. Enter one per line, like E8 or E8 1AB"}
    exc = refusal(review_postcodes="bad1\nE8\nbad2\nbad3\nbad4\nbad5\nbad6")
    assert exc.errors == {
        "review_postcodes": "“bad1”, “bad2”, “bad3”, “bad4”, “bad5” and more are not postcodes or outward codes. "
                            "Enter one per line, like E8 or E8 1AB"}


def test_every_problem_at_once_message_is_the_first():
    exc = refusal(title="", budget_pence=0, min_age=200, categories="")
    assert exc.errors == {
        "title": "Enter a title for the round, for example Connect Hackney 2026",
        "budget_pence": "The budget must be more than £0. Enter it in pounds, for example £50,000",
        "min_age": "Enter a minimum age between 0 and 120, for example 50",
        "categories": "Enter at least one category, one per line",
    }
    assert exc.message == "Enter a title for the round, for example Connect Hackney 2026"


# ---- current= fills missing fields ----------------------------------------------------------------


def test_current_fills_missing_fields():
    current = SimpleNamespace(**rs.clean_values(valid()))
    out = rs.clean_values({"title": "  Hackney   2027 ", "budget_pence": 6_000_000}, current)
    assert out["title"] == "Hackney 2027"
    assert out["budget_pence"] == 6_000_000
    assert out["accepted_postcodes"] == "E8\nE8 1AB\nN16"
    assert out["categories"] == "Arts and culture\nLearning"
    assert out["voting_open_on"] == date(2026, 3, 1)
    assert out == {**vars(current), "title": "Hackney 2027", "budget_pence": 6_000_000}


def test_current_values_are_checked_against_the_new_ones():
    current = SimpleNamespace(**rs.clean_values(valid()))
    with pytest.raises(ValidationFailed) as caught:
        rs.clean_values({"budget_pence": 500_000}, current)
    assert caught.value.errors == {
        "max_project_cost_pence": "The largest project cost cannot be more than the budget (£5,000)"}


def test_without_current_missing_fields_are_empty():
    with pytest.raises(ValidationFailed) as caught:
        rs.clean_values({"title": "Hackney"})
    assert set(caught.value.errors) == {
        "budget_pence", "min_age", "age_reference_date", "accepted_postcodes", "min_ranks", "max_ranks", "categories"}


# ---- problems() -----------------------------------------------------------------------------------


def test_problems_returns_the_same_errors_without_raising():
    values = valid(budget_pence=0, voting_open_on=date(2026, 1, 1))
    with pytest.raises(ValidationFailed) as caught:
        rs.clean_values(values)
    found = rs.problems(values)
    assert found == caught.value.errors
    assert found == {
        "budget_pence": "The budget must be more than £0. Enter it in pounds, for example £50,000",
        "voting_open_on": "This date cannot be before “Ideas close (planned)” (05/02/2026)",
    }


def test_problems_of_valid_values_is_empty():
    assert rs.problems(valid()) == {}
    current = SimpleNamespace(**rs.clean_values(valid()))
    assert rs.problems({"min_age": 65}, current) == {}
    assert rs.problems({"min_age": 130}, current) == {
        "min_age": "Enter a minimum age between 0 and 120, for example 50"}


# ---- locked fields --------------------------------------------------------------------------------


def test_locked_fields_of_no_round():
    assert rs.locked_fields(None) == ()


@pytest.mark.parametrize("phase", [Phase.DRAFT, Phase.PROPOSALS_OPEN, Phase.PROPOSALS_CLOSED])
def test_nothing_locked_before_voting(phase):
    round_ = round_in(phase)
    assert rs.is_locked(round_) is False
    assert rs.locked_fields(round_) == ()


@pytest.mark.parametrize("phase", [Phase.VOTING_OPEN, Phase.VOTING_CLOSED, Phase.RESULTS_PUBLISHED])
def test_locked_from_voting_open(phase):
    round_ = round_in(phase)
    assert rs.is_locked(round_) is True
    assert rs.locked_fields(round_) == rs.LOCKED_FROM_VOTING
    assert "budget_pence" in rs.locked_fields(round_)
    assert "title" not in rs.locked_fields(round_)


# ---- the field tuples -----------------------------------------------------------------------------


def test_field_tuples_are_consistent():
    assert len(set(rs.ROUND_FIELDS)) == len(rs.ROUND_FIELDS)
    assert set(rs.LOCKED_FROM_VOTING) <= set(rs.ROUND_FIELDS)
    assert set(rs.PLANNED_DATES) <= set(rs.ROUND_FIELDS)
    assert set(rs.FIELD_LABELS) == set(rs.ROUND_FIELDS)
    assert all(rs.FIELD_LABELS[name].strip() for name in rs.ROUND_FIELDS)
    # The planned dates are listed in the order they must come in.
    assert [name for name in rs.ROUND_FIELDS if name in rs.PLANNED_DATES] == list(rs.PLANNED_DATES)


def test_unknown_fields_are_named_in_the_errors_so_problems_reports_them():
    with pytest.raises(ValidationFailed) as refused:
        rs.clean_values(valid(colour="red"))
    assert refused.value.errors == {"colour": "Unknown fields: colour"}
    assert rs.problems(valid(colour="red")) == {"colour": "Unknown fields: colour"}


@pytest.mark.parametrize("name", ["min_project_cost_pence", "max_project_cost_pence"])
def test_a_true_or_false_cost_limit_is_refused_like_any_non_amount(name):
    errors = rs.problems(valid(**{name: True}))
    assert errors == {name: "Enter an amount of more than £0, for example £500, or leave it empty"}


def test_a_bad_budget_is_one_problem_not_two():
    errors = rs.problems(valid(budget_pence=True, max_project_cost_pence=600_000))
    assert list(errors) == ["budget_pence"]


@pytest.mark.parametrize("given, stored", [(None, "random"), ("random", "random"), ("fixed", "fixed")])
def test_the_ballot_order_is_random_unless_staff_fix_it(given, stored):
    assert rs.clean_values(valid(ballot_order=given))["ballot_order"] == stored


def test_an_unknown_ballot_order_is_refused():
    assert refusal(ballot_order="alphabetical").errors["ballot_order"] == (
        "Choose how the projects are ordered on the ballot")


def test_the_ballot_order_locks_when_voting_opens():
    assert "ballot_order" in rs.locked_fields(round_in(Phase.VOTING_OPEN))
    assert "ballot_order" not in rs.locked_fields(round_in(Phase.PROPOSALS_CLOSED))
