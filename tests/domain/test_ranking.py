import pytest

from pb.domain.errors import InvalidRanking, ValidationFailed
from pb.domain.ranking import (MAX_RANK_FIELDS, RankingInput, check_ranking_rules, next_ballot_step, ranking_text,
                               read_ranking)

TITLES = {3: "Bench by the pond", 7: "Community garden", 9: "Mural"}
NOT_ON_BALLOT = "choice is not one of the projects on this ballot. Choose a project from the list."


def refused(ranking, *, min_ranks=1, max_ranks=3, fields=None):
    with pytest.raises(InvalidRanking) as caught:
        check_ranking_rules(ranking, min_ranks=min_ranks, max_ranks=max_ranks, titles=TITLES, fields=fields)
    return caught.value


# ---- read_ranking ---------------------------------------------------------------------------------


def test_reads_fields_in_rank_order():
    got = read_ranking({"rank2": "7", "csrf_token": "abc", "rank1": "3", "rank3": "9"})
    assert got.ranking == [3, 7, 9]
    assert got.fields == ["rank1", "rank2", "rank3"]
    assert got.values == {"rank1": "3", "rank2": "7", "rank3": "9"}


def test_rank_numbers_sort_as_numbers_not_text():
    got = read_ranking({"rank10": "5", "rank9": "4", "rank1": "1", "rank2": "2"})
    assert got.ranking == [1, 2, 4, 5]
    assert got.fields == ["rank1", "rank2", "rank9", "rank10"]


def test_empty_choices_are_skipped_but_kept_in_values():
    got = read_ranking({"rank1": "", "rank2": " 8 ", "rank3": "   ", "rank4": "3"})
    assert got.ranking == [8, 3]
    assert got.fields == ["rank2", "rank4"]
    assert got.values == {"rank1": "", "rank2": "8", "rank3": "", "rank4": "3"}


def test_nothing_chosen():
    got = read_ranking({"rank1": "", "rank2": "", "other": "1"})
    assert got == RankingInput(ranking=[], fields=[], values={"rank1": "", "rank2": ""})
    assert read_ranking({}) == RankingInput(ranking=[], fields=[], values={})


@pytest.mark.parametrize("value", ["abc", "-3", "3.0", "1234567890123", "3,4"])
def test_not_a_project_number_names_the_field(value):
    with pytest.raises(InvalidRanking) as caught:
        read_ranking({"rank1": "3", "rank2": value})
    exc = caught.value
    assert isinstance(exc, ValidationFailed)
    assert exc.message == "Your 2nd " + NOT_ON_BALLOT
    assert exc.field == "rank2"
    assert exc.errors == {"rank2": "Your 2nd " + NOT_ON_BALLOT}


def test_too_many_rank_fields_are_refused():
    form = {f"rank{n}": "" for n in range(1, MAX_RANK_FIELDS + 2)}
    with pytest.raises(InvalidRanking) as caught:
        read_ranking(form)
    assert caught.value.message == (
        "That ballot has more choices than any round allows. Go back to the ballot and choose again.")
    assert caught.value.field == "rank1"
    with pytest.raises(InvalidRanking):
        read_ranking({"rank0": "3"})


def test_the_last_allowed_rank_field_is_read():
    assert MAX_RANK_FIELDS == 50
    got = read_ranking({"rank50": "12"})
    assert got.ranking == [12]
    assert got.fields == ["rank50"]


def test_field_for():
    got = read_ranking({"rank1": "3", "rank2": "", "rank3": "7"})
    assert got.field_for(0) == "rank1"
    assert got.field_for(1) == "rank3"
    full = read_ranking({"rank1": "3", "rank2": "7"})
    assert full.field_for(2) == "rank3"
    assert read_ranking({}).field_for(0) == "rank1"


# ---- check_ranking_rules --------------------------------------------------------------------------


def test_valid_ranking_is_returned_as_a_list():
    assert check_ranking_rules((3, 7), min_ranks=1, max_ranks=3, titles=TITLES) == [3, 7]
    assert check_ranking_rules([9, 3, 7], min_ranks=3, max_ranks=3, titles=TITLES) == [9, 3, 7]


