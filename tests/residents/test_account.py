"""The resident's own page: details, status, rounds voted in, data export, deletion request."""
from __future__ import annotations

import json

from sqlalchemy import select

from pb.extensions import db
from pb.models import AuditEvent, Ballot, User, VoterRoll
from tests import factories
from tests.residents.conftest import text_of


def _cast(round_id: int, user_id: int | None, channel: str = "online", ranking: str = "1,2") -> Ballot:
    """A voter-roll row and an anonymous ballot, as the voting service writes them."""
    db.session.add(VoterRoll(round_id=round_id, user_id=user_id, channel=channel))
    ballot = factories.ballot_row(round_id, [int(p) for p in ranking.split(",") if p])
    db.session.add(ballot)
    db.session.commit()
    return ballot


def test_account_needs_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.get("/account/export.json").status_code == 302
    assert client.post("/account/delete-request").status_code == 302


def test_account_shows_details_status_rounds_voted_and_proposals(app, resident_client, resident_user):
    with app.app_context():
        voted = factories.make_round(phase="voting_open", title="Round I voted in")
        factories.make_round(phase="voting_open", title="Round I did not vote in")
        p1 = factories.make_proposal(voted)
        p2 = factories.make_proposal(voted)
        _cast(voted.id, resident_user.id, channel="paper", ranking=f"{p1.id},{p2.id}")
        mine = factories.make_proposal(voted, title="Chair yoga in the library", status="submitted")
        db.session.get(type(mine), mine.id).proposer_id = resident_user.id
        db.session.commit()
    page = text_of(resident_client.get("/account"))
    assert "Your account" in page
    assert resident_user.name in page and "E8 1AB" in page and "15 June 1950" in page
    assert "Able to take part" in page
    voted_section = page.split("Rounds you have voted in")[1].split("<h2>")[0]
    assert "Round I voted in" in voted_section and "on paper, with staff" in voted_section
    assert "Round I did not vote in" not in voted_section
    assert "Chair yoga in the library" in page
    assert "never how you voted" in page
    assert "/account/export.json" in page


def test_export_holds_details_and_rounds_voted_in_but_never_ballot_content(app, resident_client, resident_user):
    with app.app_context():
        round_ = factories.make_round(phase="voting_open", title="Connect Hackney 2026")
        a = factories.make_proposal(round_, title="Lunch club")
        b = factories.make_proposal(round_, title="Walking group")
        ballot = _cast(round_.id, resident_user.id, ranking=f"{b.id},{a.id}")
        mine = factories.make_proposal(round_, title="Chair yoga", status="submitted", contact="07700 900982")
        db.session.get(type(mine), mine.id).proposer_id = resident_user.id
        db.session.commit()
        receipt, nonce, key = ballot.receipt, ballot.nonce, ballot.key
    response = resident_client.get("/account/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    data = json.loads(text)
    assert data["details"]["name"] == resident_user.name
    assert data["details"]["email"] == "resident@example.org"
    assert data["details"]["date_of_birth"] == "1950-06-15"
    assert data["details"]["postcode"] == "E8 1AB"
    assert data["eligibility"]["status"] == "eligible"
    assert data["rounds_voted_in"] == [
        {"round_id": round_.id, "round": "Connect Hackney 2026", "channel": "online", "used_voting_code": False}
    ]
    assert [p["title"] for p in data["proposals"]] == ["Chair yoga"]
    # Never how they voted: no ranking, receipt, nonce or ballot key, and no project they ranked.
    for secret in (receipt, nonce, key, f"{b.id},{a.id}", "Lunch club", "Walking group"):
        assert secret not in text
    assert "ranking" not in text and "receipt" not in text
    assert "password" not in json.dumps(data["details"]).replace("has_password", "")


def test_export_is_only_ever_the_signed_in_residents_own(app, client, auth, resident_user):
    with app.app_context():
        other = factories.make_resident(email="other@example.org", name="Other Person")
    auth.login(other.email)
    data = json.loads(client.get("/account/export.json").get_data(as_text=True))
    assert data["details"]["name"] == "Other Person"
    assert resident_user.name not in json.dumps(data)


def test_deletion_request_is_recorded_and_audited(app, resident_client, resident_user):
    confirm = resident_client.get("/account/delete-request")
    assert confirm.status_code == 200
    assert "Ask us to delete your details" in text_of(confirm)
    # GET changes nothing.
    with app.app_context():
        assert db.session.get(User, resident_user.id).deletion_requested_at is None
    response = resident_client.post("/account/delete-request")
    assert response.status_code == 302
    page = text_of(resident_client.get("/account"))
    assert "We have your request" in page
    assert "You asked us to delete your details on" in page
    with app.app_context():
        assert db.session.get(User, resident_user.id).deletion_requested_at is not None
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "resident.deletion_requested")))
        assert len(events) == 1 and events[0].details == {"resident_id": resident_user.id}
    # Asking twice records it once.
    resident_client.post("/account/delete-request")
    with app.app_context():
        assert len(list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "resident.deletion_requested")))) == 1


