"""A voter whose answer was lost after their ballot was stored sees its receipt when they send the form again.

The check page's "Cast my vote" form carries a signed one-time token; the receipt code is derived
from it (pb.services.receipts), so the same form sent again by the same voter finds the ballot it
cast, and nothing in the database ties the voter to it. (Against a real server, with the answer
dropped on the wire: tests/voting/test_receipts_server.py.)
"""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from pb.domain.receipts import RECEIPT_PATTERN
from pb.extensions import db
from pb.models import Ballot, Round, User
from pb.services import ballots as ballot_service
from pb.services import voting_codes
from tests import factories
from tests.voting.conftest import counts, ranks

CODE_IN_PAGE = re.compile(r'class="receipt-code"[^>]*>([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{3})<')


def cast_form(client, round_id: int, *project_ids) -> dict[str, str]:
    """The hidden fields of the check page's "Cast my vote" form, as a browser would send them."""
    html = client.post(f"/rounds/{round_id}/vote/review", data=ranks(*project_ids)).get_data(as_text=True)
    form = html[html.index(f'action="/rounds/{round_id}/vote/cast"'):]
    form = form[:form.index("</form>")]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


@pytest.fixture
def answer_lost(monkeypatch):
    """The next cast stores its ballot and then fails before any answer reaches the browser."""
    real = ballot_service.cast_ballot
    calls = []

    def cast_then_fail(*args, **kwargs):
        receipt = real(*args, **kwargs)
        if not calls:
            calls.append(receipt)
            raise ConnectionResetError("the answer was lost")
        return receipt

    monkeypatch.setattr(ballot_service, "cast_ballot", cast_then_fail)
    return calls


def _receipt_page(client, response) -> str:
    assert response.status_code == 303, response.status_code
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    return html


def test_the_form_sent_again_after_a_lost_answer_shows_the_receipt_of_the_ballot_cast(
        voter_client, setup, app, answer_lost):
    p = setup.projects
    form = cast_form(voter_client, setup.round_id, p[1], p[0])
    assert "ballot_token" in form and form["rank1"] == str(p[1])
    with pytest.raises(ConnectionResetError):
        voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=form)
    assert counts(app, setup.round_id) == (1, 1)  # stored, but the voter never saw the receipt

    html = _receipt_page(voter_client, voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=form))
    code = CODE_IN_PAGE.search(html).group(1)
    assert "had already been cast when you sent it again, so it has not been cast twice" in html
    with app.app_context():
        (ballot,) = db.session.scalars(select(Ballot)).all()
        assert (ballot.receipt, ballot.project_ids) == (code, [p[1], p[0]]) == (answer_lost[0], [p[1], p[0]])
    assert counts(app, setup.round_id) == (1, 1)


def test_pressing_cast_twice_shows_the_same_receipt_and_stores_one_ballot(voter_client, setup, app):
    form = cast_form(voter_client, setup.round_id, setup.projects[2])
    first = CODE_IN_PAGE.search(_receipt_page(voter_client, voter_client.post(
        f"/rounds/{setup.round_id}/vote/cast", data=form))).group(1)
    again = _receipt_page(voter_client, voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=form))
    assert CODE_IN_PAGE.search(again).group(1) == first and RECEIPT_PATTERN.match(first)
    assert counts(app, setup.round_id) == (1, 1)


def test_another_residents_form_gives_nothing_away(app, setup, client, auth):
    """The token is bound to the voter: someone else sending it casts their own ballot under another code."""
    with app.app_context():
        factories.make_resident(email="first@example.net")
        factories.make_resident(email="second@example.net")
    auth.login("first@example.net")
    form = cast_form(client, setup.round_id, setup.projects[0])
    first = CODE_IN_PAGE.search(_receipt_page(client, client.post(
        f"/rounds/{setup.round_id}/vote/cast", data=form))).group(1)
    auth.logout()
    auth.login("second@example.net")
    second = CODE_IN_PAGE.search(_receipt_page(client, client.post(
        f"/rounds/{setup.round_id}/vote/cast", data=form))).group(1)
    assert second != first
    assert "had already been cast" not in client.get(f"/rounds/{setup.round_id}/vote/receipt").get_data(as_text=True)
    assert counts(app, setup.round_id) == (2, 2)


def test_a_form_older_than_the_recovery_time_gives_no_receipt(voter_client, setup, app, answer_lost):
    app.config["PB_RECEIPT_RECOVERY_MINUTES"] = 1 / 60  # a second
    form = cast_form(voter_client, setup.round_id, setup.projects[0])
    with pytest.raises(ConnectionResetError):
        voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=form)
    time.sleep(2.1)
    response = voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "You have already voted" in html
    assert answer_lost[0] not in html
    assert counts(app, setup.round_id) == (1, 1)


def test_a_forged_token_is_ignored_and_the_ballot_gets_a_random_code(voter_client, setup, app):
    form = cast_form(voter_client, setup.round_id, setup.projects[0])
    form["ballot_token"] = form["ballot_token"][:-2] + ("AA" if not form["ballot_token"].endswith("AA") else "BB")
    code = CODE_IN_PAGE.search(_receipt_page(voter_client, voter_client.post(
        f"/rounds/{setup.round_id}/vote/cast", data=form))).group(1)
    assert RECEIPT_PATTERN.match(code)
    again = voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=form)
    assert again.status_code == 409 and code not in again.get_data(as_text=True)


def test_a_voting_code_voter_whose_answer_was_lost_sees_their_receipt(app, setup, client, answer_lost):
    with app.app_context():
        staff = factories.make_staff()
        resident = factories.make_resident(email=None, verification="self-declared")
        code = voting_codes.issue_code(staff, resident, db.session.get(Round, setup.round_id))
        resident_id = resident.id
    assert client.post("/vote-with-code", data={"code": code}).status_code == 302
    form = cast_form(client, setup.round_id, setup.projects[3])
    with pytest.raises(ConnectionResetError):
        client.post(f"/rounds/{setup.round_id}/vote/cast", data=form)
    html = _receipt_page(client, client.post(f"/rounds/{setup.round_id}/vote/cast", data=form))
    assert CODE_IN_PAGE.search(html).group(1) == answer_lost[0]
    assert "had already been cast" in html
    with app.app_context():
        assert db.session.get(User, resident_id) is not None
    assert counts(app, setup.round_id) == (1, 1)
