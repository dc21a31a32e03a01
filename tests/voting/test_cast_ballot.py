"""cast_ballot: one ballot per resident, checked inside its transaction, anonymous, with a verifiable receipt."""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import Ballot, Channel, Round, VoterRoll
from pb.services import ballots
from pb.services.ballot_store import ballot_store
from pb.domain.errors import AlreadyVoted, InvalidRanking, NotEligible, NotSignedIn, VotingClosed
from tests import factories
from tests.voting.conftest import make_voting_setup
from pb.domain import receipts
from pb.domain import ranking


@pytest.fixture
def s(app_ctx):
    return make_voting_setup()


def _voter(**kw):
    return factories.make_resident(**kw)


def test_cast_stores_one_voter_roll_row_and_one_anonymous_ballot(app_ctx, s):
    voter = _voter()
    receipt = ballots.cast_ballot(s.round_id, voter, s.projects[:3], Channel.ONLINE)
    assert receipts.RECEIPT_PATTERN.match(receipt)
    roll = db.session.scalars(select(VoterRoll)).all()
    assert [(r.round_id, r.user_id, r.channel, r.entered_by_id, r.used_voting_code) for r in roll] == [
        (s.round_id, voter.id, "online", None, False)
    ]
    (ballot,) = db.session.scalars(select(Ballot)).all()
    assert ballot.round_id == s.round_id
    assert ballot.project_ids == s.projects[:3]
    assert re.fullmatch(r"[0-9a-f]{32}", ballot.key) and re.fullmatch(r"[0-9a-f]{32}", ballot.nonce)
    assert ballot.receipt == receipt


def test_receipt_is_a_short_code_and_the_commitment_the_sha256_of_the_canonical_ballot(app_ctx, s):
    receipt = ballots.cast_ballot(s.round_id, _voter(), [s.projects[2], s.projects[0]], Channel.ONLINE)
    ballot = db.session.scalar(select(Ballot))
    assert receipts.RECEIPT_PATTERN.match(receipt) and ballot.receipt == receipt
    text = (f"pb-ballot-v2|round={s.round_id}|receipt={receipt}|ranking={s.projects[2]},{s.projects[0]}"
            f"|nonce={ballot.nonce}")
    assert receipts.canonical_ballot(s.round_id, ballot.project_ids, ballot.nonce, receipt) == text
    assert ballot.commitment == hashlib.sha256(text.encode()).hexdigest()


def test_a_given_receipt_code_is_used_and_a_taken_one_replaced(app_ctx, s):
    first = ballots.cast_ballot(s.round_id, _voter(), [s.projects[0]], Channel.ONLINE, receipt_code="ABCD-EFGH-JKM")
    assert first == "ABCD-EFGH-JKM"
    # The same code again (a collision): the ballot is still cast, once, under a fresh code.
    second = ballots.cast_ballot(s.round_id, _voter(), [s.projects[1]], Channel.ONLINE, receipt_code="ABCD-EFGH-JKM")
    assert second != first and receipts.RECEIPT_PATTERN.match(second)
    stored = {b.receipt: b.project_ids for b in db.session.scalars(select(Ballot))}
    assert stored == {first: [s.projects[0]], second: [s.projects[1]]}
    assert db.session.scalar(select(func.count()).select_from(VoterRoll)) == 2


def test_same_ranking_twice_gives_different_receipts_and_keys(app_ctx, s):
    r1 = ballots.cast_ballot(s.round_id, _voter(), s.projects[:2], Channel.ONLINE)
    r2 = ballots.cast_ballot(s.round_id, _voter(), s.projects[:2], Channel.ONLINE)
    assert r1 != r2
    keys = db.session.scalars(select(Ballot.key)).all()
    assert len(set(keys)) == 2


def test_second_ballot_is_refused_and_stores_nothing(app_ctx, s):
    voter = _voter()
    ballots.cast_ballot(s.round_id, voter, s.projects[:1], Channel.ONLINE)
    with pytest.raises(AlreadyVoted) as exc:
        ballots.cast_ballot(s.round_id, voter, s.projects[1:3], Channel.ONLINE)
    assert exc.value.message == "You have already voted in this round. Each person can vote once."
    assert exc.value.status_code == 409
    assert len(db.session.scalars(select(Ballot)).all()) == 1
    assert len(db.session.scalars(select(VoterRoll)).all()) == 1


