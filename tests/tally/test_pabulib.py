"""The pabulib reader and writer: real files, every kind of broken file, and round trips."""
from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import pytest
from pabutools.election import parse_pabulib as pabutools_parse

from pb.tally import (
    ApprovalPoints,
    Election,
    Project,
    RankPoints,
    Satisfaction,
    TallyError,
    count,
    read_pabulib,
    write_pabulib,
)
from pb.tally.pabulib import money_text, parse_pabulib

TIE = "cost-score-id"

GOOD = """META
key;value
description;"Test; with a semicolon"
country;Nowhere
unit;Town
instance;2024
num_projects;3
num_votes;4
budget;122924411/50
vote_type;ordinal
rule;greedy
min_length;1
max_length;3
PROJECTS
project_id;cost;name;selected
1;1000000;"A park; with trees";1
2;500000;Library;0
10;250000;None;1
VOTES
voter_id;vote;age
v1;1,2,10;30
v2;10,1;41
v3;2;None
v4;1;67
"""


def test_reads_sections_quotes_fractional_budget_and_selected() -> None:
    data = parse_pabulib(GOOD)
    e = data.election
    assert e.budget == Fraction(122924411, 50)
    assert [(p.id, p.cost, p.name) for p in e.projects] == [
        ("1", 1000000, "A park; with trees"), ("2", 500000, "Library"), ("10", 250000, "")
    ]
    assert e.kind == "ordinal" and e.max_length == 3 and data.satisfaction == RankPoints((3, 2, 1))
    assert list(e.ballots) == [("1", "2", "10"), ("10", "1"), ("2",), ("1",)]
    assert data.meta["description"] == "Test; with a semicolon"
    assert data.rule == "greedy" and data.threshold == 0
    assert data.selected == ["1", "10"]
    assert data.voter_ids == ["v1", "v2", "v3", "v4"]
    assert data.warnings == []


def test_decimal_budget_and_threshold() -> None:
    text = GOOD.replace("budget;122924411/50", "budget;2458488.22").replace(
        "rule;greedy", "rule;greedy-threshold\nmin_project_score_threshold;3"
    )
    data = parse_pabulib(text)
    assert data.election.budget == Fraction(245848822, 100)
    assert data.threshold == 3


def test_default_points_without_max_length_use_the_number_of_projects() -> None:
    text = GOOD.replace("max_length;3\n", "")
    assert parse_pabulib(text).satisfaction == RankPoints((3, 2, 1))


def test_points_column_sets_the_scheme_and_must_be_consistent() -> None:
    text = GOOD.replace("voter_id;vote;age", "voter_id;vote;points").replace("v1;1,2,10;30", "v1;1,2,10;5,3,1")
    text = text.replace("v2;10,1;41", "v2;10,1;5,3").replace("v3;2;None", "v3;2;5").replace("v4;1;67", "v4;1;5")
    assert parse_pabulib(text).satisfaction == RankPoints((5, 3, 1))
    broken = text.replace("v2;10,1;5,3", "v2;10,1;5,2")
    with pytest.raises(TallyError, match=r"line 22: rank 2 earns 2 points here but 3 on line 21"):
        parse_pabulib(broken)


def test_approval_and_choose_one() -> None:
    text = GOOD.replace("vote_type;ordinal", "vote_type;approval")
    data = parse_pabulib(text)
    assert data.election.kind == "approval" and data.satisfaction == ApprovalPoints()
    choose1 = GOOD.replace("vote_type;ordinal", "vote_type;choose-1").replace("max_length;3\n", "")
    with pytest.raises(TallyError, match="line 20: vote has 3 projects, more than max_length 1"):
        parse_pabulib(choose1)


def test_a_project_costing_more_than_the_budget_is_a_warning_with_its_line() -> None:
    text = GOOD.replace("2;500000;Library;0", "2;999999999;Library;0")
    data = parse_pabulib(text)
    assert data.warnings == [
        "line 17: project 2 costs 999999999, more than the budget 122924411/50; it cannot be funded"
    ]
    assert "2" not in count(data.election, "greedy", satisfaction=data.satisfaction, tie_break=TIE).funded


