"""The ballot online, one choice per page: each project has a radio button for the choice being
made, the choices so far are shown and can be changed, and nothing is kept on the server until
the vote is cast."""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import Ballot
from tests import factories
from tests.voting.conftest import counts, ranks


def _html(response) -> str:
    return response.get_data(as_text=True)


def _step(client, setup, step: int, *ids, **extra):
    data = {"step": str(step), **ranks(*ids), **extra}
    return client.post(f"/rounds/{setup.round_id}/vote", data=data)


def _checked(html: str) -> list[str]:
    return re.findall(r'<input class="radio-input" type="radio" id="[^"]+" name="rank\d+" value="([^"]*)"[^>]*checked', html)


def test_sending_a_page_without_choosing_says_what_to_do_and_keeps_the_page(voter_client, setup, app):
    response = voter_client.post(f"/rounds/{setup.round_id}/vote", data={"step": "1"})
    assert response.status_code == 400
    html = _html(response)
    assert "There is a problem" in html and '<a href="#rank1">' in html
    assert "Choose your 1st choice: pick one of the projects." in html
    assert "<h1>Choose your 1st choice</h1>" in html and 'aria-describedby="rank1-error"' in html
    assert counts(app) == (0, 0)


def test_the_2nd_page_shows_the_1st_choice_and_offers_every_other_project(voter_client, setup):
    p = setup.projects
    response = _step(voter_client, setup, 1, p[3])
    assert response.status_code == 200
    html = _html(response)
    assert "<h1>Choose your 2nd choice</h1>" in html and "choice 2 of 3" in html
    # The running summary, with a way back to change it.
    assert re.search(r"<dt>Your 1st choice</dt>\s*<dd>Project Dance \(£1,000\)</dd>", html)
    assert "Change<span class=\"visually-hidden\"> your 1st choice</span>" in html
    # The 1st choice is not offered again; the others are, named for this choice.
    assert f'value="{p[3]}" aria-describedby' not in html
    assert "Already your 1st choice" in html
    for pid in (p[0], p[1], p[2], p[4]):
        assert f'name="rank2" value="{pid}"' in html
    assert f'aria-label="{setup.titles[p[0]]}: 2nd choice"' in html
    # Only the 1st choice travels in a hidden field; the 2nd is the radio group, with a way to stop.
    assert f'<input type="hidden" name="rank1" value="{p[3]}">' in html and 'type="hidden" name="rank2"' not in html
    assert "No 2nd choice – I have finished choosing" in html
    assert 'id="rank2"' in html


def test_three_pages_then_the_check_page_then_the_ballot_is_cast_in_that_order(voter_client, setup, app):
    p = setup.projects
    assert "<h1>Choose your 3rd choice</h1>" in _html(_step(voter_client, setup, 2, p[3], p[0]))
    review = _html(_step(voter_client, setup, 3, p[3], p[0], p[4]))
    assert "<h1>Check your choices</h1>" in review
    listed = re.findall(r"<dt>Your (\w+) choice</dt>\s*<dd>([^<(]+) \(", review)
    assert listed == [("1st", "Project Dance"), ("2nd", "Project Apple"), ("3rd", "Project Exercise")]
    assert "Add a" not in review  # all three choices made
    assert counts(app) == (0, 0)  # nothing is stored before "Cast my vote"
    hidden = dict(re.findall(r'<input type="hidden" name="(rank\d)" value="(\d+)">', review.split("Cast my vote")[0]))
    assert hidden == ranks(p[3], p[0], p[4])
    assert voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=hidden).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Ballot)).project_ids == [p[3], p[0], p[4]]


def test_no_2nd_choice_goes_to_the_check_page_with_one_choice(voter_client, setup, app):
    p = setup.projects
    html = _html(_step(voter_client, setup, 2, p[1], rank2=""))
    assert "<h1>Check your choices</h1>" in html
    assert re.findall(r"<dt>Your (\w+) choice</dt>", html) == ["1st"]
    assert "You have chosen 1 project. You could choose up to 3." in html and "Add a 2nd choice" in html
    # "Add a 2nd choice" goes back to the 2nd choice's page with the 1st kept.
    again = _html(voter_client.post(f"/rounds/{setup.round_id}/vote", data={**ranks(p[1]), "goto": "2"}))
    assert "<h1>Choose your 2nd choice</h1>" in again and "Already your 1st choice" in again


def test_the_1st_choice_cannot_be_skipped_on_a_round_that_needs_one(voter_client, setup, app):
    html = _html(voter_client.post(f"/rounds/{setup.round_id}/vote", data={"step": "1", "rank1": ""}))
    assert "Choose your 1st choice: pick one of the projects." in html and "No 1st choice" not in html


