"""A round's public page: what a resident can do now (never "Vote now" after voting) and how the round goes."""
from __future__ import annotations

from datetime import date

import pytest

from pb.domain.phases import Phase, round_timeline
from pb.extensions import db
from pb.models import Channel, PaperEntry, VoterRoll
from tests import factories


def _page(client, round_id: int) -> str:
    return client.get(f"/rounds/{round_id}").get_data(as_text=True)


@pytest.fixture
def voting(app):
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN, results_on=date(2026, 7, 20))
        factories.make_proposal(round_)
        factories.make_proposal(round_)
        return round_.id


def test_a_resident_who_voted_is_told_so_and_not_offered_a_ballot(app, client, auth, voting):
    with app.app_context():
        online = factories.make_resident(email="online@example.net")
        paper = factories.make_resident(email="paper@example.net")
        waiting = factories.make_resident(email="waiting@example.net")
        factories.make_resident(email="not-yet@example.net")
        db.session.add_all([VoterRoll(round_id=voting, user_id=online.id, channel=Channel.ONLINE),
                            VoterRoll(round_id=voting, user_id=paper.id, channel=Channel.PAPER),
                            PaperEntry(round_id=voting, user_id=waiting.id, ranking="1")])
        db.session.commit()
    expected = {"online@example.net": "You have voted in this round.",
                "paper@example.net": "You have voted in this round, on paper.",
                "waiting@example.net": "Your paper ballot has been received and is being entered by staff."}
    for email, words in expected.items():
        auth.login(email)
        html = _page(client, voting)
        assert words in html and "Vote now" not in html, email
        assert f'href="/rounds/{voting}/receipt"' in html and "20 July 2026" in html
        auth.logout()
    auth.login("not-yet@example.net")
    assert "Vote now" in _page(client, voting) and "You have voted" not in _page(client, voting)
    auth.logout()
    assert "Vote now" in _page(client, voting)  # signed out: the way in


def test_the_page_shows_how_the_round_goes_in_words_with_the_dates_it_has(app, client):
    with app.app_context():
        bare = factories.make_round(phase=Phase.PROPOSALS_CLOSED, proposals_open_on=None, proposals_close_on=None,
                                    voting_open_on=None, voting_close_on=None, results_on=None).id
        dated = factories.make_round(phase=Phase.VOTING_OPEN, voting_open_on=date(2026, 6, 1),
                                     voting_close_on=date(2026, 6, 30), results_on=date(2026, 7, 20)).id
    html = _page(client, bare)
    assert "Key dates" not in html  # no empty heading when no dates are set
    assert "Done:</span> Residents send in ideas" in html
    assert "Happening now:</span> Staff check the ideas and choose the shortlist" in html
    assert "Still to come:</span> Residents vote" in html
    html = _page(client, dated)
    assert "Happening now:</span> Residents vote, 1 June 2026 to 30 June 2026" in html
    assert 'aria-current="step"' in html
    assert "Still to come:</span> The results are published, 20 July 2026" in html


def test_round_timeline_marks_each_stage_done_now_or_still_to_come():
    statuses = lambda phase: [s.status for s in round_timeline(phase, {})]  # noqa: E731
    assert statuses(Phase.PROPOSALS_OPEN) == ["now", "later", "later", "later", "later"]
    assert statuses(Phase.VOTING_CLOSED) == ["done", "done", "done", "now", "later"]
    assert statuses(Phase.RESULTS_PUBLISHED) == ["done"] * 5
    steps = round_timeline(Phase.VOTING_OPEN, {"voting_open_on": date(2026, 6, 1), "results_on": date(2026, 7, 1)})
    assert (steps[2].starts, steps[2].ends, steps[4].starts) == (date(2026, 6, 1), None, date(2026, 7, 1))
    assert steps[2].status_words == "Happening now"
