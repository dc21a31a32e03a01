"""Staff pages for residents: access control, search, review, in-person registration, deletion."""
from __future__ import annotations

import re
import secrets
from datetime import date

import pytest
from sqlalchemy import func, select

from pb.extensions import db
from pb.models import AuditEvent, Ballot, Proposal, User, VoterRoll, VotingCode
from tests import factories
from tests.residents.conftest import audit_actions, dob_fields, error_messages, register_steps, text_of, users


def _staff_resident_urls(app, user_id: int) -> list[tuple[str, str]]:
    """Every URL of the residents_staff blueprint with each of its methods."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("residents_staff."):
            continue
        path = re.sub(r"<(?:int:)?(?:user_id|contact_id)>", str(user_id), rule.rule)
        assert "<" not in path, f"unexpected argument in {rule.rule}"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


def test_the_staff_resident_routes_are_all_walked(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("residents_staff.")}
    assert {"residents_staff.search", "residents_staff.register_in_person", "residents_staff.issue_code",
            "residents_staff.pending", "residents_staff.resident", "residents_staff.approve",
            "residents_staff.refuse", "residents_staff.delete", "residents_staff.edit"} <= endpoints


def test_anonymous_visitors_are_sent_to_sign_in_on_every_staff_resident_route(app, client):
    with app.app_context():
        target = factories.make_resident(status="pending")
    for method, path in _staff_resident_urls(app, target.id):
        response = client.open(path, method=method, data={"reason": "x", "name": "x"})
        assert response.status_code == 302, (method, path)
        assert "/sign-in" in response.headers["Location"], (method, path)
    with app.app_context():
        assert db.session.get(User, target.id).eligibility_status == "pending"
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_residents_get_403_on_every_staff_resident_route(app, resident_client, resident_user):
    with app.app_context():
        target = factories.make_resident(status="pending")
    for method, path in _staff_resident_urls(app, target.id):
        response = resident_client.open(path, method=method, data={"reason": "x", "name": "x"})
        assert response.status_code == 403, (method, path)
    with app.app_context():
        assert db.session.get(User, target.id) is not None
        assert db.session.get(User, target.id).eligibility_status == "pending"
        assert db.session.scalar(select(func.count()).select_from(VotingCode)) == 0


def test_staff_can_open_every_staff_resident_page(app, staff_client):
    with app.app_context():
        target = factories.make_resident(status="pending")
        factories.make_round(phase="voting_open")
    for method, path in _staff_resident_urls(app, target.id):
        if method == "GET":
            assert staff_client.get(path).status_code == 200, path


def test_unknown_resident_is_404_for_staff(staff_client):
    assert staff_client.get("/staff/residents/99999").status_code == 404
    assert staff_client.get("/staff/residents/99999/code").status_code == 404
    assert staff_client.post("/staff/residents/99999/approve").status_code == 404


def test_staff_accounts_are_not_residents(app, staff_client, staff_user):
    assert staff_client.get(f"/staff/residents/{staff_user.id}").status_code == 404
    assert staff_client.post(f"/staff/residents/{staff_user.id}/delete").status_code == 404
    with app.app_context():
        assert db.session.get(User, staff_user.id) is not None


def test_search_by_part_of_name_or_postcode_in_any_case(app, staff_client):
    with app.app_context():
        factories.make_resident(name="Margaret Okafor", postcode="E8 1AB")
        factories.make_resident(name="Desmond Okafor-Smith", postcode="N16 7AB")
        factories.make_resident(name="Ada Lovelace", postcode="E5 0LL")
    def names(q):
        return re.findall(r'/staff/residents/\d+">([^<]+)<', staff_client.get("/staff/residents/", query_string={"q": q}).get_data(as_text=True))
    assert names("OKAF") == ["Desmond Okafor-Smith", "Margaret Okafor"]
    assert names("margaret  okafor") == ["Margaret Okafor"]
    assert names("e8 1") == ["Margaret Okafor"]
    assert names("n167") == ["Desmond Okafor-Smith"]
    assert names("%") == []
    assert len(names("")) == 3
    assert "No residents match" in staff_client.get("/staff/residents/?q=zzz").get_data(as_text=True)


def test_pending_queue_lists_registrations_waiting_for_review(app, staff_client):
    with app.app_context():
        factories.make_resident(name="Waiting Person", status="pending", postcode="E1 6AN")
        factories.make_resident(name="Already Fine")
    page = text_of(staff_client.get("/staff/residents/pending"))
    assert "Review Waiting Person" in page
    assert "Already Fine" not in page


def test_a_long_review_queue_is_shown_a_page_at_a_time_oldest_first(app, staff_client, monkeypatch):
    from datetime import datetime, timedelta, timezone

    from pb.services import resident_review

    monkeypatch.setattr(resident_review, "REVIEW_PAGE_SIZE", 4)
    with app.app_context():
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        for n in range(6):
            user = factories.make_resident(name=f"Queue Person {n}", status="pending", postcode="E1 6AN")
            user.created_at = start + timedelta(days=n)
        factories.make_resident(name="Fine Person")
        db.session.commit()
    first = text_of(staff_client.get("/staff/residents/pending"))
    assert "Waiting for review (6), oldest first, page 1 of 2" in first
    assert all(f"Review Queue Person {n}" in first for n in range(4))
    assert "Queue Person 4" not in first and "Fine Person" not in first
    html = staff_client.get("/staff/residents/pending").get_data(as_text=True)
    assert 'href="/staff/residents/pending?page=2">Later registrations</a>' in html
    second = text_of(staff_client.get("/staff/residents/pending?page=2"))
    assert "Review Queue Person 4" in second and "Review Queue Person 5" in second and "Queue Person 0" not in second
    # A page past the end shows the last; anything that is not a number, the first.
    assert "page 2 of 2" in text_of(staff_client.get("/staff/residents/pending?page=99"))
    assert "page 1 of 2" in text_of(staff_client.get("/staff/residents/pending?page=abc"))
    # The residents page counts them without listing them.
    assert "Waiting for review (6)" in text_of(staff_client.get("/staff/residents/"))


def test_approve_is_audited_and_lets_the_resident_take_part(app, staff_client, staff_user):
    with app.app_context():
        waiting = factories.make_resident(status="pending", postcode="E1 6AN")
    response = staff_client.post(f"/staff/residents/{waiting.id}/approve", data={"note": "Address checked."})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, waiting.id)
        assert user.eligibility_status == "eligible" and user.eligibility_reason == "Address checked."
    [(action, details)] = audit_actions(app)
    assert action == "resident.approved"
    assert details == {"resident_id": waiting.id, "before": "pending", "after": "eligible"}


def test_refuse_needs_a_reason_and_is_audited(app, staff_client):
    with app.app_context():
        waiting = factories.make_resident(status="pending", postcode="E1 6AN")
    response = staff_client.post(f"/staff/residents/{waiting.id}/refuse", data={"reason": "  "})
    assert response.status_code == 400
    assert any("Enter the reason" in m for m in error_messages(response.get_data(as_text=True)))
    with app.app_context():
        assert db.session.get(User, waiting.id).eligibility_status == "pending"
    assert audit_actions(app) == []
    response = staff_client.post(f"/staff/residents/{waiting.id}/refuse", data={"reason": "Your address is in Tower Hamlets."})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, waiting.id)
        assert user.eligibility_status == "refused" and user.eligibility_reason == "Your address is in Tower Hamlets."
    assert [a for a, _ in audit_actions(app)] == ["resident.refused"]


def test_refused_resident_sees_the_reason_on_their_account(app, staff_client):
    with app.app_context():
        waiting = factories.make_resident(status="pending", email="w@example.org")
    staff_client.post(f"/staff/residents/{waiting.id}/refuse", data={"reason": "Your address is in Tower Hamlets."})
    resident = app.test_client()
    resident.post("/sign-in", data={"email": "w@example.org", "password": factories.PASSWORD})
    page = text_of(resident.get("/account"))
    assert "Not able to take part" in page and "Your address is in Tower Hamlets." in page


def _in_person(**overrides):
    data = {"name": "Winston Bennett", **dob_fields(date(1944, 11, 2)), "postcode": "e5 9pj", "phone": "", "email": ""}
    data.update(overrides)
    return data


def test_register_in_person_without_email_or_password_is_audited(app, staff_client, staff_user):
    with app.app_context():
        factories.make_round(phase="voting_open")
    response = staff_client.post("/staff/residents/register", data=_in_person(phone="020 7946 0001"))
    assert response.status_code == 302
    [user] = users(app)
    assert user.eligibility_status == "eligible" and user.postcode == "E5 9PJ"
    assert user.email is None and user.password_hash is None and user.registered_by_id == staff_user.id
    assert response.headers["Location"].endswith(f"/staff/residents/{user.id}")
    assert "Winston Bennett is registered" in text_of(staff_client.get(response.headers["Location"]))
    [(action, details)] = audit_actions(app)
    assert action == "resident.registered_in_person"
    assert details["resident_id"] == user.id and "Winston" not in str(details)


def test_in_person_shared_district_can_be_approved_at_once_after_checking_id(app, staff_client):
    with app.app_context():
        factories.make_round(phase="voting_open")
    staff_client.post("/staff/residents/register", data=_in_person(postcode="E1 6AN"))
    staff_client.post("/staff/residents/register", data=_in_person(name="Second Person", postcode="E1 6AN", checked_id="y"))
    first, second = users(app)
    assert first.eligibility_status == "pending"
    assert second.eligibility_status == "eligible"


def test_in_person_checked_id_does_not_override_the_age_rule(app, staff_client):
    with app.app_context():
        factories.make_round(phase="voting_open")
    staff_client.post("/staff/residents/register", data=_in_person(checked_id="y", **dob_fields(date(1990, 1, 1))))
    [user] = users(app)
    assert user.eligibility_status == "refused"


def test_in_person_duplicate_and_bad_input_are_refused_with_messages(app, staff_client):
    with app.app_context():
        factories.make_round(phase="voting_open")
    assert staff_client.post("/staff/residents/register", data=_in_person()).status_code == 302
    again = staff_client.post("/staff/residents/register", data=_in_person(name="WINSTON  bennett", postcode="E59PJ"))
    assert again.status_code == 400
    assert "This resident is already registered" in text_of(again)
    bad = staff_client.post("/staff/residents/register", data=_in_person(name="New", dob_day="30", dob_month="2", postcode="E5"))
    assert bad.status_code == 400
    messages = error_messages(bad.get_data(as_text=True))
    assert any("real date" in m for m in messages) and any("real UK postcode" in m for m in messages)
    assert len(users(app)) == 1


def test_deleting_a_resident_keeps_anonymous_voter_roll_rows_so_counts_add_up(app, staff_client, staff_user):
    with app.app_context():
        round_ = factories.make_round(phase="voting_open")
        gone = factories.make_resident(name="Gone Person", email="gone@example.org")
        stays = factories.make_resident()
        proposal = factories.make_proposal(round_, title="Community garden", status="submitted", contact="gone@example.org")
        db.session.get(Proposal, proposal.id).proposer_id = gone.id
        for user in (gone, stays):
            db.session.add(VoterRoll(round_id=round_.id, user_id=user.id, channel="online"))
            db.session.add(factories.ballot_row(round_.id, [proposal.id]))
        db.session.add(VotingCode(round_id=round_.id, user_id=gone.id, code_hash=secrets.token_hex(32), issued_by_id=staff_user.id))
        db.session.commit()
        db.session.get(User, gone.id).deletion_requested_at = factories.fake.date_time_this_year()
        db.session.commit()
    confirm = staff_client.get(f"/staff/residents/{gone.id}/delete")
    assert "cannot be undone" in text_of(confirm)
    response = staff_client.post(f"/staff/residents/{gone.id}/delete")
    assert response.status_code == 302
    assert "details have been deleted" in text_of(staff_client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.get(User, gone.id) is None
        voter_roll = db.session.scalar(select(func.count()).select_from(VoterRoll).where(VoterRoll.round_id == round_.id))
        ballots = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_.id))
        assert voter_roll == ballots == 2
        assert sorted(db.session.scalars(select(VoterRoll.user_id)), key=str) == sorted([None, stays.id], key=str)
        kept = db.session.get(Proposal, proposal.id)
        assert kept.title == "Community garden" and kept.proposer_id is None and kept.contact == ""
        code = db.session.scalar(select(VotingCode))
        assert code.user_id is None and code.revoked_at is not None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "resident.deleted"))
        assert event.actor_id == staff_user.id
        assert event.details == {
            "resident_id": gone.id,
            "requested_by_resident": True,
            "voter_roll_rows_kept": 1,
            "proposals_kept": 1,
        }
        assert "Gone" not in str(event.details) and "gone@" not in str(event.details)
    # The deleted resident's cookie no longer signs anyone in.
    assert staff_client.get(f"/staff/residents/{gone.id}").status_code == 404


def test_deleted_resident_can_no_longer_sign_in(app, client, staff_user, auth):
    with app.app_context():
        gone = factories.make_resident(email="gone@example.org")
    resident = app.test_client()
    resident.post("/sign-in", data={"email": "gone@example.org", "password": factories.PASSWORD})
    assert resident.get("/account").status_code == 200
    auth.login(staff_user.email)
    client.post(f"/staff/residents/{gone.id}/delete")
    assert resident.get("/account").status_code == 302
    again = app.test_client().post("/sign-in", data={"email": "gone@example.org", "password": factories.PASSWORD})
    assert again.status_code == 400


def test_resident_asks_for_deletion_and_staff_carry_it_out(app, resident_client, resident_user, staff_user):
    resident_client.post("/account/delete-request")
    staff = app.test_client()
    staff.post("/sign-in", data={"email": staff_user.email, "password": factories.PASSWORD})
    queue = text_of(staff.get("/staff/residents/pending"))
    assert f"Delete {resident_user.name}" in queue
    done = staff.post(f"/staff/residents/{resident_user.id}/delete")
    assert done.status_code == 302
    assert "details have been deleted" in text_of(staff.get(done.headers["Location"]))
    with app.app_context():
        assert db.session.get(User, resident_user.id) is None
        events = {e.action: e for e in db.session.scalars(select(AuditEvent))}
        # The resident's own request stays in the log, no longer pointing at anyone.
        assert events["resident.deletion_requested"].actor_id is None
        assert events["resident.deleted"].details["requested_by_resident"] is True
    assert resident_user.name not in text_of(staff.get("/staff/residents/pending"))
    assert resident_client.get("/account").status_code == 302


def test_staff_correct_details_and_eligibility_is_checked_again(app, staff_client):
    with app.app_context():
        factories.make_round(phase="voting_open")
        person = factories.make_resident(name="Winston Benett", email=None, with_email=False)
    form = staff_client.get(f"/staff/residents/{person.id}/edit").get_data(as_text=True)
    assert 'value="Winston Benett"' in form and 'value="E8 1AB"' in form and 'value="1950"' in form
    data = {"name": "Winston Bennett", **dob_fields(date(1950, 6, 15)), "postcode": "e1 6an", "phone": "", "email": ""}
    response = staff_client.post(f"/staff/residents/{person.id}/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.name == "Winston Bennett" and user.name_key == "winston bennett"
        assert user.postcode == "E1 6AN" and user.eligibility_status == "pending"
    staff_client.post(f"/staff/residents/{person.id}/edit", data={**data, "checked_id": "y"})
    with app.app_context():
        assert db.session.get(User, person.id).eligibility_status == "eligible"
    actions = audit_actions(app)
    assert actions[0] == ("resident.updated", {"resident_id": person.id, "changed": ["name", "postcode", "eligibility"]})
    assert actions[1] == ("resident.updated", {"resident_id": person.id, "changed": ["eligibility"]})
    assert "Bennett" not in str(actions) and "E1 6AN" not in str(actions)


def test_staff_edit_refuses_clashes_and_bad_input(app, staff_client):
    with app.app_context():
        first = factories.make_resident(name="Ada Lovelace", email="ada@example.org")
        second = factories.make_resident(name="Ada Byron", email="byron@example.org")
    base = {"name": "Ada Byron", **dob_fields(date(1950, 6, 15)), "postcode": "E8 1AB", "phone": "", "email": "byron@example.org"}
    clash = staff_client.post(f"/staff/residents/{second.id}/edit", data={**base, "name": "ada  LOVELACE"})
    assert clash.status_code == 400 and "Another resident is registered with this name" in text_of(clash)
    taken = staff_client.post(f"/staff/residents/{second.id}/edit", data={**base, "email": "ADA@example.org"})
    assert taken.status_code == 400 and "Another account already uses this email address" in text_of(taken)
    removed = staff_client.post(f"/staff/residents/{second.id}/edit", data={**base, "email": ""})
    assert removed.status_code == 400 and "cannot be removed" in text_of(removed)
    bad = staff_client.post(f"/staff/residents/{second.id}/edit", data={**base, "dob_day": "31", "dob_month": "4", "postcode": "XX"})
    assert bad.status_code == 400
    with app.app_context():
        user = db.session.get(User, second.id)
        assert (user.name, user.email, user.postcode) == ("Ada Byron", "byron@example.org", "E8 1AB")
    assert audit_actions(app) == []
    assert first.id != second.id


def test_registrations_made_with_no_open_round_are_checked_when_one_opens(app, staff_client):
    for n, (born, postcode) in enumerate([(date(1950, 1, 1), "E8 1AB"), (date(1950, 1, 1), "E1 6AN"), (date(1990, 1, 1), "E8 1AB")]):
        response = register_steps(app.test_client(), name=f"Early Person {n}", **dob_fields(born), postcode=postcode,
                                  how="code", phone="020 7946 0000")
        assert response.status_code == 302 and response.headers["Location"] == "/register/done"
    assert {u.eligibility_status for u in users(app)} == {"pending"}
    page = text_of(staff_client.get("/staff/residents/pending"))
    assert "3 people registered while no round was open" in page
    assert "When a round opens" in page
    refused = staff_client.post("/staff/residents/pending/reassess")
    assert "still no open round" in text_of(staff_client.get(refused.headers["Location"]))
    with app.app_context():
        factories.make_round(phase="proposals_open")
    response = staff_client.post("/staff/residents/pending/reassess")
    assert "1 can take part, 1 need you to review them, 1 cannot take part" in text_of(staff_client.get(response.headers["Location"]))
    assert [u.eligibility_status for u in users(app)] == ["eligible", "pending", "refused"]
    assert ("resident.reassessed", {"eligible": 1, "pending": 1, "refused": 1}) in audit_actions(app)
    assert "registered while no round was open" not in text_of(staff_client.get("/staff/residents/pending"))
