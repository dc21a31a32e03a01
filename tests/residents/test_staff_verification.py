"""Staff verify residents: in person with proof (at registration or later), after a phone call, or by
asking them to be verified first; a change to the details a list match or a letter vouched for undoes it."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pb.extensions import db
from pb.models import AuditEvent, User
from pb.services import verification
from pb.services.resident_lists import identity_hash
from tests import factories
from tests.residents.conftest import audit_actions, dob_fields, error_messages, text_of


def _resident(app, **kw) -> int:
    with app.app_context():
        return factories.make_resident(verification="self-declared", **kw).id


def _get(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_the_staff_page_says_how_a_resident_is_known_and_offers_to_verify_them(app, staff_client):
    user_id = _resident(app, name="Iris Adeyemi")
    page = text_of(staff_client.get(f"/staff/residents/{user_id}"))
    assert "Self-declared (not checked yet)." in page
    assert "Verify Iris Adeyemi" in page and "Ask Iris Adeyemi to be verified before voting" in page


def test_staff_verify_after_a_phone_call_with_a_note_and_it_is_audited(app, staff_client, staff_user):
    user_id = _resident(app, name="Iris Adeyemi")
    response = staff_client.post(f"/staff/residents/{user_id}/verify",
                                 data={"how": "phone", "note": "Phoned 020 7946 0001; confirmed her address."})
    assert response.status_code == 302
    user = _get(app, user_id)
    assert user.verification == "staff" and user.verified_by_id == staff_user.id and user.verified_at is not None
    assert user.verification_note == "Checked by a phone call: Phoned 020 7946 0001; confirmed her address."
    assert ("resident.verified", {"resident_id": user_id, "way": "staff", "note": user.verification_note,
                                  "list_id": None}) in audit_actions(app)
    page = text_of(staff_client.get(f"/staff/residents/{user_id}"))
    assert "<strong>Checked by staff</strong> on" in page and f"by {staff_user.name}" in page


def test_verifying_needs_how_and_what_was_checked_and_changes_nothing_without_them(app, staff_client):
    user_id = _resident(app, name="Iris Adeyemi")
    response = staff_client.post(f"/staff/residents/{user_id}/verify", data={"how": "", "note": "  "})
    assert response.status_code == 400
    assert error_messages(response.get_data(as_text=True)) == [
        "Choose how you checked this resident",
        "Say what you checked, for example: Saw a council tax bill at the drop-in",
    ]
    response = staff_client.post(f"/staff/residents/{user_id}/verify", data={"how": "by magic", "note": "Trust me"})
    assert response.status_code == 400
    assert _get(app, user_id).verification == "self-declared"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_verified_resident_is_not_verified_again(app, staff_client):
    with app.app_context():
        user_id = factories.make_resident(verification="list").id
    response = staff_client.post(f"/staff/residents/{user_id}/verify", data={"how": "in_person", "note": "Bus pass"},
                                 follow_redirects=True)
    assert "is already verified" in text_of(response)
    assert _get(app, user_id).verification == "list"


def test_asking_a_resident_to_be_verified_is_recorded_and_audited(app, staff_client):
    user_id = _resident(app)
    assert staff_client.post(f"/staff/residents/{user_id}/ask-to-verify").status_code == 302
    assert _get(app, user_id).verification_requested_at is not None
    assert [a for a, _ in audit_actions(app)] == ["resident.verification_requested"]
    # Once verified, the request is done with.
    staff_client.post(f"/staff/residents/{user_id}/verify", data={"how": "in_person", "note": "Passport"})
    assert _get(app, user_id).verification_requested_at is None


def test_in_person_registration_with_proof_seen_is_staff_verified_and_without_it_self_declared(app, staff_client):
    base = {**dob_fields(date(1944, 11, 2)), "postcode": "E5 9PJ", "phone": "", "email": ""}
    staff_client.post("/staff/residents/register", data={"name": "Seen Proof", "checked_id": "y", **base})
    staff_client.post("/staff/residents/register", data={"name": "No Proof", **base})
    with app.app_context():
        by_name = {u.name: u for u in db.session.scalars(select(User).where(User.role == "resident"))}
    assert by_name["Seen Proof"].verification == "staff"
    assert by_name["Seen Proof"].verification_note == "Registered in person: staff saw proof of name and address"
    assert by_name["No Proof"].verification == "self-declared"


def test_changing_the_postcode_a_letter_confirmed_makes_the_resident_self_declared_again(app, staff_client):
    with app.app_context():
        user = factories.make_resident(verification="letter", name="Moved Away", postcode="E8 1AB")
        user_id = user.id
    data = {"name": "Moved Away", **dob_fields(date(1950, 6, 15)), "postcode": "E8 2XY", "phone": "", "email": user.email}
    assert staff_client.post(f"/staff/residents/{user_id}/edit", data=data).status_code == 302
    assert _get(app, user_id).verification == "self-declared"
    assert "resident.verification_removed" in [a for a, _ in audit_actions(app)]


def test_changed_details_that_a_resident_list_holds_are_matched_again(app, staff_client, admin_user):
    with app.app_context():
        from pb.models import ResidentList, ResidentListEntry  # the list is planted as its upload stores it

        lst = ResidentList(name="Tenants", source="", row_count=1)
        db.session.add(lst)
        db.session.flush()
        db.session.add(ResidentListEntry(list_id=lst.id, identity_hash=identity_hash("Jo Bloggs", date(1950, 6, 15), "E8 2XY")))
        user = factories.make_resident(verification="letter", name="Jo Bloggs", postcode="E8 1AB")
        user_id, email = user.id, user.email
    data = {"name": "Jo Bloggs", **dob_fields(date(1950, 6, 15)), "postcode": "E8 2XY", "phone": "", "email": email}
    staff_client.post(f"/staff/residents/{user_id}/edit", data=data)
    assert _get(app, user_id).verification == "list"


def test_counts_by_way_are_shown_on_the_dashboard_and_the_round_page(app, staff_client):
    with app.app_context():
        for way in ("staff", "staff", "list", "letter", "self-declared"):
            factories.make_resident(verification=way)
        round_id = factories.make_round(phase="proposals_open").id
        assert verification.residents_by_verification() == {"staff": 2, "list": 1, "letter": 1, "self-declared": 1}
    dashboard = text_of(staff_client.get("/staff/"))
    assert "4 of 5 are verified; 1 is self-declared" in dashboard
    round_page = text_of(staff_client.get(f"/staff/rounds/{round_id}"))
    assert "4 are verified and 1 self-declared" in round_page
