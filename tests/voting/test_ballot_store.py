"""The two ballot stores are really two: each casts a ballot without the other's code, and both refuse the same way."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pb.domain.errors import AlreadyVoted, NotFound
from pb.extensions import db
from pb.models import Ballot, Channel, VoterRoll
from pb.services import ballots
from pb.services.ballot_store import FastBallotStore, OrmBallotStore, ballot_store
from pb.services.direct_sql import DirectStatement
from tests import factories
from tests.voting.conftest import make_voting_setup


def _refuse(*args, **kwargs):
    raise AssertionError("the other ballot store was used")


def test_each_store_casts_without_the_other_ones_code(app_ctx, monkeypatch):
    setup = make_voting_setup()
    voter = factories.make_resident()
    store = ballot_store()
    assert store.name == app_ctx.config["PB_BALLOT_STORE"]
    if store.name == "orm":
        monkeypatch.setattr(DirectStatement, "execute", _refuse)  # nothing on the driver's cursor
    else:
        for method in ("state", "write", "project_title"):
            monkeypatch.setattr(OrmBallotStore, method, _refuse)
    receipt = ballots.cast_ballot(setup.round_id, voter, setup.projects[:2], Channel.ONLINE)
    assert db.session.scalar(select(Ballot.receipt)) == receipt
    assert db.session.scalar(select(func.count()).select_from(VoterRoll)) == 1
    with pytest.raises(AlreadyVoted):
        ballots.cast_ballot(setup.round_id, voter, setup.projects[:1], Channel.ONLINE)
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_both_stores_read_the_same_state(app_ctx):
    setup = make_voting_setup()
    voter = factories.make_resident()
    ballots.cast_ballot(setup.round_id, voter, setup.projects[:1], Channel.ONLINE)
    states = []
    for store in (FastBallotStore(), OrmBallotStore()):
        with store.begin(with_session=False) as handle:
            state = store.state(handle, setup.round_id, voter.id, signed_in=False)
            states.append((state.round.id, state.round.phase, state.round.max_ranks, state.voter.id,
                           state.voter.postcode, state.voted, state.paper_waiting, state.shortlist,
                           store.project_title(handle, setup.projects[0])))
        db.session.rollback()
    assert states[0] == states[1]
    assert states[0][5] is True and states[0][7] == frozenset(setup.projects)
    assert states[0][8] == setup.titles[setup.projects[0]]


@pytest.mark.parametrize("store", [FastBallotStore(), OrmBallotStore()], ids=["fast", "orm"])
def test_both_stores_say_a_missing_round_is_not_found(app_ctx, store):
    voter = factories.make_resident()
    with pytest.raises(NotFound, match="no funding round with that number"):
        with store.begin(with_session=False) as handle:
            store.state(handle, 999_999, voter.id, signed_in=False)