def test_changing_a_choice_from_the_check_page_keeps_the_others(voter_client, setup):
    p = setup.projects
    page = _html(voter_client.post(f"/rounds/{setup.round_id}/vote", data={**ranks(p[0], p[1], p[2]), "goto": "2"}))
    assert "<h1>Choose your 2nd choice</h1>" in page
    assert _checked(page) == [str(p[1])]
    assert f'<input type="hidden" name="rank3" value="{p[2]}">' in page
    # Keeping the 2nd choice: the 3rd is still chosen on the next page.
    assert _checked(_html(_step(voter_client, setup, 2, p[0], p[1], p[2]))) == [str(p[2])]
    # Choosing the old 3rd choice as the 2nd: the 3rd page asks again rather than repeat it.
    third = _html(_step(voter_client, setup, 2, p[0], p[2], p[2]))
    assert "<h1>Choose your 3rd choice</h1>" in third and _checked(third) == []
    assert "Already your 2nd choice" in third


def test_a_page_can_not_jump_ahead_of_the_choices_made(voter_client, setup):
    page = _html(voter_client.post(f"/rounds/{setup.round_id}/vote", data={"goto": "3"}))
    assert "<h1>Choose your 1st choice</h1>" in page


def test_a_repeated_or_foreign_choice_is_refused_on_its_page(voter_client, setup, app):
    p = setup.projects
    repeated = _step(voter_client, setup, 2, p[0], p[0])
    assert repeated.status_code == 400
    assert "“Project Apple” is already your 1st choice. Choose a different project for your 2nd choice." in _html(repeated)
    # A hidden 1st choice changed to another round's project: back to the 1st choice's page.
    foreign = _step(voter_client, setup, 2, setup.other_project, p[1])
    assert foreign.status_code == 400
    html = _html(foreign)
    assert "<h1>Choose your 1st choice</h1>" in html and "Your 1st choice is not one of the projects" in html
    refused = _step(voter_client, setup, 1, setup.refused)
    assert refused.status_code == 400 and "not one of the projects on this ballot" in _html(refused)
    assert counts(app) == (0, 0)


def test_read_more_stays_on_the_page(voter_client, setup):
    html = _html(voter_client.get(f"/rounds/{setup.round_id}/vote"))
    # "Read more" opens the description in place: following a link would lose the choice being made.
    assert html.count('<details class="read-more no-print">') == 5
    assert "Description of project" in html
    assert f"/rounds/{setup.round_id}/proposals/" not in html.split('<form method="post"')[1]
    # One subject only: no filter to offer.
    assert "category-filter" not in html


def test_a_shortlist_with_several_subjects_can_be_filtered_by_ballot_js(client, auth, app):
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN)
        for title, subject in [("Walks", "Health"), ("Lunch club", "Food"), ("Yoga", "Health")]:
            factories.make_proposal(round_, title=title, category=subject)
        factories.make_resident(email="subjects@example.net")
        rid = round_.id
    auth.login("subjects@example.net")
    html = _html(client.get(f"/rounds/{rid}/vote"))
    # Hidden until ballot.js shows it: without JavaScript every project is listed.
    assert '<div class="form-group category-filter no-print" hidden>' in html
    assert re.findall(r'<option value="(\w+)">', html) == ["Food", "Health"]
    assert sorted(re.findall(r'data-category="(\w+)"', html)) == ["Food", "Health", "Health"]


def test_choices_never_travel_in_the_address(voter_client, setup):
    p = setup.projects
    for html in (_html(voter_client.get(f"/rounds/{setup.round_id}/vote")), _html(_step(voter_client, setup, 1, p[0]))):
        for action in re.findall(r'<form method="(\w+)" action="([^"]+)"', html):
            assert action[0] == "post" or "rank" not in action[1]
            assert "?" not in action[1] or "rank" not in action[1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.dictionaries(
    st.sampled_from(["step", "goto", "rank1", "rank2", "rank3", "rank4", "rank0", "rank60"]),
    st.one_of(st.text(max_size=6), st.integers(-3, 10**6).map(str), st.sampled_from(["", "1", "2", "3"])),
    max_size=6,
))
def test_generated_ballot_pages_never_fail_and_never_store(voter_client, setup, app, form):
    from pb.request_checks import REFUSED

    response = voter_client.post(f"/rounds/{setup.round_id}/vote", data=form)
    assert response.status_code in (200, 400)
    html = _html(response)
    if not any(REFUSED.search(text) for text in (*form, *form.values())):
        assert "<h1>Choose your" in html or "<h1>Check your choices</h1>" in html
    assert counts(app) == (0, 0)
