"""Control characters in a form field or query parameter are refused everywhere with pb's 400 page,
before anything is done with them (issue 16, item 6); and an SQL error never carries its parameters.

These run on SQLite and, with PB_TEST_DATABASE_URL, on PostgreSQL (where a NUL used to reach
the database and fail there with a 500).
"""
from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from pb.extensions import db
from pb.models import AuditEvent, Proposal, ResidentList, User
from pb.request_checks import MESSAGE, REFUSED
from tests import factories
from tests.residents.conftest import register_steps, registration

# A sample of the refused characters: NUL, other C0 controls, DEL, C1 controls (NEL, and the last).
REFUSED_CHARACTERS = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f"]
ACCEPTED_CHARACTERS = ["\t", "\n", "\r", " ", "\xa0", "é", "\u2028", "\U0001f600"]

IDEA = {
    "title": "Friday lunch club",
    "summary": "A hot lunch and company every Friday for 40 older neighbours.",
    "description": "We would cook a two-course lunch.\r\n\r\n\tVolunteers would bring people\r\nwho cannot travel.",
    "amount": "£1,200.50",
    "category": "Social activities",
    "organisation": "Clapton Park Tenants",
    "contact": "020 7946 0000",
}


def _text(response) -> str:
    return response.get_data(as_text=True)


def refused(response) -> bool:
    """pb's 400 page, saying why."""
    return response.status_code == 400 and MESSAGE in _text(response) and "<html" in _text(response).lower()


def count(app, model) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        return n


def test_the_pattern_refuses_controls_and_keeps_tab_newline_and_carriage_return():
    for ch in REFUSED_CHARACTERS + ["\x0c", "\x0e", "\ud800", "\udfff"]:
        assert REFUSED.search(f"a{ch}b"), repr(ch)
    for ch in ACCEPTED_CHARACTERS:
        assert not REFUSED.search(f"a{ch}b"), repr(ch)
    assert all(REFUSED.match(chr(c)) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])
    assert not any(REFUSED.match(chr(c)) for c in [0x09, 0x0A, 0x0D, *range(0x20, 0x7F), *range(0xA0, 0x800)])


# ---------------------------------------------------------------- form fields


@pytest.mark.parametrize("ch", REFUSED_CHARACTERS)
def test_sign_in_email_with_a_control_character_is_refused(app, client, resident_user, ch):
    audit_before = count(app, AuditEvent)
    response = client.post("/sign-in", data={"email": resident_user.email + ch, "password": factories.PASSWORD})
    assert refused(response)
    assert count(app, AuditEvent) == audit_before
    assert client.get("/account").status_code == 302  # not signed in


