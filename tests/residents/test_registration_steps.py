"""Registering through short pages: each page shows only what its step needs, the check page with its
"Change" links, going straight to a later page, someone who cannot take part (no account; future rounds
only if they ask), and the password never kept in the session cookie or sent back."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import inspect, select

from pb.extensions import db
from pb.models import AuditEvent, FutureRoundContact, User
from tests import factories
from tests.residents.conftest import (GOOD_PASSWORD, audit_actions, dob_fields, error_messages, register_steps,
                                      registration, text_of, users)

CHECK = "/register/check"


def field_names(response) -> set[str]:
    """The names of the form fields a page shows (the CSRF token aside)."""
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', response.get_data(as_text=True)))
    return names - {"csrf_token"}


def session_data(app, client) -> dict:
    """The session as the browser holds it, decoded with the app's own session interface."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def count_users(app) -> int:
    with app.app_context():
        return len(list(db.session.scalars(select(User.id))))


# ---------------------------------------------------------------- each page, only its own fields


def test_each_page_shows_only_the_fields_its_step_needs(app, client, voting_round):
    assert field_names(client.get("/register")) == {"name", "dob_day", "dob_month", "dob_year"}
    client.post("/register", data=registration())
    assert field_names(client.get("/register/address")) == {"postcode", "wants_letter", "address_line"}
    client.post("/register/address", data=registration())
    assert field_names(client.get("/register/how")) == {"how", "email", "phone"}
    client.post("/register/how", data=registration())
    assert field_names(client.get(CHECK)) == {"password", "password_confirm"}


def test_the_voting_code_route_never_shows_or_keeps_an_email_address_or_password(app, client, voting_round):
    # An email address typed before switching to a voting code is not kept.
    register_steps(client, stop_at=CHECK, how="code", phone="020 7946 0000", email="typed@example.org")
    check = client.get(CHECK)
    page = text_of(check)
    assert field_names(check) == set()
    assert "password" not in page.lower() and "Email address" not in page and "typed@example.org" not in page
    assert "Phone number" in page and "020 7946 0000" in page
    assert "email" not in session_data(app, client)["register_answers"]
    assert client.post(CHECK, data={}).headers["Location"] == "/register/done"
    [user] = users(app)
    assert (user.email, user.password_hash, user.phone) == (None, None, "020 7946 0000")


def test_on_the_how_page_each_way_shows_its_own_field_under_it(client, voting_round):
    """The email box sits under "online" and the phone box under "voting code", each hidden by the
    style sheet until its choice is picked."""
    register_steps(client, stop_at="/register/how")
    html = client.get("/register/how").get_data(as_text=True)
    online = html.index('id="how-0"')
    code = html.index('id="how-1"')
    assert online < html.index('name="email"') < code < html.index('name="phone"')
    assert html.count('class="radio-conditional"') == 2


def test_the_phone_number_is_labelled_as_needed_on_the_code_route_and_not_asked_for_online(app, client, voting_round):
    register_steps(client, stop_at="/register/how")
    html = client.get("/register/how").get_data(as_text=True)
    assert '<label class="label" for="phone">Phone number</label>' in html
    assert "(optional)" not in html
    missing = client.post("/register/how", data={"how": "code", "phone": ""})
    assert missing.status_code == 400
    assert error_messages(missing.get_data(as_text=True)) == [
        "Enter a phone number, so staff can call you to arrange your voting code"]
    # Online, a phone number typed anyway is not kept: that route does not need one.
    assert client.post("/register/how", data=registration(phone="020 7946 0000")).headers["Location"] == CHECK
    assert client.post(CHECK, data=registration()).headers["Location"] == "/register/done"
    [user] = users(app)
    assert user.phone is None and user.email == "margaret@example.org"


def test_staff_in_person_form_labels_phone_and_email_optional_because_they_are(app, staff_client):
    html = staff_client.get("/staff/residents/register").get_data(as_text=True)
    assert "Phone number (optional)" in html and "Email address (optional)" in html
    response = staff_client.post("/staff/residents/register", data={"name": "Winston Bennett", "postcode": "E5 9PJ",
                                                                     **dob_fields(date(1941, 11, 2))})
    assert response.status_code == 302
    [user] = users(app)
    assert user.phone is None and user.email is None


# ---------------------------------------------------------------- check your answers


def test_check_page_lists_every_answer_with_a_change_link(client, voting_round):
    register_steps(client, stop_at=CHECK, wants_letter="yes", address_line="Flat 3, 12 Mare Street")
    response = client.get(CHECK)
    page = text_of(response)
    for answer in ("Margaret Okafor", "27 March 1948", "E8 1AB", "Yes, to Flat 3, 12 Mare Street, E8 1AB",
                   "Online, with your email address and a password", "margaret@example.org"):
        assert answer in page
    links = re.findall(r'<a href="([^"]+)"[^>]*>Change<span class="visually-hidden"> ([^<]+)</span>',
                       response.get_data(as_text=True))
    assert [label for _, label in links] == ["name", "date of birth", "postcode", "letter to confirm your address",
                                             "how you will vote", "email address"]
    assert {href for href, _ in links} == {"/register?change=1", "/register/address?change=1", "/register/how?change=1"}