def test_too_many():
    exc = refused([3, 7, 9], max_ranks=2)
    assert exc.message == "You can choose up to 2 projects. You chose 3: remove 1 choice."
    assert exc.field == "rank3"
    exc = refused([3, 7, 9], max_ranks=1)
    assert exc.message == "You can choose up to 1 project. You chose 3: remove 2 choices."
    assert exc.field == "rank2"


def test_too_few():
    exc = refused([3], min_ranks=2)
    assert exc.message == "Choose at least 2 projects. You chose 1: add your 2nd choice."
    assert exc.field == "rank2"
    assert exc.errors == {"rank2": "Choose at least 2 projects. You chose 1: add your 2nd choice."}


def test_empty():
    exc = refused([], min_ranks=1)
    assert exc.message == "Choose your 1st choice: pick a project from the list."
    assert exc.field == "rank1"
    exc = refused([], min_ranks=3)
    assert exc.message == "Choose at least 3 projects, starting with your 1st choice."
    assert exc.field == "rank1"


def test_duplicates_name_the_project_and_both_positions():
    exc = refused([3, 7, 3])
    assert exc.message == (
        "You chose “Bench by the pond” as your 1st and your 3rd choice. Choose each project only once.")
    assert exc.field == "rank3"


def test_duplicate_points_at_the_form_field_it_came_from():
    fields = read_ranking({"rank1": "7", "rank2": "", "rank3": "7"})
    exc = refused(fields.ranking, fields=fields)
    assert exc.message == "You chose “Community garden” as your 1st and your 2nd choice. Choose each project only once."
    assert exc.field == "rank3"


def test_unknown_project():
    exc = refused([3, 42])
    assert exc.message == "Your 2nd " + NOT_ON_BALLOT
    assert exc.field == "rank2"


@pytest.mark.parametrize("ranking, position, field", [
    ([3, True], "2nd", "rank2"),
    (["3"], "1st", "rank1"),
    ([3, 7, 9.0], "3rd", "rank3"),
    ([None], "1st", "rank1"),
])
def test_bool_and_str_ids_are_refused(ranking, position, field):
    exc = refused(ranking)
    assert exc.message == f"Your {position} " + NOT_ON_BALLOT
    assert exc.field == field


@pytest.mark.parametrize("ranking", ["37", b"37", None, 3])
def test_not_a_list_of_choices(ranking):
    exc = refused(ranking)
    assert exc.message == "Choose projects from the list."
    assert exc.field == "rank1"


def test_count_is_checked_before_the_projects():
    exc = refused([3, 42, 7], max_ranks=2)
    assert exc.message == "You can choose up to 2 projects. You chose 3: remove 1 choice."


# ---- ranking_text ---------------------------------------------------------------------------------


def test_ranking_text():
    assert ranking_text([17, 3, 9]) == "17,3,9"
    assert ranking_text((5,)) == "5"
    assert ranking_text([]) == ""


def test_a_missing_choice_is_reported_on_the_empty_field_not_a_filled_one():
    """A 2nd choice with no 1st, when two are needed: the message points at the empty 1st choice."""
    chosen = read_ranking({"rank1": "", "rank2": "3", "rank3": ""})
    with pytest.raises(InvalidRanking) as refused:
        check_ranking_rules(chosen.ranking, min_ranks=2, max_ranks=3, titles={3: "Choir", 4: "Dance"}, fields=chosen)
    assert refused.value.field == "rank1"
    chosen = read_ranking({"rank1": "3", "rank2": "", "rank3": "4"})
    with pytest.raises(InvalidRanking) as refused:
        check_ranking_rules(chosen.ranking, min_ranks=3, max_ranks=3, titles={3: "Choir", 4: "Dance"}, fields=chosen)
    assert refused.value.field == "rank2"