def test_nav_links_to_the_account_register_and_code_pages(client, app, resident_user, auth):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/register"' in html and 'href="/vote-with-code"' in html
    auth.login(resident_user.email)
    assert 'href="/account"' in client.get("/").get_data(as_text=True)


def test_account_lists_open_rounds_with_what_the_resident_can_do(app, resident_client, resident_user):
    with app.app_context():
        voting = factories.make_round(phase="voting_open", title="Voting round")
        done = factories.make_round(phase="voting_open", title="Already voted round")
        factories.make_round(phase="voting_open", title="Elsewhere round", accepted_postcodes="N4", review_postcodes="")
        factories.make_round(phase="draft", title="Draft round")
        factories.make_round(phase="results_published", title="Finished round")
        _cast(done.id, resident_user.id)
    page = text_of(resident_client.get("/account"))
    assert "Voting round" in page
    assert f"/rounds/{voting.id}" in page
    assert "You have voted in this round" in page
    assert "E8 1AB is not in Hackney" in page
    assert "Draft round" not in page and "Finished round" not in page


# ---------------------------------------------------------------- verification on the account page


def test_the_account_page_says_whether_the_resident_is_verified(app, client):
    from tests import factories

    with app.app_context():
        factories.make_resident(email="checked@example.net", verification="list")
    client.post("/sign-in", data={"email": "checked@example.net", "password": factories.PASSWORD})
    page = client.get("/account").get_data(as_text=True)
    assert "Yes: matched a resident list" in page and "Ways to get checked" not in page


def test_a_self_declared_resident_sees_each_way_to_get_checked_and_the_letter_on_its_way(app, client):
    from pb.extensions import db
    from pb.models import VerificationLetter
    from pb.services import verification_letters
    from tests import factories

    with app.app_context():
        resident = factories.make_resident(email="unchecked@example.net", verification="self-declared")
        verification_letters.request_letter(resident, "Flat 2, 14 Mare Street")
        db.session.commit()
        voting = factories.make_round(phase="voting_open", title="Fund for the verified")
        factories.make_proposal(voting)
    client.post("/sign-in", data={"email": "unchecked@example.net", "password": factories.PASSWORD})
    page = client.get("/account").get_data(as_text=True)
    assert "Not yet" in page and "Ways to get checked" in page
    assert "We will post a letter to Flat 2, 14 Mare Street, E8 1AB soon" in page
    assert "Before you can vote we need to check you live in Hackney" in page
    assert "Vote in Fund for the verified" not in page  # no ballot button, only how to get checked
    with app.app_context():
        staff = factories.make_staff()
        letter_ids = [letter.id for letter in db.session.query(VerificationLetter)]
        verification_letters.print_letters(staff, letter_ids)
    page = client.get("/account").get_data(as_text=True)
    assert "We posted a letter to Flat 2, 14 Mare Street, E8 1AB" in page
    assert 'name="code"' in page  # the code can be typed in right here


def test_account_says_per_round_who_it_is_for_without_contradicting_itself(app, resident_client, resident_user):
    """A resident of E8 is accepted for Hackney but not for a Stoke Newington round: the page says each in
    that round's words, and its top no longer claims they can take part everywhere."""
    with app.app_context():
        factories.make_round(phase="voting_open", title="Hackney round")
        factories.make_round(phase="voting_open", title="Stoke Newington round", area_name="Stoke Newington",
                             accepted_postcodes="N16", review_postcodes="", min_age=50,
                             age_reference_date=factories.date(2026, 6, 1))
    page = text_of(resident_client.get("/account"))
    assert "This round is for residents of Stoke Newington (N16) aged 50 or over on 1 June 2026." in page
    assert "Your postcode E8 1AB is not in Stoke Newington (N16)." in page
    assert "This round is for residents of Hackney (E2, E5, E8, E9, N16) aged 50 or over" in page
    assert "live in Hackney" not in page  # the site-wide summary that contradicted the round
    assert "Each round has its own rules" in page