def replace_line(text: str, number: int, new: str) -> str:
    lines = text.split("\n")
    lines[number - 1] = new
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("META\n", "", 1), "line 1: expected the META section to start the file"),
        (GOOD[: GOOD.index("VOTES")], "the file has no VOTES section"),
        (GOOD.replace("PROJECTS\n", "").replace("project_id;cost;name;selected\n", ""),
         "line 14: META rows need 2 fields"),
        (GOOD.replace("VOTES\nvoter_id;vote;age", "PROJECTS\nproject_id;cost"), "line 19: a second PROJECTS section"),
        (replace_line(GOOD, 17, "2;500000;Library"), r"line 17: PROJECTS rows need 4 fields \(project_id;cost;name;selected\), found 3"),
        (replace_line(GOOD, 17, "2;five hundred;Library;0"), "line 17: cost of project 2 'five hundred' is not a number"),
        (replace_line(GOOD, 17, "2;-500;Library;0"), "line 17: cost of project 2 '-500' is negative"),
        (replace_line(GOOD, 17, "2;0;Library;0"), "line 17: project 2 costs nothing"),
        (replace_line(GOOD, 17, "2;500.5;Library;0"), r"line 17: cost of project 2 \(500.5\) is not a whole number"),
        (replace_line(GOOD, 17, "1;500;Library;0"), "line 17: project 1 is listed twice"),
        (GOOD.replace("budget;122924411/50", "budget;-100"), "line 9: budget '-100' is negative"),
        (GOOD.replace("budget;122924411/50", "budget;lots"), "line 9: budget 'lots' is not a number"),
        (GOOD.replace("budget;122924411/50\n", ""), "META has no budget"),
        (GOOD.replace("vote_type;ordinal", "vote_type;ranked"), "line 10: unknown vote_type 'ranked'"),
        (GOOD.replace("vote_type;ordinal", "vote_type;cumulative"), "line 10: vote_type 'cumulative' is not supported"),
        (GOOD.replace("max_length;3", "max_length;three"), "line 13: max_length 'three' is not a whole number"),
        (replace_line(GOOD, 21, "v1;1,2,1;30"), "line 21: vote lists project 1 more than once"),
        (replace_line(GOOD, 21, "v1;1,7;30"), "line 21: vote names unknown project '7'"),
        (replace_line(GOOD, 21, "v1;1,,2;30"), "line 21: vote '1,,2' has an empty project id"),
        (GOOD.replace("max_length;3", "max_length;2"), "line 21: vote has 3 projects, more than max_length 2"),
        (GOOD.replace("min_length;1", "min_length;2"), "line 23: vote has 1 projects, fewer than min_length 2"),
        (replace_line(GOOD, 22, "v1;10,1;41"), "line 22: voter 'v1' appears twice"),
        (replace_line(GOOD, 22, "v2;10,1"), "line 22: VOTES rows need 3 fields"),
        (GOOD.replace("num_votes;4", "num_votes;5"), "line 8: META num_votes is 5 but the file has 4"),
        (GOOD.replace("project_id;cost;name;selected", "id;cost;name;selected"), "line 15: the PROJECTS header needs a 'project_id' column"),
        (GOOD[: GOOD.index("v1;")], "line 19: the VOTES section has no votes"),
        (GOOD[: GOOD.index("1;1000000")] + GOOD[GOOD.index("VOTES"):].split("v1;")[0],
         "line 14: the PROJECTS section lists no projects"),
        ("", "the file has no META section"),
    ],
)
def test_broken_files_name_the_problem_and_the_line(text: str, message: str) -> None:
    with pytest.raises(TallyError, match=message):
        parse_pabulib(text)


def test_missing_file_is_a_tally_error(tmp_path: Path) -> None:
    with pytest.raises(TallyError, match="cannot read"):
        read_pabulib(tmp_path / "nope.pb")


def test_money_text_is_exact() -> None:
    assert money_text(5) == "5"
    assert money_text(Fraction(245848822, 100)) == "2458488.22"
    assert money_text(Fraction(1, 8)) == "0.125"
    assert money_text(Fraction(122924411, 50)) == "2458488.22"
    assert money_text(Fraction(10, 3)) == "10/3"


