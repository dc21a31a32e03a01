"""`flask pb verify ROUND_ID` re-checks a published count, and catches a tampered ballot."""
from __future__ import annotations

from sqlalchemy import text

from pb.extensions import db
from tests.results.conftest import seed_round


def _raw(app, sql: str, **params) -> None:
    """Change the database behind pb's back (the ORM refuses to change ballot rows), as an intruder would."""
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text(sql), params)


def test_verify_passes_on_a_published_round(runner, seeded):
    result = runner.invoke(args=["pb", "verify", str(seeded.round_id)])
    assert result.exit_code == 0, result.output
    for name in ("ballots file hash", "voter roll = ballots", "voter roll by verification", "receipt codes",
                 "commitments", "re-count"):
        assert f"OK    {name}" in result.output
    assert "10 on the voter roll, 10 ballots stored, 10 counted" in result.output
    assert "Ballots by how the voter was known: checked by staff 8, paper ballot keyed by staff 2." in result.output
    assert "Verified: all 8 checks match." in result.output


def test_verify_catches_an_unverified_online_ballot_in_a_verified_only_round(app, runner, seeded):
    # A voter-roll row altered behind pb's back to an online ballot nobody checked.
    _raw(app, "UPDATE voter_roll SET verification = 'self-declared' WHERE id = "
              "(SELECT MIN(id) FROM voter_roll WHERE round_id = :r)", r=seeded.round_id)
    result = runner.invoke(args=["pb", "verify", str(seeded.round_id)])
    assert result.exit_code == 1, result.output
    assert "FAIL  voter roll by verification" in result.output
    assert "1 online ballot(s) from self-declared residents in a round for verified residents only" in result.output


def test_verify_catches_a_ballot_whose_ranking_was_changed(app, runner, seeded):
    # Turn one "C" ballot into an "A" ballot directly in the database.
    receipt = seeded.receipts[9]
    _raw(app, "UPDATE ballots SET ranking = :r WHERE receipt = :receipt",
         r=str(seeded.ids["A"]), receipt=receipt)
    result = runner.invoke(args=["pb", "verify", str(seeded.round_id)])
    assert result.exit_code == 1, result.output
    assert "FAIL  ballots file hash" in result.output
    assert "FAIL  commitments" in result.output and "1 ballot(s) do not match their commitment" in result.output
    assert receipt in result.output  # named by the code a voter would look for
    assert "Verification FAILED" in result.output


def test_verify_catches_a_changed_outcome_and_an_extra_ballot(app, runner, seeded):
    # A ballot slipped in without a voter-roll row, with a valid receipt of its own.
    import secrets

    from pb.domain.receipts import commitment_for

    nonce = secrets.token_hex(16)
    ranking = [seeded.ids["B"]]
    code = "ABCD-EFGH-JKM"
    _raw(app, "INSERT INTO ballots (key, round_id, ranking, receipt, commitment, nonce) "
         "VALUES (:k, :r, :rk, :rc, :c, :n)",
         k=secrets.token_hex(16), r=seeded.round_id, rk=str(ranking[0]), rc=code,
         c=commitment_for(seeded.round_id, ranking, nonce, code), n=nonce)
    result = runner.invoke(args=["pb", "verify", str(seeded.round_id)])
    assert result.exit_code == 1
    assert "FAIL  voter roll = ballots" in result.output
    assert "10 on the voter roll, 11 ballots stored, 10 counted" in result.output


def test_verify_catches_a_changed_published_result(app, runner, seeded):
    _raw(app, "UPDATE count_results SET funded = :f", f=f"[{seeded.ids['C']}, {seeded.ids['B']}]")
    result = runner.invoke(args=["pb", "verify", str(seeded.round_id)])
    assert result.exit_code == 1
    assert "FAIL  re-count" in result.output
    assert "OK    commitments" in result.output


def test_verify_unknown_and_uncounted_rounds(app, runner):
    result = runner.invoke(args=["pb", "verify", "99999"])
    assert result.exit_code == 2 and "there is no round 99999" in result.output
    with app.app_context():
        s = seed_round()
    result = runner.invoke(args=["pb", "verify", str(s.round_id)])
    assert result.exit_code == 1 and "has not been counted" in result.output


def test_verify_catches_changed_scores(app, runner, seeded):
    import json

    with app.app_context():
        from pb.models import CountResult

        scores = dict(db.session.query(CountResult).one().scores)
    scores[str(seeded.ids["E"])] = 5
    _raw(app, "UPDATE count_results SET scores = :s", s=json.dumps(scores))
    result = runner.invoke(args=["pb", "verify", str(seeded.round_id)])
    assert result.exit_code == 1
    assert "FAIL  re-count" in result.output and "scores differ" in result.output


def test_a_count_records_its_satisfaction_and_tie_break(app, seeded):
    from sqlalchemy import select

    from pb.models import AuditEvent, CountResult

    with app.app_context():
        result = db.session.scalars(select(CountResult).where(CountResult.round_id == seeded.round_id)).one()
        assert result.params["satisfaction"] == {"kind": "rank-points", "points": [3, 2, 1]}
        assert result.params["tie_break"] == "cost-score-id"
        audited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.counted")).one()
        assert audited.details["params"]["satisfaction"] == result.params["satisfaction"]


def test_verify_recounts_with_the_points_the_count_recorded(app, runner, seeded):
    """The round's points changed behind pb's back after the count: the recount still means what the count meant."""
    _raw(app, "UPDATE rounds SET points_scheme = '9,1,1' WHERE id = :r", r=seeded.round_id)
    result = runner.invoke(args=["pb", "verify", str(seeded.round_id)])
    assert result.exit_code == 0, result.output
    assert "OK    re-count" in result.output


def test_verify_catches_a_changed_recorded_satisfaction(app, runner, seeded):
    from sqlalchemy import select

    from pb.models import CountResult

    with app.app_context():
        result = db.session.scalars(select(CountResult).where(CountResult.round_id == seeded.round_id)).one()
        params = {**result.params, "satisfaction": {"kind": "rank-points", "points": [1, 1, 1]}}
        count_id = result.id
    import json

    _raw(app, "UPDATE count_results SET params = :p WHERE id = :i", p=json.dumps(params), i=count_id)
    result = runner.invoke(args=["pb", "verify", str(seeded.round_id)])
    assert result.exit_code == 1, result.output
    assert "FAIL  re-count" in result.output and "the projects' scores differ too" in result.output


def test_verify_catches_a_ballot_moved_to_another_receipt_code(app, runner, seeded):
    """Listing a ballot under someone else's code (to hide a changed vote) breaks its commitment."""
    _raw(app, "UPDATE ballots SET receipt = :new WHERE receipt = :old", new="ZZZZ-ZZZZ-ZZZ", old=seeded.receipts[3])
    result = runner.invoke(args=["pb", "verify", str(seeded.round_id)])
    assert result.exit_code == 1
    assert "OK    receipt codes" in result.output
    assert "FAIL  commitments: 1 ballot(s) do not match their commitment, so their choices or receipt code " \
           "changed after they were cast: receipt code(s) ZZZZ-ZZZZ-ZZZ." in result.output


def test_verify_catches_a_receipt_code_pb_never_gives(app, runner, seeded):
    _raw(app, "UPDATE ballots SET receipt = :new WHERE receipt = :old", new="=cmd|' /C calc'!A0", old=seeded.receipts[5])
    result = runner.invoke(args=["pb", "verify", str(seeded.round_id)])
    assert result.exit_code == 1
    assert "FAIL  receipt codes: 1 ballot(s) have a receipt code pb never gives" in result.output