def test_unique_constraint_stops_a_second_ballot_even_when_the_check_is_skipped(app_ctx, s, monkeypatch):
    """The application check is a courtesy; the voter roll's UNIQUE constraint is what holds."""
    voter = _voter()
    ballots.cast_ballot(s.round_id, voter, s.projects[:1], Channel.ONLINE)
    # A check that never finds the earlier vote.
    store = type(ballot_store())
    real = store.state
    monkeypatch.setattr(store, "state", lambda self, h, r, u, **kw: dataclasses.replace(real(self, h, r, u, **kw), voted=False))
    with pytest.raises(AlreadyVoted):
        ballots.cast_ballot(s.round_id, voter, s.projects[1:2], Channel.ONLINE)
    assert len(db.session.scalars(select(Ballot)).all()) == 1


def test_voting_in_two_rounds_is_fine(app_ctx, s):
    voter = _voter()
    ballots.cast_ballot(s.round_id, voter, s.projects[:1], Channel.ONLINE)
    ballots.cast_ballot(s.other_round_id, voter, [s.other_project], Channel.ONLINE)
    assert len(db.session.scalars(select(Ballot)).all()) == 2


@pytest.mark.parametrize("phase", [Phase.DRAFT, Phase.PROPOSALS_OPEN, Phase.PROPOSALS_CLOSED,
                                   Phase.VOTING_CLOSED, Phase.RESULTS_PUBLISHED])
def test_voting_outside_the_voting_phase_is_refused(app_ctx, s, phase):
    voter = _voter()
    db.session.get(Round, s.round_id).phase = phase
    db.session.commit()
    with pytest.raises(VotingClosed) as exc:
        ballots.cast_ballot(s.round_id, voter, s.projects[:1], Channel.ONLINE)
    assert "closed" in exc.value.message or "not opened" in exc.value.message
    assert db.session.scalars(select(Ballot)).all() == []
    assert db.session.scalars(select(VoterRoll)).all() == []


def test_phase_is_read_inside_the_transaction_not_from_a_stale_object(app_ctx, s):
    """A round object loaded while voting was open does not let a ballot in after the close."""
    voter = _voter()
    round_ = db.session.get(Round, s.round_id)
    assert round_.phase == Phase.VOTING_OPEN
    # Another connection closes voting; this session still holds the old object.
    with db.engine.begin() as conn:
        conn.execute(Round.__table__.update().where(Round.__table__.c.id == s.round_id).values(phase="voting_closed"))
    with pytest.raises(VotingClosed):
        ballots.cast_ballot(round_, voter, s.projects[:1], Channel.ONLINE)
    assert db.session.scalars(select(Ballot)).all() == []


@pytest.mark.parametrize(
    "kw, expected",
    [
        ({"status": "pending"}, "waiting for a member of staff"),
        ({"status": "refused"}, ""),
        ({"date_of_birth": date(2000, 1, 1)}, ""),
        ({"postcode": "SW1A 1AA"}, ""),
    ],
)
def test_voter_without_eligibility_is_refused(app_ctx, s, kw, expected):
    voter = _voter(**kw)
    with pytest.raises(NotEligible) as exc:
        ballots.cast_ballot(s.round_id, voter, s.projects[:1], Channel.ONLINE)
    assert expected in exc.value.message and exc.value.message
    assert counts_here() == (0, 0)


def test_staff_cannot_vote_for_themselves(app_ctx, s):
    staff = factories.make_staff()
    with pytest.raises(NotEligible):
        ballots.cast_ballot(s.round_id, staff, s.projects[:1], Channel.ONLINE)
    assert counts_here() == (0, 0)


def counts_here() -> tuple[int, int]:
    return len(db.session.scalars(select(Ballot)).all()), len(db.session.scalars(select(VoterRoll)).all())


