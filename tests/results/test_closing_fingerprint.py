"""The fingerprint of the ballots file is taken and published the moment voting closes, before any count,
and `flask pb verify` catches a rewrite that also fixed the receipt, the count's file hash and outcome."""
from __future__ import annotations

from sqlalchemy import select, text

from pb.domain.phases import Phase
from pb.domain.receipts import commitment_for
from pb.extensions import db
from pb.models import AuditEvent, Ballot, Round, User
from pb.services import rounds
from pb.services.ballots import cast_ballot
from pb.services.count_cache import count_cache
from pb.services.counting import count_round
from pb.services.open_data import ballots_csv, sha256_hex
from tests import factories


def _closed_round(app) -> dict:
    with app.app_context():
        staff = factories.make_staff()
        round_ = factories.make_round(phase=Phase.VOTING_OPEN)
        projects = [factories.make_proposal(round_).id for _ in range(3)]
        for n in range(5):
            cast_ballot(round_, factories.make_resident(), [projects[n % 3], projects[(n + 1) % 3]])
        rounds.move_phase(round_.id, staff, Phase.VOTING_CLOSED, Phase.VOTING_OPEN)
        round_ = db.session.get(Round, round_.id, populate_existing=True)
        return {"round_id": round_.id, "staff_id": staff.id, "projects": projects,
                "digest": sha256_hex(ballots_csv(round_))}


def test_closing_voting_takes_the_fingerprint_and_audits_it_before_any_count(app):
    closed = _closed_round(app)
    with app.app_context():
        round_ = db.session.get(Round, closed["round_id"])
        assert round_.closing_ballots_sha256 == closed["digest"] and round_.closing_ballot_count == 5
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.phase_moved")).all()[-1]
        assert event.details["to"] == "voting_closed" and event.details["ballots_sha256"] == closed["digest"]
        assert event.details["ballot_count"] == 5


def test_the_fingerprint_is_on_the_public_round_page_at_once(app, client):
    closed = _closed_round(app)
    page = client.get(f"/rounds/{closed['round_id']}").get_data(as_text=True)
    assert "Fingerprint of the ballots" in page and closed["digest"] in page


def test_verify_catches_a_ballot_rewritten_with_its_receipt_and_the_counts_hash(app, runner):
    closed = _closed_round(app)
    with app.app_context():
        round_ = db.session.get(Round, closed["round_id"])
        count_round(round_, db.session.get(User, closed["staff_id"]))
        rounds.move_phase(round_.id, db.session.get(User, closed["staff_id"]), Phase.RESULTS_PUBLISHED,
                          Phase.VOTING_CLOSED)
    ok = runner.invoke(args=["pb", "verify", str(closed["round_id"])])
    assert ok.exit_code == 0 and "OK    closing fingerprint" in ok.output, ok.output
    # An intruder with database access rewrites a ballot, gives it a valid commitment, and fixes the
    # count's stored file hash so that it matches the rewritten file.
    with app.app_context():
        ballot = db.session.scalars(select(Ballot).where(Ballot.round_id == closed["round_id"])).first()
        ranking = [closed["projects"][2]]
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE ballots SET ranking = :r, commitment = :c WHERE key = :k"),
                         {"r": str(ranking[0]),
                          "c": commitment_for(closed["round_id"], ranking, ballot.nonce, ballot.receipt),
                          "k": ballot.key})
        db.session.rollback()  # a read that began before the rewrite would still see the old rows
        new_digest = sha256_hex(ballots_csv(db.session.get(Round, closed["round_id"])))
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE count_results SET ballots_sha256 = :d WHERE round_id = :r"),
                         {"d": new_digest, "r": closed["round_id"]})
    count_cache.clear()  # `flask pb verify` runs in a process of its own, which has read nothing yet
    result = runner.invoke(args=["pb", "verify", str(closed["round_id"])])
    assert result.exit_code == 1, result.output
    assert "OK    ballots file hash" in result.output and "OK    commitments" in result.output
    assert "FAIL  closing fingerprint" in result.output
    assert "Ballots were changed, added or removed after voting closed." in result.output
