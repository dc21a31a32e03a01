"""The order of the projects on the ballot: each voter's own random order, or one fixed order for a paper ballot."""
from __future__ import annotations

import re

from sqlalchemy import select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import Round
from tests import factories
from tests.staff.conftest import round_form_data

TITLES = ["Art class", "Bingo", "Choir", "Dance", "Exercise", "Food bank", "Gardening", "History talks"]


def _round(app, order: str) -> int:
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN, ballot_order=order)
        for title in reversed(TITLES):
            factories.make_proposal(round_, title=title)
        factories.make_resident(email=f"first-{order}@example.net")
        factories.make_resident(email=f"second-{order}@example.net")
        return round_.id


def _order(client, round_id: int) -> list[str]:
    """The projects as the ballot lists them (its project cards, top to bottom)."""
    html = client.get(f"/rounds/{round_id}/vote").get_data(as_text=True)
    listed = [t for t in re.findall(r'<span class="card-title">([^<]+)</span>', html) if t in TITLES]
    assert sorted(listed) == sorted(TITLES), listed
    return listed


def test_each_voter_gets_their_own_random_order_which_stays_put(app, client, auth):
    round_id = _round(app, "random")
    auth.login("first-random@example.net")
    first = _order(client, round_id)
    assert _order(client, round_id) == first  # the same every time they open the ballot
    html = client.get(f"/rounds/{round_id}/vote").get_data(as_text=True)
    assert "listed in a random order, different for each voter" in html
    auth.logout()
    auth.login("second-random@example.net")
    second = _order(client, round_id)
    assert second != first
    assert first != TITLES and second != TITLES  # 1 chance in 40,320 each of matching by title


def test_a_fixed_order_is_by_title_for_everyone_as_on_the_paper_ballot(app, client, auth):
    round_id = _round(app, "fixed")
    for email in ("first-fixed@example.net", "second-fixed@example.net"):
        auth.login(email)
        assert _order(client, round_id) == TITLES
        assert "listed by title, in the same order as on the paper ballot" in client.get(
            f"/rounds/{round_id}/vote").get_data(as_text=True)
        auth.logout()


def test_staff_choose_the_order_when_setting_up_a_round(app, staff_client):
    assert 'name="ballot_order"' in staff_client.get("/staff/rounds/new").get_data(as_text=True)
    assert staff_client.post("/staff/rounds/new", data=round_form_data(ballot_order="fixed")).status_code == 302
    assert staff_client.post("/staff/rounds/new", data=round_form_data(
        title="Default order", form_token="token-for-tests-2")).status_code == 302
    with app.app_context():
        orders = dict(db.session.execute(select(Round.title, Round.ballot_order)).all())
    assert orders == {"Connect Hackney 2027": "fixed", "Default order": "random"}