def sample_election(kind: str = "ordinal", **extra) -> Election:
    projects = [Project("1", 300, "Benches; and bins"), Project("2", 500, 'A "quoted" name'),
                Project("10", 200, "Line\nbreak")]
    ballots = [["1", "2"], ["10", "1", "2"], ["2"], ["1", "2"]]
    return Election(projects, Fraction(2001, 3), ballots, kind=kind, **extra)


@pytest.mark.parametrize(
    ("election", "satisfaction"),
    [
        (sample_election(), RankPoints.descending(3)),
        (sample_election(max_length=3), RankPoints((5, 2, 1))),
        (sample_election("approval"), ApprovalPoints()),
        (sample_election(weights=[3, 1, 2, 1], max_length=3), RankPoints.descending(3)),
    ],
)
def test_written_files_read_back_identically_here_and_in_pabutools(
    election: Election, satisfaction: Satisfaction, tmp_path: Path
) -> None:
    outcome = count(election, "greedy", satisfaction=satisfaction, tie_break=TIE)
    path = tmp_path / "out.pb"
    write_pabulib(election, path, satisfaction=satisfaction, meta={"description": "Round; one", "country": "UK"},
                  outcome=outcome)
    back = read_pabulib(path)
    assert back.election.groups == election.groups
    assert back.satisfaction == satisfaction
    assert back.election.budget == election.budget
    assert [(p.id, p.cost) for p in back.election.projects] == [(p.id, p.cost) for p in election.projects]
    assert back.selected == outcome.funded
    assert back.meta["description"] == "Round; one"
    assert back.rule == "greedy"
    assert (count(back.election, "equal-shares", satisfaction=back.satisfaction, tie_break=TIE).funded
            == count(election, "equal-shares", satisfaction=satisfaction, tie_break=TIE).funded)

    instance, profile = pabutools_parse(str(path))
    assert {p.name: p.cost for p in instance} == {p.id: p.cost for p in election.projects}
    assert instance.budget_limit == election.budget
    assert profile.num_ballots() == election.voters
    expected = sorted(tuple(sorted(k)) if election.kind == "approval" else k
                      for k, w in election.groups.items() for _ in range(w))
    got = sorted(tuple(sorted(p.name for p in b)) if election.kind == "approval" else tuple(p.name for p in b)
                 for b in profile)
    assert got == expected


def test_writer_uses_voter_ids_and_names_the_rule() -> None:
    election = sample_election()
    points = RankPoints.descending(3)
    outcome = count(election, "equal-shares", satisfaction=points, tie_break=TIE, completion="add1")
    out = io.StringIO()
    write_pabulib(election, out, satisfaction=points, outcome=outcome, voter_ids=["r-1", "r-2", "r-3", "r-4"])
    back = parse_pabulib(out.getvalue())
    assert back.voter_ids == ["r-1", "r-2", "r-3", "r-4"]
    assert back.rule == "equalshares/add1"


def test_writer_refuses_ids_that_would_break_a_vote_list() -> None:
    election = Election([Project("a,b", 10)], 10, [["a,b"]])
    with pytest.raises(TallyError, match="cannot be written"):
        write_pabulib(election, io.StringIO(), satisfaction=RankPoints.descending(1))


def test_every_real_file_reads(real_files) -> None:
    assert len(real_files) >= 18
    for data in real_files.values():
        assert data.election.voters == int(data.meta["num_votes"])
        assert len(data.election.projects) == int(data.meta["num_projects"])


def test_krakow_2021_points_column_matches_3_2_1(real_files) -> None:
    data = real_files["Poland_Krakow_2021.pb"]
    assert data.satisfaction == RankPoints((3, 2, 1))


def test_withdrawn_krakow_project_is_read_with_a_warning(real_files) -> None:
    data = real_files["Poland_Krakow_2023_Nowa_Huta.pb"]
    assert len(data.warnings) == 1 and "BO.D18.9/23 costs 999999999" in data.warnings[0]


def test_byte_order_mark_and_windows_line_endings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "windows.pb"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8"))
    data = read_pabulib(path)
    assert data.election.voters == 4 and data.meta["description"] == "Test; with a semicolon"