def _bad_cases(s):
    p = s.projects
    return {
        "duplicate": ([p[0], p[0]], "Choose each project only once"),
        "duplicate later": ([p[0], p[1], p[0]], "Choose each project only once"),
        "unknown id": ([999_999], "not one of the projects on this ballot"),
        "refused proposal": ([s.refused], "not one of the projects on this ballot"),
        "another round's project": ([p[0], s.other_project], "not one of the projects on this ballot"),
        "empty": ([], "Choose your 1st choice"),
        "too many": (p[:4], "You can choose up to 3 projects"),
        "negative": ([-1], "not one of the projects"),
        "not numbers": (["1"], "not one of the projects"),
        "boolean": ([True], "not one of the projects"),
        "not a list": ("1,2", "Choose projects from the list"),
        "none": (None, "Choose projects from the list"),
    }


@pytest.mark.parametrize("case", ["duplicate", "duplicate later", "unknown id", "refused proposal",
                                  "another round's project", "empty", "too many", "negative",
                                  "not numbers", "boolean", "not a list", "none"])
def test_bad_rankings_are_refused_with_a_clear_message_and_store_nothing(app_ctx, s, case):
    ranking, message = _bad_cases(s)[case]
    voter = _voter()
    with pytest.raises(InvalidRanking) as exc:
        ballots.cast_ballot(s.round_id, voter, ranking, Channel.ONLINE)
    assert message in exc.value.message
    assert exc.value.errors  # attached to a form field
    assert counts_here() == (0, 0)
    # The voter can still vote properly afterwards.
    ballots.cast_ballot(s.round_id, voter, s.projects[:1], Channel.ONLINE)


def test_too_few_choices_when_the_round_needs_several(app_ctx):
    s = make_voting_setup(min_ranks=2, max_ranks=3)
    with pytest.raises(InvalidRanking) as exc:
        ballots.cast_ballot(s.round_id, _voter(), s.projects[:1], Channel.ONLINE)
    assert exc.value.message == "Choose at least 2 projects. You chose 1: add your 2nd choice."
    assert exc.value.errors == {"rank2": exc.value.message}
    assert counts_here() == (0, 0)


def test_duplicate_message_names_the_project_and_both_places(app_ctx, s):
    with pytest.raises(InvalidRanking) as exc:
        ballots.cast_ballot(s.round_id, _voter(), [s.projects[1], s.projects[0], s.projects[1]], Channel.ONLINE)
    assert exc.value.message == (
        f"You chose “{s.titles[s.projects[1]]}” as your 1st and your 3rd choice. Choose each project only once."
    )
    assert exc.value.errors == {"rank3": exc.value.message}


def test_a_project_refused_after_the_page_was_shown_cannot_be_voted_for(app_ctx, s):
    from pb.models import Proposal

    db.session.get(Proposal, s.projects[0]).status = "refused"
    db.session.commit()
    with pytest.raises(InvalidRanking):
        ballots.cast_ballot(s.round_id, _voter(), [s.projects[0]], Channel.ONLINE)
    assert counts_here() == (0, 0)


