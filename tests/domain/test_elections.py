import pytest

from pb.domain.errors import CountingError
from pb.services.elections import build_election
from pb.tally import Election, TallyError

PROJECTS = [(3, 600_00, "Bench"), (7, 500_00, "Garden"), (9, 300_00, "Mural")]


def refused(**changes):
    values = {"budget": 1000_00, "min_ranks": 1, "max_ranks": 2, "projects": PROJECTS,
              "rankings": [["3", "7"], ["9"]]}
    values.update(changes)
    with pytest.raises(CountingError) as caught:
        build_election(**values)
    return caught.value


def test_builds_an_election_with_ids_as_strings():
    election = build_election(budget=1000_00, min_ranks=1, max_ranks=2, projects=PROJECTS,
                              rankings=[["3", "7"], ["9"], ["3", "7"]])
    assert isinstance(election, Election)
    assert [(p.id, p.cost, p.name) for p in election.projects] == [
        ("3", 600_00, "Bench"), ("7", 500_00, "Garden"), ("9", 300_00, "Mural")]
    assert election.budget == 1000_00
    assert election.kind == "ordinal"
    assert (election.min_length, election.max_length) == (1, 2)
    assert election.voters == 3
    assert election.groups == {("3", "7"): 2, ("9",): 1}


def test_a_project_costing_more_than_the_budget_is_kept():
    election = build_election(budget=500_00, min_ranks=1, max_ranks=1, projects=[(3, 600_00, "Bench")],
                              rankings=[["3"]])
    assert election.allow_over_budget is True
    assert election.projects[0].cost == 600_00


def test_no_projects():
    exc = refused(projects=[])
    assert exc.message == "This round has no shortlisted projects to count."
    assert exc.status_code == 409


def test_no_ballots():
    exc = refused(rankings=[])
    assert exc.message == "No ballots were cast in this round, so there is nothing to count."
    assert exc.status_code == 409


def test_a_ballot_naming_an_unknown_project():
    exc = refused(rankings=[["3"], ["99"]])
    assert exc.message == "The ballots could not be counted: ballot 2 names unknown project '99'."
    assert isinstance(exc.__cause__, TallyError)


def test_other_ballots_the_engine_refuses():
    assert refused(rankings=[["3", "7", "9"]]).message == (
        "The ballots could not be counted: ballot 1 has 3 projects, more than the maximum 2.")
    assert refused(rankings=[["9"], ["3", "3"]]).message == (
        "The ballots could not be counted: ballot 2 lists project 3 more than once.")
    assert refused(min_ranks=3, max_ranks=3, rankings=[["3", "7", "9"], ["9", "7"]]).message == (
        "The ballots could not be counted: ballot 2 has 2 projects, fewer than the minimum 3.")


def test_bad_projects_become_counting_errors():
    assert refused(projects=[(3, 0, "Bench")], rankings=[["3"]]).message == (
        "The ballots could not be counted: project 3: cost must be positive, got 0.")
    assert refused(projects=[(3, 100, "Bench"), (3, 200, "Bench again")], rankings=[["3"]]).message == (
        "The ballots could not be counted: project id '3' appears twice.")
    assert refused(budget=0).message == "The ballots could not be counted: budget must be positive, got 0."