def test_sign_in_still_works_without_one(client, resident_user):
    response = client.post("/sign-in", data={"email": resident_user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize("ch", REFUSED_CHARACTERS)
def test_register_name_with_a_control_character_writes_nothing(app, client, ch):
    with app.app_context():
        factories.make_round(phase="voting_open")
    response = register_steps(client, name=f"Margaret{ch} Okafor")
    assert refused(response)
    assert count(app, User) == 0 and count(app, AuditEvent) == 0


def test_register_without_one_still_registers(app, client):
    with app.app_context():
        factories.make_round(phase="voting_open")
    response = register_steps(client)
    assert response.status_code == 302
    assert count(app, User) == 1


@pytest.mark.parametrize("name", ["x\x00", "\x00", "email\x00", "na\x85me"])
def test_a_control_character_in_a_field_name_is_refused(app, client, name):
    with app.app_context():
        factories.make_round(phase="voting_open")
    response = client.post("/register", data={**registration(), name: "1"})
    assert refused(response)
    assert count(app, User) == 0


def test_a_multipart_text_field_is_checked_too(app, client):
    with app.app_context():
        factories.make_round(phase="voting_open")
    form = {**registration(name="Margaret\x00 Okafor"), "attachment": (io.BytesIO(b"anything"), "a.txt")}
    response = client.post("/register", data=form, content_type="multipart/form-data")
    assert refused(response)
    assert count(app, User) == 0


def test_tab_newline_and_carriage_return_in_a_textarea_are_accepted(app, resident_client):
    with app.app_context():
        round_id = factories.make_round(phase="proposals_open").id
    review = resident_client.post(f"/rounds/{round_id}/proposals/new", data=IDEA)
    assert review.status_code == 200 and "Check your idea before sending it" in _text(review)
    sent = resident_client.post(f"/rounds/{round_id}/proposals/new/check", data={**IDEA, "send": "1"})
    assert sent.status_code == 302
    with app.app_context():
        description = db.session.scalars(select(Proposal.description)).one()
    assert "\t" in description and "Volunteers would bring people" in description


def test_a_control_character_in_a_textarea_is_refused(app, resident_client):
    with app.app_context():
        round_id = factories.make_round(phase="proposals_open").id
    idea = {**IDEA, "description": IDEA["description"] + "\x00", "send": "1"}
    assert refused(resident_client.post(f"/rounds/{round_id}/proposals/new/check", data=idea))
    assert count(app, Proposal) == 0


# ---------------------------------------------------------------- views that read their own body


def _csv() -> bytes:
    return b"Name,Date of birth,Postcode\nMary O'Brien,27/03/1948,E8 1AB\n"


def test_a_resident_list_upload_has_its_text_fields_checked(app, admin_client):
    form = {"name": "Members\x00", "source": "", "file": (io.BytesIO(_csv()), "residents.csv")}
    assert refused(admin_client.post("/staff/resident-lists/upload", data=form))
    assert count(app, ResidentList) == 0


def test_a_resident_list_upload_without_one_still_works_over_the_sites_request_limit(app, admin_client):
    # The view reads the body within its own, larger, limit: the check must not parse it first.
    padded = _csv() + b"\n" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    form = {"name": "Members", "source": "Our register", "file": (io.BytesIO(padded), "residents.csv")}
    response = admin_client.post("/staff/resident-lists/upload", data=form)
    assert response.status_code == 302, _text(response)[:2000]
    assert count(app, ResidentList) == 1


def test_an_uploaded_files_contents_are_not_checked_here(app, admin_client):
    # The list's own parser judges the file; a control character in it is not this check's refusal.
    form = {"name": "Members", "source": "", "file": (io.BytesIO(_csv().replace(b"Mary", b"Ma\x01ry")), "residents.csv")}
    response = admin_client.post("/staff/resident-lists/upload", data=form)
    assert MESSAGE not in _text(response)


def test_a_resident_list_replace_has_its_fields_checked(app, admin_client, admin_user):
    from pb.services import resident_lists

    with app.app_context():
        admin = db.session.get(User, admin_user.id)
        list_id = resident_lists.upload_list(admin, "Members", "", _csv()).list_id
    form = {"file": (io.BytesIO(_csv()), "residents.csv"), "note\x00": "x"}
    assert refused(admin_client.post(f"/staff/resident-lists/{list_id}/replace", data=form))
    assert refused(admin_client.post(f"/staff/resident-lists/{list_id}/replace?x=%00",
                                     data={"file": (io.BytesIO(_csv()), "residents.csv")}))


# ---------------------------------------------------------------- query parameters


@pytest.mark.parametrize("ch", ["\x00", "\x1b", "\x7f", "\x85"])
def test_staff_resident_search_with_a_control_character_is_refused(staff_client, ch):
    assert staff_client.get("/staff/residents/?q=Okafor").status_code == 200
    assert refused(staff_client.get(f"/staff/residents/?q={quote('Okafor' + ch)}"))


@pytest.mark.parametrize("param", ["action", "round", "page"])
def test_audit_log_filters_with_a_control_character_are_refused(staff_client, param):
    assert staff_client.get(f"/staff/audit?{param}=1").status_code == 200
    assert refused(staff_client.get(f"/staff/audit?{param}=round_created%00"))


def test_a_query_parameter_on_a_public_page_is_refused(app, client):
    with app.app_context():
        round_id = factories.make_round(phase="proposals_open").id
    assert client.get(f"/rounds/{round_id}/proposals?category=Sport").status_code == 200
    assert refused(client.get(f"/rounds/{round_id}/proposals?category=Sport%00"))
    assert refused(client.get(f"/rounds/{round_id}/proposals?sort%01=title"))
    assert refused(client.get("/sign-in?next=/account%00"))


def test_a_query_parameter_is_checked_on_a_post_too(app, client, resident_user):
    response = client.post("/sign-in?next=%00", data={"email": resident_user.email, "password": factories.PASSWORD})
    assert refused(response)
    assert client.get("/account").status_code == 302


def test_accepted_characters_in_a_query_parameter_pass(staff_client):
    for text in ["Okafor\t", "O'Brien", "Zoë", "a\r\nb"]:
        assert staff_client.get(f"/staff/residents/?q={quote(text)}").status_code == 200, repr(text)


def test_bad_utf8_never_arrives_as_a_lone_surrogate(staff_client):
    # An encoded surrogate is not valid UTF-8: werkzeug decodes it as U+FFFD, which is accepted.
    assert staff_client.get("/staff/residents/?q=%ED%A0%80").status_code == 200


# ---------------------------------------------------------------- SQL parameters are never logged


def test_every_engine_hides_sql_parameters(app):
    with app.app_context():
        engines = list(db.engines.values())
    assert engines
    assert all(engine.hide_parameters for engine in engines)


def test_an_integrity_error_does_not_carry_its_parameters(app):
    secret_name = "Parameter Canary 7f3a"
    secret_hash = "pbkdf2:canary-hash-9c1e"
    with app.app_context():
        user = factories.make_resident(email="taken@example.org")
        row = {c.name: getattr(user, c.name) for c in User.__table__.columns if c.name != "id"}
        row.update(name=secret_name, name_key=secret_name.lower(), password_hash=secret_hash)
        with pytest.raises(IntegrityError) as caught:
            with db.engine.begin() as conn:
                conn.execute(insert(User.__table__).values(**row))  # the same email: a unique violation
        db.session.remove()
    message = str(caught.value)
    assert "[SQL parameters hidden due to hide_parameters=True]" in message
    assert secret_name not in message and secret_hash not in message
    assert caught.value.params is not None  # still there for code that needs them, just not in the message


def test_any_sql_error_carries_no_parameters(app):
    """What the error handlers log for an SQL error is its message and traceback, which no longer hold the values."""
    with app.app_context():
        with pytest.raises(DBAPIError) as caught:
            with db.engine.begin() as conn:
                conn.execute(select(func.no_such_function("Parameter Canary 51b0")))
        db.session.remove()
    assert "Parameter Canary 51b0" not in str(caught.value)
