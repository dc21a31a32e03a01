"""Verified-only rounds: a self-declared resident's online ballot is refused and stores nothing;
paper ballots and voting codes count (staff identified the person); the voter roll records how
each voter was known. Every test runs with both ballot stores (tests/voting/conftest.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from pb.domain.errors import LockedField, NotVerified
from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import Round, User, VoterRoll
from pb.services import rounds as rounds_service
from pb.services import voting_codes
from pb.services.verification import request_verification
from pb.services.ballots import cast_ballot
from tests import factories
from tests.conftest import run_together_in_app
from tests.voting.conftest import counts, make_voting_setup, ranks


def _resident(app, **kw) -> User:
    with app.app_context():
        return factories.make_resident(**kw)


def _sign_in(client, user):
    client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})


def _roll(app, round_id) -> list[str | None]:
    with app.app_context():
        return list(db.session.scalars(select(VoterRoll.verification).where(VoterRoll.round_id == round_id)))


def test_new_rounds_are_verified_only(app_ctx):
    assert factories.make_round().verified_only is True


def test_a_self_declared_resident_meets_the_check_page_instead_of_the_ballot(app, client, setup):
    resident = _resident(app, verification="self-declared")
    _sign_in(client, resident)
    page = client.get(f"/rounds/{setup.round_id}/vote").get_data(as_text=True)
    assert "Before you can vote we need to check you live in Hackney" in page
    assert "Wait for a letter" in page and "Come to a drop-in or event" in page and "Call us" in page
    assert 'name="rank1"' not in page  # no ballot on the page
    assert counts(app, setup.round_id) == (0, 0)


def test_a_self_declared_residents_direct_ballot_post_is_refused_and_stores_nothing(app, client, setup):
    resident = _resident(app, verification="self-declared")
    _sign_in(client, resident)
    response = client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0]))
    assert response.status_code == 403
    assert "Before you can vote we need to check you live in Hackney" in response.get_data(as_text=True)
    review = client.post(f"/rounds/{setup.round_id}/vote/review", data=ranks(setup.projects[0]))
    assert review.status_code == 403
    assert counts(app, setup.round_id) == (0, 0)


def test_simultaneous_posts_by_a_self_declared_resident_store_nothing(app, setup):
    resident = _resident(app, verification="self-declared")

    def cast():
        return cast_ballot(setup.round_id, db.session.get(User, resident.id), [setup.projects[0]])

    results = run_together_in_app(app, cast, 12)
    assert all(isinstance(r, NotVerified) for r in results), results
    assert counts(app, setup.round_id) == (0, 0)


@pytest.mark.parametrize("way", ["staff", "list", "letter"])
def test_each_way_of_verifying_may_vote_and_is_recorded_on_the_voter_roll(app, client, setup, way):
    resident = _resident(app, verification=way)
    _sign_in(client, resident)
    assert client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0])).status_code == 303
    assert _roll(app, setup.round_id) == [way]


def test_a_round_open_to_anyone_eligible_takes_a_self_declared_ballot_and_says_so(app, client):
    with app.app_context():
        setup = make_voting_setup(verified_only=False)
    resident = _resident(app, verification="self-declared")
    _sign_in(client, resident)
    assert client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0])).status_code == 303
    assert _roll(app, setup.round_id) == ["self-declared"]


def test_staff_asking_for_verification_blocks_online_voting_even_where_anyone_eligible_may_vote(app, client):
    with app.app_context():
        setup = make_voting_setup(verified_only=False)
        resident = factories.make_resident(verification="self-declared")
        request_verification(factories.make_staff(), resident.id)
    _sign_in(client, resident)
    assert client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0])).status_code == 403
    assert counts(app, setup.round_id) == (0, 0)


def test_a_voting_code_counts_for_a_self_declared_resident_and_is_recorded_as_code(app, setup):
    with app.app_context():
        resident = factories.make_resident(verification="self-declared", with_email=False)
        staff = factories.make_staff()
        round_ = db.session.get(Round, setup.round_id)
        code = voting_codes.issue_code(staff, resident, round_)
        row = voting_codes.find_usable_code(code)
        cast_ballot(round_, resident, [setup.projects[0]], voting_code=row)
    assert _roll(app, setup.round_id) == ["code"]


def test_a_paper_ballot_counts_for_a_self_declared_resident_and_is_recorded_as_paper(app, setup):
    with app.app_context():
        resident = factories.make_resident(verification="self-declared", with_email=False)
        staff = factories.make_staff()
        cast_ballot(setup.round_id, resident, [setup.projects[1]], channel="paper", entered_by=staff)
    assert _roll(app, setup.round_id) == ["paper"]


def test_who_may_vote_cannot_change_once_voting_has_opened(app, client):
    with app.app_context():
        staff = factories.make_staff()
        round_ = factories.make_round(phase=Phase.VOTING_OPEN)
        round_id, version = round_.id, round_.version
    _sign_in(client, staff)
    form = client.get(f"/staff/rounds/{round_id}/edit").get_data(as_text=True)
    assert "Verified residents only" in form and 'name="who_may_vote"' not in form  # shown, locked
    with app.app_context():
        with pytest.raises(LockedField):
            rounds_service.update_round(round_id, db.session.get(User, staff.id), version, {"verified_only": False})
        assert db.session.get(Round, round_id).verified_only is True
