"""The published .pb file: `python -m pb.tally` and pabutools both read it, and it reproduces the result."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pb.extensions import db
from pb.models import CountResult
from tests.conftest import PROJECT_ROOT
from tests.results.conftest import publish, seed_round
from pb.services import open_data

CASES = {
    "greedy": dict(counting_rule="greedy"),
    "greedy-threshold": dict(counting_rule="greedy", score_threshold=10),
    "equalshares/add1u": dict(counting_rule="equal-shares", completion="add1u"),
    "equalshares/add1": dict(counting_rule="equal-shares", completion="add1"),
    "equalshares": dict(counting_rule="equal-shares", completion="none"),
}


def _export(app, client, tmp_path: Path, **round_kw) -> tuple[Path, list[str], object]:
    with app.app_context():
        s = seed_round(**round_kw)
        publish(s)
        funded = [str(p) for p in db.session.query(CountResult).filter_by(round_id=s.round_id).one().funded]
    response = client.get(f"/rounds/{s.round_id}/results/ballots.pb")
    assert response.status_code == 200
    path = tmp_path / f"round-{s.round_id}.pb"
    path.write_bytes(response.data)
    return path, funded, s


def _run_cli(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "pb.tally", str(path), "--json"], capture_output=True,
                          text=True, cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("rule", list(CASES))
def test_export_then_cli_reproduces_the_published_outcome(app, client, tmp_path, rule):
    path, funded, s = _export(app, client, tmp_path, **CASES[rule])
    text = path.read_text()
    assert f"rule;{rule}" in text
    assert "currency;GBP" in text and "unit;Hackney" in text and "budget;10000\n" in text  # whole pounds, so add1 steps by £1 as the app did
    out = _run_cli(path)
    assert out["rule"] == rule
    assert out["selected"] == funded
    assert out["matches_file"] is True
    # Voter ids are the receipt codes, sorted.
    votes = text.split("VOTES\n", 1)[1].splitlines()[1:]
    assert [line.split(";")[0] for line in votes] == sorted(s.receipts)


def test_pabutools_reads_the_file(app, client, tmp_path):
    from pabutools.election import parse_pabulib

    path, funded, s = _export(app, client, tmp_path)
    instance, profile = parse_pabulib(str(path))
    assert int(instance.budget_limit) == 10_000
    assert len(instance) == 5
    assert {p.name for p in instance} == {str(i) for i in s.ids.values()}
    assert profile.num_ballots() == 10
    assert instance.meta["vote_type"] == "ordinal" and instance.meta["max_length"] == "3"
    assert {str(p) for p in instance.project_meta if instance.project_meta[p].get("selected") == "1"} == set(funded)


def test_pence_amounts_are_written_in_pence(app, client, tmp_path):
    with app.app_context():
        s = seed_round()
        from pb.models import Proposal

        db.session.get(Proposal, s.ids["E"]).cost_pence = 100_050  # £1,000.50
        db.session.commit()
        publish(s)
        funded = [str(p) for p in db.session.query(CountResult).one().funded]
    path = tmp_path / "pence.pb"
    path.write_bytes(client.get(f"/rounds/{s.round_id}/results/ballots.pb").data)
    text = path.read_text()
    assert "currency;GBX" in text and "budget;1000000\n" in text
    assert _run_cli(path)["selected"] == funded


@pytest.mark.parametrize("seed", range(6))
def test_random_rounds_round_trip_through_the_engine_cli(app_ctx, tmp_path, capsys, seed):
    """Generated rounds (random costs, ballots of 1-3 ranks, both rules): the .pb file re-counts the same."""
    import random

    from pb.domain.phases import Phase
    from pb.models import Round, VoterRoll
    from pb.services import counting
    from pb.tally.cli import main
    from tests import factories

    rng = random.Random(seed)
    rule = "greedy" if seed % 2 == 0 else "equal-shares"
    round_ = factories.make_round(
        phase=Phase.VOTING_CLOSED, budget_pence=rng.randrange(20, 60) * 100_000, counting_rule=rule,
        completion=rng.choice(["none", "add1", "add1u"]), score_threshold=rng.choice([None, 0, 5]),
        max_ranks=3, min_ranks=1, max_project_cost_pence=2_000_000,
    )
    ids = [factories.make_proposal(round_, cost_pence=rng.randrange(5, 200) * 10_000).id
           for _ in range(rng.randrange(3, 12))]
    for _ in range(rng.randrange(5, 80)):
        ranking = rng.sample(ids, rng.randrange(1, 4))
        db.session.add(VoterRoll(round_id=round_.id, user_id=None, channel="online"))
        db.session.add(factories.ballot_row(round_.id, ranking))
    db.session.commit()
    result = counting.count_round(db.session.get(Round, round_.id), None)
    path = tmp_path / "round.pb"
    path.write_text(open_data.pabulib_text(db.session.get(Round, round_.id), result))
    assert main([str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["selected"] == [str(p) for p in result.funded]
    assert out["cost"] == result.total_cost_pence // 100