@pytest.mark.parametrize("ranking, voter, staff", [
    ([1, 1], "You chose “Apple” as your 1st and your 2nd choice. Choose each project only once.",
     "This ballot has “Apple” as both 1st and 2nd choice. Check the paper."),
    ([9], "Your 1st choice is not one of the projects on this ballot. Choose a project from the list.",
     "The 1st choice entered is not one of the projects on this ballot. Check the paper and choose the project "
     "it shows."),
    ([1, 2, 3], "You can choose up to 2 projects. You chose 3: remove 1 choice.",
     "This ballot can have up to 2 choices, and 3 are entered. Check the paper."),
    ([], "Choose your 1st choice: pick a project from the list.", "Enter the 1st choice shown on the paper."),
])
def test_refusals_speak_to_the_voter_or_to_staff_keying_the_paper(ranking, voter, staff):
    titles = {1: "Apple", 2: "Bench", 3: "Choir"}
    for for_staff, expected in ((False, voter), (True, staff)):
        with pytest.raises(InvalidRanking) as caught:
            check_ranking_rules(ranking, min_ranks=1, max_ranks=2, titles=titles, for_staff=for_staff)
        assert caught.value.message == expected


def test_too_few_choices_in_the_staff_voice():
    with pytest.raises(InvalidRanking) as caught:
        check_ranking_rules([1], min_ranks=2, max_ranks=3, titles={1: "Apple", 2: "Bench"}, for_staff=True)
    assert caught.value.message == ("This ballot needs at least 2 choices, and 1 is entered. "
                                    "Enter the 2nd choice from the paper.")


# ---------------------------------------------------------------- one choice per page

STEP_TITLES = {11: "Walks", 12: "Lunch club", 13: "Yoga", 14: "Choir"}


def _next(form, steps=3, min_ranks=1):
    return next_ballot_step(form, steps=steps, min_ranks=min_ranks, titles=STEP_TITLES)


def test_each_page_leads_to_the_next_choice_and_the_last_to_the_check_page():
    assert _next({"step": "1", "rank1": "11"}).step == 2
    assert _next({"step": "2", "rank1": "11", "rank2": "12"}).step == 3
    done = _next({"step": "3", "rank1": "11", "rank2": "12", "rank3": "13"})
    assert done.step is None and done.ranking.ranking == [11, 12, 13] and not done.errors


def test_no_more_choices_finishes_only_once_the_needed_ones_are_made():
    done = _next({"step": "2", "rank1": "11", "rank2": "", "rank3": "13"})
    assert done.step is None and done.ranking.ranking == [11]  # later choices go with it
    needed = _next({"step": "2", "rank1": "11", "rank2": ""}, min_ranks=2)
    assert needed.step == 2 and needed.errors == {"rank2": "Choose your 2nd choice: pick one of the projects."}


def test_a_page_sent_without_a_choice_asks_again():
    assert _next({"step": "1"}).errors == {"rank1": "Choose your 1st choice: pick one of the projects."}
    assert _next({"step": "2", "rank1": "11"}).errors == {
        "rank2": "Choose a project for your 2nd choice, or choose “No 2nd choice”."}


def test_a_choice_made_twice_or_not_on_the_ballot_is_refused_on_its_page():
    twice = _next({"step": "2", "rank1": "11", "rank2": "11"})
    assert twice.step == 2 and "“Walks” is already your 1st choice" in twice.errors["rank2"]
    foreign = _next({"step": "3", "rank1": "99", "rank2": "12", "rank3": "13"})
    assert foreign.step == 1 and "Your 1st choice is not one of the projects" in foreign.errors["rank1"]
    tampered = _next({"step": "1", "rank1": "1 OR 1=1"})
    assert tampered.step == 1 and tampered.values == {} and tampered.errors


def test_later_choices_are_kept_unless_a_new_choice_repeats_them():
    kept = _next({"step": "1", "rank1": "11", "rank2": "12", "rank3": "13"})
    assert kept.step == 2 and kept.values == {"rank1": "11", "rank2": "12", "rank3": "13"}
    moved = _next({"step": "1", "rank1": "12", "rank2": "12", "rank3": "13"})
    assert moved.values == {"rank1": "12", "rank3": "13"}


def test_going_back_to_a_choice_never_passes_the_first_still_to_make():
    assert _next({"goto": "2", "rank1": "11", "rank2": "12"}).step == 2
    assert _next({"goto": "3", "rank1": "11"}).step == 2
    assert _next({"goto": "9", "rank1": "11"}).step == 1  # not a page of this ballot: the start
    assert _next({"rank1": "11", "rank2": "12"}).step == 1  # "Change my choices"
