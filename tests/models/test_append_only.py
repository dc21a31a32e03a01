"""Ballots, voter-roll rows and audit rows cannot be changed or deleted through pb."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from pb.extensions import db
from pb.models import AuditEvent, Ballot, VoterRoll
from pb.models.guards import AppendOnlyViolation
from tests import factories


@pytest.fixture
def rows(app_ctx):
    round_ = factories.make_round(phase="voting_open")
    user = factories.make_resident()
    roll = VoterRoll(round_id=round_.id, user_id=user.id, channel="online")
    ballot = Ballot(key="a" * 32, round_id=round_.id, ranking="1,2", receipt="b" * 64, commitment="b" * 64, nonce="c" * 32)
    event = AuditEvent(action="test.action", round_id=round_.id, details={})
    db.session.add_all([roll, ballot, event])
    db.session.commit()
    return roll, ballot, event


def _refused_then_rolled_back(write) -> None:
    """`write()` fails with AppendOnlyViolation; the session is rolled back afterwards."""
    with pytest.raises(AppendOnlyViolation):
        write()
    db.session.rollback()


def test_changing_a_ballot_is_refused(rows):
    _, ballot, _ = rows
    ballot.ranking = "2,1"
    _refused_then_rolled_back(db.session.flush)
    assert db.session.get(Ballot, "a" * 32).ranking == "1,2"


@pytest.mark.parametrize("index", [0, 1, 2])
def test_deleting_is_refused(rows, index):
    db.session.delete(rows[index])
    _refused_then_rolled_back(db.session.flush)


@pytest.mark.parametrize("model", [Ballot, VoterRoll, AuditEvent])
def test_bulk_update_and_delete_are_refused(rows, model):
    with pytest.raises(AppendOnlyViolation):
        db.session.execute(delete(model))
    column = {Ballot: Ballot.ranking, VoterRoll: VoterRoll.channel, AuditEvent: AuditEvent.action}[model]
    with pytest.raises(AppendOnlyViolation):
        db.session.execute(update(model).values({column: "x"}))
    db.session.rollback()


def test_audit_event_cannot_be_edited(rows):
    _, _, event = rows
    event.action = "rewritten"
    _refused_then_rolled_back(db.session.commit)


def test_voter_roll_may_only_be_anonymised(rows):
    roll, _, _ = rows
    roll.user_id = None
    db.session.commit()
    assert db.session.get(VoterRoll, roll.id).user_id is None
    db.session.execute(update(VoterRoll).where(VoterRoll.id == roll.id).values(user_id=None))
    db.session.commit()