def test_a_change_link_opens_that_step_with_the_answer_and_comes_back_to_check(client, voting_round):
    register_steps(client, stop_at=CHECK)
    page = client.get("/register/address?change=1").get_data(as_text=True)
    assert 'value="E8 1AB"' in page and 'href="/register/check"' in page  # "Back" returns to check too
    assert 'action="/register/address?change=1"' in page
    response = client.post("/register/address?change=1", data=registration(postcode="N16 5AA"))
    assert response.headers["Location"] == CHECK
    assert "N16 5AA" in text_of(client.get(CHECK))
    # Changing the way to take part asks for that way's answer before going back.
    response = client.post("/register/how?change=1", data={"how": "code", "phone": ""})
    assert response.status_code == 400
    response = client.post("/register/how?change=1", data={"how": "code", "phone": "07700 900 982"})
    assert response.headers["Location"] == CHECK
    assert "07700 900 982" in text_of(client.get(CHECK))


def test_a_problem_found_on_the_check_page_links_to_the_answer_to_change(app, client, voting_round):
    with app.app_context():
        factories.make_resident(email="margaret@example.org")
    register_steps(client, stop_at=CHECK, email="someone@example.org")
    with app.app_context():  # the address is taken while they read the check page
        db.session.scalar(select(User).where(User.email == "margaret@example.org")).email = "someone@example.org"
        db.session.commit()
    response = client.post(CHECK, data=registration())
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<a href="#change-how">There is already an account with this email address' in html
    assert 'id="change-how"' in html
    assert count_users(app) == 1


# ---------------------------------------------------------------- going straight to a later page


