"""The language a resident reads pb in is kept on their account (issue 18): self-registration keeps the
language of the pages they registered on, and staff record it when they register someone in person
or correct their details. A language pb does not speak is refused and changes nothing."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pb.extensions import db
from pb.models import AuditEvent, User
from tests import factories
from tests.residents.conftest import dob_fields, error_messages, register_steps, users


def _in_person(**overrides):
    return {"name": "Winston Bennett", **dob_fields(date(1944, 11, 2)), "postcode": "e5 9pj", "phone": "020 7946 0001",
            "email": "", **overrides}


def test_registering_on_turkish_pages_keeps_turkish_on_the_account(app, client):
    with app.app_context():
        factories.make_round(phase="voting_open")
    client.get("/?lang=tr")
    response = register_steps(client)
    assert response.status_code == 302, error_messages(response.get_data(as_text=True))
    [user] = users(app)
    assert user.language == "tr"


def test_registering_in_english_keeps_english(app, client):
    with app.app_context():
        factories.make_round(phase="voting_open")
    assert register_steps(client).status_code == 302
    assert users(app)[0].language == "en"


def test_staff_record_the_language_of_someone_they_register_in_person(app, staff_client):
    form = staff_client.get("/staff/residents/register").get_data(as_text=True)
    # Each language is offered in its own name and marked as that language.
    assert '<option lang="yi" value="yi">ייִדיש</option>' in form
    assert "Not asked (English)" in form
    response = staff_client.post("/staff/residents/register", data=_in_person(language="yi"))
    assert response.status_code == 302
    [user] = users(app)
    assert user.language == "yi"
    page = staff_client.get(f"/staff/residents/{user.id}").get_data(as_text=True)
    assert '<span lang="yi">ייִדיש</span> – their letters are in this language' in page


def test_not_asking_records_no_language(app, staff_client):
    assert staff_client.post("/staff/residents/register", data=_in_person(language="")).status_code == 302
    [user] = users(app)
    assert user.language is None
    page = staff_client.get(f"/staff/residents/{user.id}").get_data(as_text=True)
    assert "Not recorded: letters are in English" in page


def test_a_language_pb_does_not_speak_is_refused_and_nothing_is_registered(app, staff_client):
    response = staff_client.post("/staff/residents/register", data=_in_person(language="xx"))
    assert response.status_code == 400
    assert "Choose one of the languages in the list." in error_messages(response.get_data(as_text=True))
    assert users(app) == []


def test_staff_change_a_residents_language_and_the_audit_log_says_so(app, staff_client):
    with app.app_context():
        resident = factories.make_resident(with_email=False, name="Ayşe Yılmaz", postcode="E8 1AB",
                                           date_of_birth=date(1948, 3, 27))
    edit = {"name": "Ayşe Yılmaz", **dob_fields(date(1948, 3, 27)), "postcode": "E8 1AB", "phone": "", "email": ""}
    assert staff_client.get(f"/staff/residents/{resident.id}/edit").status_code == 200
    assert staff_client.post(f"/staff/residents/{resident.id}/edit", data={**edit, "language": "tr"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, resident.id).language == "tr"
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "resident.updated")).one()
        assert event.details["changed"] == ["language"]
    # The edit form shows the language recorded; a bad one changes nothing.
    assert '<option lang="tr" selected value="tr">' in staff_client.get(f"/staff/residents/{resident.id}/edit").get_data(as_text=True)
    bad = staff_client.post(f"/staff/residents/{resident.id}/edit", data={**edit, "language": "klingon"})
    assert "Choose one of the languages in the list." in error_messages(bad.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(User, resident.id).language == "tr"
    audit = staff_client.get("/staff/audit").get_data(as_text=True)
    assert "corrected Ayşe Yılmaz&#39;s language" in audit
