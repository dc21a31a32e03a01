"""Paper and assisted voting: staff find the resident, check identity, key the ranking; double entry."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from pb.extensions import db
from pb.models import AuditEvent, Ballot, PaperEntry, Round, VoterRoll
from tests import factories
from tests.voting.conftest import audit_rows, counts, paper_entries, ranks


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def resident(app):
    with app.app_context():
        return factories.make_resident(name="Ada Paperton", date_of_birth=date(1944, 3, 27), postcode="E8 2XY",
                                       with_email=False)


def _store(client, round_id, user_id, ranking, identity=True):
    data = ranks(*ranking)
    if identity:
        data["identity_checked"] = "y"
    return client.post(f"/staff/rounds/{round_id}/paper/residents/{user_id}/store", data=data)


def _sign_in_as(client, email):
    client.post("/sign-out")
    return client.post("/sign-in", data={"email": email, "password": factories.PASSWORD})


def _keyed_by(client, staff, round_id, user_id, ranking, identity=True):
    """Sign in as `staff` and key the paper ballot."""
    _sign_in_as(client, staff.email)
    return _store(client, round_id, user_id, ranking, identity)


def test_paper_pages_are_staff_only(client, auth, setup, resident, app):
    url = f"/staff/rounds/{setup.round_id}/paper"
    assert client.get(url).status_code == 302
    assert _store(client, setup.round_id, resident.id, setup.projects[:1]).status_code == 302
    with app.app_context():
        factories.make_resident(email="res@example.net")
    auth.login("res@example.net")
    assert client.get(url).status_code == 403
    assert _store(client, setup.round_id, resident.id, setup.projects[:1]).status_code == 403
    assert counts(app) == (0, 0)


@pytest.mark.parametrize("query", [
    {"name": "paperton"},
    {"postcode": "e82xy"},
    {"postcode": "E8"},
    {"dob_day": "27", "dob_month": "3", "dob_year": "1944"},
])
def test_staff_find_the_resident_by_name_postcode_or_date_of_birth(staff_client, setup, resident, query):
    html = _html(staff_client.get(f"/staff/rounds/{setup.round_id}/paper", query_string=query))
    assert "Ada Paperton" in html
    assert f"/staff/rounds/{setup.round_id}/paper/residents/{resident.id}" in html


def test_search_page_links_to_registering_in_person(staff_client, setup):
    html = _html(staff_client.get(f"/staff/rounds/{setup.round_id}/paper"))
    assert "<h1>Enter a paper ballot</h1>" in html
    assert "Register the person first" in html


def test_entry_page_asks_for_an_identity_check_and_offers_the_same_controls(staff_client, setup, resident):
    html = _html(staff_client.get(f"/staff/rounds/{setup.round_id}/paper/residents/{resident.id}"))
    assert "I have checked this person&#39;s identity" in html or "I have checked this person's identity" in html
    assert "27 March 1944" in html and "E8 2XY" in html
    for n in (1, 2, 3):
        assert f'id="rank{n}"' in html


def test_identity_must_be_confirmed(staff_client, setup, resident, app):
    url = f"/staff/rounds/{setup.round_id}/paper/residents/{resident.id}/check"
    response = staff_client.post(url, data=ranks(setup.projects[0]))
    assert response.status_code == 400
    assert "Tick the box to confirm you have checked this person" in _html(response)
    response = _store(staff_client, setup.round_id, resident.id, setup.projects[:1], identity=False)
    assert response.status_code == 400
    assert counts(app) == (0, 0)


def test_paper_ballot_is_stored_with_the_staff_member_on_the_voter_roll(staff_client, staff_user, setup, resident, app):
    p = setup.projects
    review = staff_client.post(f"/staff/rounds/{setup.round_id}/paper/residents/{resident.id}/check",
                               data={**ranks(p[1], p[3]), "identity_checked": "y"})
    assert review.status_code == 200
    assert re.search(r"<dt>1st choice</dt><dd>Project Bench", _html(review))
    response = _store(staff_client, setup.round_id, resident.id, [p[1], p[3]])
    assert response.status_code == 303
    html = _html(staff_client.get(response.headers["Location"]))
    receipt = re.search(r'class="receipt-code">([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{3})<', html).group(1)
    assert "Print the slip" in html
    with app.app_context():
        (roll,) = db.session.scalars(select(VoterRoll)).all()
        assert (roll.user_id, roll.channel, roll.entered_by_id) == (resident.id, "paper", staff_user.id)
        (ballot,) = db.session.scalars(select(Ballot)).all()
        assert ballot.receipt == receipt and ballot.project_ids == [p[1], p[3]]
    (event,) = audit_rows(app, "ballot.paper_entered")
    assert event.actor_id == staff_user.id and event.details["resident_id"] == resident.id
    # The audit log never holds the ranking.
    assert "ranking" not in event.details
    assert f"{p[1]},{p[3]}" not in str(event.details)


def test_bad_paper_rankings_are_refused_and_store_nothing(staff_client, setup, resident, app):
    p = setup.projects
    for bad in ([p[0], p[0]], [setup.other_project], [setup.refused], p[:4], []):
        response = _store(staff_client, setup.round_id, resident.id, bad)
        assert response.status_code == 400, bad
        assert "There is a problem" in _html(response)
    assert counts(app) == (0, 0)


def test_paper_keying_refusals_speak_to_the_staff_member_about_the_paper(staff_client, setup, resident, app):
    """Staff keying a paper ballot are not the voter: no "You chose …", but what the paper shows."""
    p = setup.projects
    expected = {
        (p[0], p[0]): "This ballot has “Project Apple” as both 1st and 2nd choice. Check the paper.",
        (setup.refused,): "The 1st choice entered is not one of the projects on this ballot. "
                          "Check the paper and choose the project it shows.",
        tuple(p[:4]): "This ballot can have up to 3 choices, and 4 are entered. Check the paper.",
        (): "Enter the 1st choice shown on the paper.",
    }
    check = f"/staff/rounds/{setup.round_id}/paper/residents/{resident.id}/check"
    for bad, message in expected.items():
        for response in (staff_client.post(check, data={**ranks(*bad), "identity_checked": "y"}),
                         _store(staff_client, setup.round_id, resident.id, list(bad))):
            html = _html(response)
            assert response.status_code == 400 and message in html, (bad, html[:2000])
            assert "You chose" not in html and "Your 1st choice" not in html
    assert counts(app) == (0, 0)


def test_resident_who_voted_on_paper_cannot_vote_online(staff_client, setup, app):
    with app.app_context():
        resident_id = factories.make_resident(email="paper-first@example.net").id
    assert _store(staff_client, setup.round_id, resident_id, setup.projects[:1]).status_code == 303
    _sign_in_as(staff_client, "paper-first@example.net")
    response = staff_client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[1]))
    assert response.status_code == 409 and "already voted" in _html(response)
    assert counts(app) == (1, 1)


def test_resident_who_voted_online_cannot_vote_on_paper(client, auth, setup, app, staff_user):
    with app.app_context():
        resident_id = factories.make_resident(email="online-first@example.net").id
    auth.login("online-first@example.net")
    assert client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0])).status_code == 303
    _sign_in_as(client, staff_user.email)
    html = _html(client.get(f"/staff/rounds/{setup.round_id}/paper/residents/{resident_id}"))
    assert "has already voted in this round online" in html
    response = _store(client, setup.round_id, resident_id, setup.projects[1:2])
    assert response.status_code == 302
    assert "already voted" in _html(client.get(response.headers["Location"]))
    assert counts(app) == (1, 1)


def test_paper_ballot_after_voting_closed_is_refused(staff_client, setup, resident, app):
    with app.app_context():
        db.session.get(Round, setup.round_id).phase = "voting_closed"
        db.session.commit()
    response = _store(staff_client, setup.round_id, resident.id, setup.projects[:1])
    assert response.status_code == 409 and "cannot be entered now" in _html(response)
    assert staff_client.get(f"/staff/rounds/{setup.round_id}/paper").status_code == 409
    assert counts(app) == (0, 0)


def test_ineligible_resident_cannot_vote_on_paper(staff_client, setup, app):
    with app.app_context():
        rid = factories.make_resident(postcode="SW1A 1AA", status="refused").id
    response = _store(staff_client, setup.round_id, rid, setup.projects[:1])
    assert response.status_code == 302
    assert counts(app) == (0, 0)


# ---------------------------------------------------------------- double entry


@pytest.fixture
def double(app, setup):
    with app.app_context():
        db.session.get(Round, setup.round_id).paper_double_entry = True
        db.session.commit()
        a = factories.make_staff(email="first@example.org", name="Fiona First")
        b = factories.make_staff(email="second@example.org", name="Sam Second")
        c = factories.make_staff(email="third@example.org", name="Tariq Third")
    return a, b, c


def test_double_entry_stores_the_ballot_only_when_two_staff_agree(client, setup, resident, double, app):
    a, b, _ = double
    p = setup.projects
    response = _keyed_by(client, a, setup.round_id, resident.id, [p[2], p[4]])
    assert response.status_code == 302
    assert "It will be counted once a different member of staff keys the same paper form" in _html(
        client.get(response.headers["Location"]))
    assert counts(app) == (0, 0) and paper_entries(app) == 1
    # The same member of staff cannot confirm their own entry.
    response = _store(client, setup.round_id, resident.id, [p[2], p[4]])
    assert response.status_code == 302
    assert "A different member of staff must key it again" in _html(client.get(response.headers["Location"]))
    assert counts(app) == (0, 0) and paper_entries(app) == 1
    # A second member of staff sees it waiting, without the first ranking, and keys it again.
    _sign_in_as(client, b.email)
    page = _html(client.get(f"/staff/rounds/{setup.round_id}/paper"))
    assert "Waiting for a second member of staff" in page and "Ada Paperton" in page and "Fiona First" in page
    entry_page = _html(client.get(f"/staff/rounds/{setup.round_id}/paper/residents/{resident.id}"))
    assert " selected>" not in entry_page
    assert "This paper ballot was keyed once by Fiona First." in entry_page
    assert '<label class="label" for="rank1">1st choice</label>' in entry_page
    response = _store(client, setup.round_id, resident.id, [p[2], p[4]], identity=False)
    assert response.status_code == 303
    assert "receipt-code" in _html(client.get(response.headers["Location"]))
    assert counts(app) == (1, 1) and paper_entries(app) == 0
    with app.app_context():
        roll = db.session.scalar(select(VoterRoll))
        assert (roll.channel, roll.entered_by_id) == ("paper", a.id)
    (confirmed,) = audit_rows(app, "ballot.paper_confirmed")
    assert confirmed.actor_id == b.id and confirmed.details["first_keyed_by_id"] == a.id


def test_double_entry_disagreement_stores_nothing_and_both_staff_see_it(client, setup, resident, double, app):
    a, b, c = double
    p = setup.projects
    _keyed_by(client, a, setup.round_id, resident.id, [p[0], p[1]])
    response = _keyed_by(client, b, setup.round_id, resident.id, [p[1], p[0]])
    assert response.status_code == 409
    assert "does not match the first entry of this paper ballot, so nothing has been stored" in _html(response)
    assert counts(app) == (0, 0) and paper_entries(app) == 1
    (mismatch,) = audit_rows(app, "ballot.paper_mismatch")
    assert mismatch.details == {"resident_id": resident.id, "first_keyed_by_id": a.id}
    # The first member of staff sees the disagreement on the paper page.
    _sign_in_as(client, a.email)
    page = _html(client.get(f"/staff/rounds/{setup.round_id}/paper"))
    assert "The second keying by Sam Second did not match." in page
    # A third try that agrees with the first stores the ballot.
    _sign_in_as(client, c.email)
    assert _store(client, setup.round_id, resident.id, [p[0], p[1]], identity=False).status_code == 303
    assert counts(app) == (1, 1) and paper_entries(app) == 0
    with app.app_context():
        assert db.session.scalar(select(Ballot)).project_ids == [p[0], p[1]]


def test_a_wrong_first_entry_can_be_discarded_and_keyed_afresh(client, setup, resident, double, app):
    a, b, _ = double
    p = setup.projects
    _keyed_by(client, a, setup.round_id, resident.id, [p[0]])
    _sign_in_as(client, b.email)
    response = client.post(f"/staff/rounds/{setup.round_id}/paper/residents/{resident.id}/discard")
    assert response.status_code == 302
    assert paper_entries(app) == 0 and counts(app) == (0, 0)
    assert len(audit_rows(app, "ballot.paper_discarded")) == 1
    _store(client, setup.round_id, resident.id, [p[3]])
    assert paper_entries(app) == 1
    with app.app_context():
        assert db.session.scalar(select(PaperEntry.entered_by_id)) == b.id


def test_online_vote_is_refused_while_a_paper_ballot_waits_for_its_second_keying(client, auth, setup, double, app):
    a, _, _ = double
    with app.app_context():
        rid = factories.make_resident(email="waiting@example.net").id
    _keyed_by(client, a, setup.round_id, rid, setup.projects[:1])
    _sign_in_as(client, "waiting@example.net")
    html = _html(client.get(f"/rounds/{setup.round_id}/vote"))
    assert "paper ballot for you in this round is being entered" in html and 'id="rank1"' not in html
    response = client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[1]))
    assert response.status_code == 409
    assert "paper ballot for you in this round is being entered" in _html(response)
    assert counts(app) == (0, 0)


def test_audit_rows_for_paper_voting_never_hold_a_ranking(client, setup, resident, double, app):
    a, b, _ = double
    p = setup.projects
    _keyed_by(client, a, setup.round_id, resident.id, [p[4], p[2]])
    _keyed_by(client, b, setup.round_id, resident.id, [p[2], p[4]])
    _store(client, setup.round_id, resident.id, [p[4], p[2]], identity=False)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("ballot.%"))).all()
        assert {e.action for e in events} >= {"ballot.paper_first_keying", "ballot.paper_mismatch",
                                              "ballot.paper_entered", "ballot.paper_confirmed"}
        for e in events:
            assert "ranking" not in e.details
            assert f"{p[4]},{p[2]}" not in str(e.details) and f"{p[2]},{p[4]}" not in str(e.details)


def test_first_keyings_left_when_voting_closes_can_be_removed(client, setup, resident, double, app):
    a, _, _ = double
    _keyed_by(client, a, setup.round_id, resident.id, setup.projects[:1])
    assert paper_entries(app) == 1
    # Not while voting is open.
    response = client.post(f"/staff/rounds/{setup.round_id}/paper/unfinished/discard")
    assert "only be cleared after voting has closed" in _html(client.get(response.headers["Location"]))
    assert paper_entries(app) == 1
    with app.app_context():
        db.session.get(Round, setup.round_id).phase = "voting_closed"
        db.session.commit()
    page = client.get(f"/staff/rounds/{setup.round_id}/paper")
    assert page.status_code == 409 and "1 paper ballot was keyed by one member of staff" in _html(page)
    client.post(f"/staff/rounds/{setup.round_id}/paper/unfinished/discard")
    assert paper_entries(app) == 0 and counts(app) == (0, 0)
    (event,) = audit_rows(app, "ballot.paper_unfinished_discarded")
    assert event.details == {"count": 1}


@pytest.mark.parametrize("query, message", [
    ({"dob_day": "x", "dob_month": "3", "dob_year": "1944"}, "Enter the day as a number, for example 27"),
    ({"dob_day": "31", "dob_month": "2", "dob_year": "1944"}, "Enter a real date of birth, for example 27 3 1948"),
    ({"dob_day": "27", "dob_month": "", "dob_year": "1944"}, "Enter the whole date of birth"),
    ({"dob_day": "27", "dob_month": "13", "dob_year": "1944"}, "Enter a month from 1 to 12"),
])
def test_search_with_a_bad_date_of_birth_says_how_to_fix_it(staff_client, setup, resident, query, message):
    html = _html(staff_client.get(f"/staff/rounds/{setup.round_id}/paper", query_string=query))
    assert message in html
    assert "people found" not in html and "person found" not in html


def test_search_finds_nobody_and_says_so(staff_client, setup, resident):
    html = _html(staff_client.get(f"/staff/rounds/{setup.round_id}/paper", query_string={"name": "Nobody Atall"}))
    assert "0 people found" in html


def test_the_paper_pages_cost_the_same_statements_however_many_keyings_wait(client, setup, double, app):
    """Each waiting keying and each disagreement adds a row to the page, not a query."""
    from sqlalchemy import event

    a, b, _ = double
    p = setup.projects
    with app.app_context():
        people = [factories.make_resident(email=f"paper{n}@example.net").id for n in range(8)]

    def key(ids, first, second=None):
        _sign_in_as(client, first.email)
        for rid in ids:
            _store(client, setup.round_id, rid, [p[0], p[1]])
        if second is not None:  # a second keying that disagrees: audited, nothing stored
            _sign_in_as(client, second.email)
            for rid in ids:
                assert _store(client, setup.round_id, rid, [p[1], p[0]]).status_code == 409
            _sign_in_as(client, first.email)

    def statements(url: str) -> tuple[int, str]:
        with app.app_context():
            engine = db.engine
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            html = _html(client.get(url))
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen), html

    page = f"/staff/rounds/{setup.round_id}/paper"
    entry = f"/staff/rounds/{setup.round_id}/paper/residents/{people[0]}"
    key(people[:2], a, b)
    few, few_html = statements(page)
    few_entry, entry_html = statements(entry)
    assert few_html.count("The second keying by Sam Second did not match.") == 2
    assert "Sam Second" in entry_html
    key(people[2:], a, b)
    many, many_html = statements(page)
    assert many_html.count("The second keying by Sam Second did not match.") == 8
    assert (many, statements(entry)[0]) == (few, few_entry)