def _is_valid(ranking, s) -> bool:
    return (
        isinstance(ranking, list)
        and 1 <= len(ranking) <= 3
        and all(type(p) is int for p in ranking)
        and len(set(ranking)) == len(ranking)
        and all(p in s.projects for p in ranking)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_bad_rankings_are_all_refused_and_write_nothing(app_ctx, s, one_voter, data):
    """SECURITY #3: no generated bad ranking is accepted, and no row is written for any of them."""
    pool = s.projects + [s.refused, s.other_project]
    element = st.one_of(
        st.sampled_from(pool),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.text(max_size=5),
        st.booleans(),
        st.none(),
        st.floats(allow_nan=True),
    )
    ranking = data.draw(st.one_of(st.lists(element, max_size=8), st.lists(st.sampled_from(pool), max_size=6)))
    if _is_valid(ranking, s):
        return
    with pytest.raises(InvalidRanking):
        ballots.cast_ballot(s.round_id, one_voter, ranking, Channel.ONLINE)
    assert counts_here() == (0, 0)


@pytest.fixture
def one_voter(app_ctx):
    return _voter()


def test_read_ranking_from_form_fields():
    r = ranking.read_ranking({"rank2": "7", "rank1": "3", "rank3": "", "csrf_token": "x"})
    assert r.ranking == [3, 7] and r.fields == ["rank1", "rank2"]
    r = ranking.read_ranking({"rank1": "", "rank2": "5"})
    assert r.ranking == [5] and r.fields == ["rank2"]
    with pytest.raises(InvalidRanking) as exc:
        ranking.read_ranking({"rank1": "3", "rank2": "DROP TABLE"})
    assert exc.value.errors == {"rank2": "Your 2nd choice is not one of the projects on this ballot. "
                                         "Choose a project from the list."}
    with pytest.raises(InvalidRanking):
        ranking.read_ranking({"rank999": "1"})
    with pytest.raises(InvalidRanking):
        ranking.read_ranking({"rank1": "1" * 40})
    # Only ASCII digits are project numbers ("²" and "٣" are digits to str.isdigit).
    for odd in ("²", "٣", "1.0", "+1", " 1 1"):
        with pytest.raises(InvalidRanking):
            ranking.read_ranking({"rank1": odd})
    # Fields must be named exactly rank<N>.
    assert ranking.read_ranking({"rank1x": "4", "xrank1": "5"}).ranking == []


def test_nothing_logged_links_a_voter_to_a_ranking(app_ctx, s, caplog):
    caplog.set_level(logging.DEBUG)
    # SQL echo is an operator's debugging switch, off in pb; the application's own logs are what is checked.
    caplog.set_level(logging.WARNING, logger="sqlalchemy")
    voter = _voter(email="logcheck@example.net")
    receipt = ballots.cast_ballot(s.round_id, voter, [s.projects[3], s.projects[1]], Channel.ONLINE)
    with pytest.raises(AlreadyVoted):
        ballots.cast_ballot(s.round_id, voter, [s.projects[3], s.projects[1]], Channel.ONLINE)
    text = caplog.text
    ranking = f"{s.projects[3]},{s.projects[1]}"
    assert ranking not in text
    assert receipt not in text
    for record in caplog.records:
        message = record.getMessage()
        assert not (("logcheck" in message or str(voter.id) in message) and s.titles[s.projects[3]] in message)


# ---------------------------------------------------------------- a resident named by their session


def test_a_signed_in_voter_casts_when_their_session_token_is_current(app_ctx, s):
    voter = _voter()
    receipt = ballots.cast_ballot(s.round_id, ballots.SignedInVoter(voter.id, voter.session_token),
                                  s.projects[:2], Channel.ONLINE)
    assert db.session.scalar(select(Ballot.receipt)) == receipt
    assert db.session.scalars(select(VoterRoll.user_id)).all() == [voter.id]


@pytest.mark.parametrize("token", ["0" * 64, "", "stale"])
def test_a_session_token_that_is_no_longer_current_is_not_signed_in_and_stores_nothing(app_ctx, s, token):
    """Signed out elsewhere (the token rotated) between loading the ballot and casting it."""
    voter = _voter()
    with pytest.raises(NotSignedIn) as exc:
        ballots.cast_ballot(s.round_id, ballots.SignedInVoter(voter.id, token), s.projects[:1], Channel.ONLINE)
    assert exc.value.message == "Please sign in again to vote."
    assert db.session.scalars(select(Ballot)).all() == []
    assert db.session.scalars(select(VoterRoll)).all() == []


def test_a_session_for_an_account_that_no_longer_exists_is_not_signed_in(app_ctx, s):
    with pytest.raises(NotSignedIn):
        ballots.cast_ballot(s.round_id, ballots.SignedInVoter(2_000_000_000, "a" * 64), s.projects[:1],
                            Channel.ONLINE)
    assert db.session.scalars(select(Ballot)).all() == []


def test_a_switched_off_account_with_a_current_token_cannot_vote(app_ctx, s):
    voter = _voter()
    voter.is_active_account = False
    db.session.commit()
    with pytest.raises(NotEligible, match="switched off"):
        ballots.cast_ballot(s.round_id, ballots.SignedInVoter(voter.id, voter.session_token), s.projects[:1],
                            Channel.ONLINE)
    assert db.session.scalars(select(Ballot)).all() == []


def test_an_unknown_round_is_not_found_for_a_signed_in_voter_too(app_ctx, s):
    from pb.domain.errors import NotFound

    voter = _voter()
    with pytest.raises(NotFound):
        ballots.cast_ballot(2_000_000_000, ballots.SignedInVoter(voter.id, voter.session_token), s.projects[:1],
                            Channel.ONLINE)