@pytest.mark.parametrize("path", ["/register/address", "/register/how", CHECK])
def test_a_later_page_opened_first_goes_back_to_the_first_one_with_a_plain_message(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/register"
    assert "Please start with your name and date of birth." in text_of(client.get("/register"))


def test_a_page_opened_too_early_goes_to_the_first_step_not_answered(client, voting_round):
    client.post("/register", data=registration())
    response = client.get(CHECK)
    assert response.headers["Location"] == "/register/address"
    assert "Please tell us where you live first." in text_of(client.get("/register/address"))
    client.post("/register/address", data=registration())
    assert client.get(CHECK).headers["Location"] == "/register/how"


def test_posting_the_last_page_without_the_others_creates_nothing(app, client, voting_round):
    response = client.post(CHECK, data=registration())
    assert response.status_code == 302 and response.headers["Location"] == "/register"
    assert count_users(app) == 0


@pytest.mark.parametrize("path", ["/register", "/register/address", "/register/how", CHECK])
def test_every_registration_page_is_kept_out_of_the_browser_cache(client, voting_round, path):
    register_steps(client, stop_at=CHECK)
    response = client.get(path)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


# ---------------------------------------------------------------- someone who cannot take part


def test_someone_too_young_is_told_why_as_soon_as_the_postcode_is_known_and_gets_no_account(app, client, voting_round):
    before = count_users(app)
    response = register_steps(client, **dob_fields(date(1990, 5, 1)))
    assert response.request.path == "/register/address"
    assert response.headers["Location"] == "/register/cannot-take-part"
    why = client.get("/register/cannot-take-part")
    assert why.headers["Cache-Control"] == "no-store"
    page = text_of(why)
    assert "You cannot take part at the moment" in page
    assert "You need to be 50 or over on 1 June 2026 to take part." in page
    assert "We have not registered you, and we have not saved your details." in page
    assert "Tell me about future rounds" in page
    assert count_users(app) == before
    # The later pages are closed to them; the answers can be corrected.
    assert client.get("/register/how").headers["Location"] == "/register/cannot-take-part"
    assert client.get(CHECK).headers["Location"] == "/register/cannot-take-part"
    response = client.post("/register?change=1", data=registration())
    assert response.headers["Location"] == "/register/how"
    assert count_users(app) == before


def test_rounds_that_change_before_the_last_page_still_leave_no_account(app, client, voting_round):
    register_steps(client, stop_at=CHECK)
    with app.app_context():
        from pb.models import Round

        db.session.get(Round, voting_round.id).min_age = 80
        db.session.commit()
    response = client.post(CHECK, data=registration())
    assert response.headers["Location"] == "/register/cannot-take-part"
    assert "You need to be 80 or over" in text_of(client.get("/register/cannot-take-part"))
    assert count_users(app) == 0


def test_nothing_is_kept_unless_they_ask_to_hear_about_future_rounds(app, client, voting_round):
    register_steps(client, postcode="SW1A 1AA")
    with app.app_context():
        assert db.session.scalars(select(FutureRoundContact)).all() == []
    assert audit_actions(app) == []


def test_asking_to_hear_about_future_rounds_keeps_only_a_name_and_one_way_to_reach_them(app, client, voting_round):
    register_steps(client, postcode="SW1A 1AA", email="margaret@example.org")
    form_page = client.get("/register/future-rounds")
    assert 'value="Margaret Okafor"' in form_page.get_data(as_text=True)
    assert "We do not keep your date of birth or postcode" in text_of(form_page)
    nothing_chosen = client.post("/register/future-rounds", data={"name": "Margaret Okafor"})
    assert nothing_chosen.status_code == 400
    assert error_messages(nothing_chosen.get_data(as_text=True)) == ["Choose how we should tell you: by email or by phone"]
    response = client.post("/register/future-rounds", data={"name": "Margaret Okafor", "how": "phone",
                                                             "phone": "020 7946 0000", "email": "margaret@example.org"})
    assert response.headers["Location"] == "/register/future-rounds/done"
    assert "Only your name and your phone number" in text_of(client.get("/register/future-rounds/done"))
    with app.app_context():
        [contact] = db.session.scalars(select(FutureRoundContact)).all()
        assert (contact.name, contact.phone, contact.email) == ("Margaret Okafor", "020 7946 0000", None)
        columns = {c["name"] for c in inspect(db.engine).get_columns("future_round_contacts")}
        assert columns == {"id", "name", "email", "phone", "asked_at"}
        [event] = db.session.scalars(select(AuditEvent)).all()
        assert (event.action, event.actor_id, event.details) == ("future_rounds.asked", None, {"contact_id": contact.id})
    assert count_users(app) == 0
    # What they typed to register is gone from the session too.
    assert "register_answers" not in session_data(app, client)


def test_the_future_rounds_form_is_only_for_someone_just_told_they_cannot_take_part(app, client, voting_round):
    assert client.get("/register/future-rounds").headers["Location"] == "/register"
    response = client.post("/register/future-rounds", data={"name": "X", "how": "email", "email": "x@example.org"})
    assert response.headers["Location"] == "/register"
    register_steps(client, stop_at=CHECK)  # can take part: no future-rounds form
    assert client.get("/register/future-rounds").headers["Location"] == "/register"
    with app.app_context():
        assert db.session.scalars(select(FutureRoundContact)).all() == []


def test_staff_see_and_delete_who_asked_to_hear_about_future_rounds(app, staff_client, voting_round):
    outsider = app.test_client()
    register_steps(outsider, postcode="SW1A 1AA")
    outsider.post("/register/future-rounds", data={"name": "Peter Outside", "how": "email", "email": "peter@example.net"})
    assert "Asked to hear about future rounds (1)" in text_of(staff_client.get("/staff/residents/"))
    page = text_of(staff_client.get("/staff/residents/future-rounds"))
    assert "Peter Outside" in page and "peter@example.net" in page
    with app.app_context():
        contact_id = db.session.scalar(select(FutureRoundContact.id))
    response = staff_client.post(f"/staff/residents/future-rounds/{contact_id}/delete")
    assert response.headers["Location"] == "/staff/residents/future-rounds"
    assert "Nobody is waiting to hear about a future round" in text_of(staff_client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.scalars(select(FutureRoundContact)).all() == []
    assert ("future_rounds.deleted", {"contact_id": contact_id}) in audit_actions(app)


# ---------------------------------------------------------------- the password


def test_the_password_is_never_in_the_session_cookie_nor_sent_back(app, client, voting_round):
    secret = "marigold tandem puzzle"
    for path in ("/register", "/register/address", "/register/how"):
        client.post(path, data=registration(password=secret, password_confirm=secret))
        assert secret not in repr(session_data(app, client))
    kept = session_data(app, client)["register_answers"]
    assert not {"password", "password_confirm", "password_hash"} & set(kept)
    mismatch = client.post(CHECK, data={"password": secret, "password_confirm": secret + "x"})
    assert mismatch.status_code == 400
    assert secret not in mismatch.get_data(as_text=True)
    assert secret not in repr(session_data(app, client))
    done = client.post(CHECK, data={"password": secret, "password_confirm": secret})
    assert done.headers["Location"] == "/register/done"
    cookie = repr(session_data(app, client))
    assert secret not in cookie and "scrypt" not in cookie and "pbkdf2" not in cookie and "argon" not in cookie
    assert secret not in client.get("/register/done").get_data(as_text=True)
    assert client.get("/account").status_code == 200  # signed in with it


def test_registering_online_signs_in_with_the_password_chosen_on_the_check_page(app, client, auth, voting_round):
    assert register_steps(client).headers["Location"] == "/register/done"
    client.post("/sign-out")
    assert auth.login("margaret@example.org", GOOD_PASSWORD).status_code == 302
