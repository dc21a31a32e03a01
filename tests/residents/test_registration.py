"""Self-registration through its short pages: eligibility outcomes at the boundaries, bad input, duplicates,
what each page shows, the check page, someone who cannot take part, and what the session holds."""
from __future__ import annotations

from datetime import date

import pytest

from sqlalchemy import select

from pb.extensions import db
from pb.models import User
from pb.domain.person import PersonDetails
from pb.services import residents as residents_service
from pb.domain.errors import DuplicateRegistration
from tests import factories
from tests.residents.conftest import (GOOD_PASSWORD, REGISTER_STEPS, dob_fields, error_messages, register_steps,
                                     registration, text_of, users)

# The test round's reference date is 1 June 2026 and its minimum age 50.
FIFTIETH_BIRTHDAY_ON_REFERENCE_DATE = date(1976, 6, 1)
FIFTIETH_BIRTHDAY_DAY_AFTER = date(1976, 6, 2)


def register(client, **overrides):
    """Walk the registration pages; the response of the page that stopped (or of the check page)."""
    return register_steps(client, **overrides)


def outcome_page(client):
    return text_of(client.get("/register/done"))


def registered(client, **overrides):
    """Register with `overrides`; return the response and the text of the outcome page."""
    response = register(client, **overrides)
    return response, outcome_page(client)


def only_user(app) -> User:
    [user] = users(app)
    return user


def test_register_page_shows_every_field_with_a_label(client, voting_round):
    html = client.get("/register").get_data(as_text=True)
    for field_id in ["name", "dob_day", "dob_month", "dob_year"]:
        assert f'for="{field_id}"' in html
    client.post("/register", data=registration())
    client.post("/register/address", data=registration())
    assert "With a voting code from staff" in client.get("/register/how").get_data(as_text=True)


def test_fiftieth_birthday_on_the_reference_date_is_eligible(app, client, voting_round):
    response, page = registered(client, **dob_fields(FIFTIETH_BIRTHDAY_ON_REFERENCE_DATE))
    assert response.status_code == 302
    assert "You are registered" in page
    assert only_user(app).eligibility_status == "eligible"


def test_day_before_fiftieth_birthday_is_not_eligible_with_reason_and_contact(app, client, voting_round):
    response = register(client, **dob_fields(FIFTIETH_BIRTHDAY_DAY_AFTER))
    assert response.status_code == 302 and response.headers["Location"] == "/register/cannot-take-part"
    page = text_of(client.get("/register/cannot-take-part"))
    assert "You cannot take part at the moment" in page
    assert "You need to be 50 or over on 1 June 2026" in page
    assert app.config["PB_CONTACT"] in page
    assert users(app) == []


def test_shared_district_postcode_waits_for_review(app, client, voting_round):
    _, page = registered(client, postcode="e1 6an")
    assert "We need to check your details" in page
    assert "shared with a neighbouring area" in page
    assert only_user(app).eligibility_status == "pending"


def test_postcode_outside_the_area_is_not_eligible(app, client, voting_round):
    register(client, postcode="SW1A 1AA")
    page = text_of(client.get("/register/cannot-take-part"))
    assert "You cannot take part at the moment" in page
    assert "SW1A 1AA is not in Hackney" in page
    assert users(app) == []


@pytest.mark.parametrize("typed", ["e8 1ab", "E81AB", "  e8   1AB "])
def test_postcode_case_and_spacing_do_not_matter(app, client, voting_round, typed):
    register(client, postcode=typed)
    [user] = users(app)
    assert user.postcode == "E8 1AB"
    assert user.eligibility_status == "eligible"


def test_name_key_is_lower_case_single_spaced(app, client, voting_round):
    register(client, name="  Margaret   OKAFOR ")
    [user] = users(app)
    assert user.name == "Margaret OKAFOR"
    assert user.name_key == "margaret okafor"


def test_without_an_open_round_registration_waits_with_plain_explanation(app, client):
    with app.app_context():
        factories.make_round(phase="draft")
        factories.make_round(phase="results_published")
    register(client)
    page = outcome_page(client)
    assert "There is no funding round open at the moment" in page
    assert users(app)[0].eligibility_status == "pending"


def test_eligible_for_any_open_round_is_enough(app, client, voting_round):
    with app.app_context():
        factories.make_round(phase="proposals_open", accepted_postcodes="N4", review_postcodes="")
    register(client, postcode="N4 2AA")
    assert users(app)[0].eligibility_status == "eligible"


def test_password_registration_signs_the_resident_in(app, client, voting_round):
    register(client)
    assert client.get("/account").status_code == 200
    page = outcome_page(client)
    assert "You are signed in" in page


def test_voting_code_choice_needs_no_email_or_password(app, client, voting_round):
    response = register(client, how="code", email="", password="", password_confirm="", phone="020 7946 0000")
    assert response.status_code == 302
    page = outcome_page(client)
    assert "will send you a letter with your own voting code" in page
    assert client.get("/register/done").headers["Cache-Control"] == "no-store"
    [user] = users(app)
    assert user.password_hash is None and user.email is None
    assert user.phone == "020 7946 0000"
    # Nobody is signed in: there is no password to sign in with.
    assert client.get("/account").status_code == 302


def test_voting_code_choice_needs_a_way_to_reach_them(app, client, voting_round):
    response = register(client, how="code", email="", password="", password_confirm="", phone="")
    assert response.status_code == 400 and response.request.path == "/register/how"
    assert "Enter a phone number, so staff can call you to arrange your voting code" in error_messages(
        response.get_data(as_text=True))
    assert users(app) == []


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"dob_day": "31", "dob_month": "2", "dob_year": "1950"}, "Date of birth must be a real date. Check the day: 31 February does not exist"),
        ({"dob_day": "", "dob_month": "", "dob_year": ""}, "Enter your date of birth, for example 27 3 1948"),
        ({"dob_day": "3", "dob_month": "", "dob_year": "1950"}, "Your date of birth must include a month"),
        ({"dob_day": "3", "dob_month": "13", "dob_year": "1950"}, "The month must be a number from 1 to 12"),
        ({"dob_day": "x", "dob_month": "3", "dob_year": "1950"}, "Date of birth must be in numbers"),
        ({"dob_day": "3", "dob_month": "3", "dob_year": "48"}, "Enter the year of your date of birth in full"),
        ({"dob_day": "1", "dob_month": "1", "dob_year": str(date.today().year + 1)}, "Date of birth must be in the past"),
        ({"dob_day": "1", "dob_month": "1", "dob_year": str(date.today().year - 121)}, "would make you over 120 years old"),
        ({"postcode": "ABC 123"}, "Enter a real UK postcode, for example E8 1AB"),
        ({"postcode": "12345"}, "Enter a real UK postcode"),
        ({"postcode": ""}, "Enter your postcode"),
        ({"name": "  "}, "Enter your full name"),
        ({"email": ""}, "Enter your email address"),
        ({"email": "not-an-email"}, "Enter an email address in the right form"),
        ({"password": "short", "password_confirm": "short"}, "at least 8 characters"),
        ({"password": "x" * 129, "password_confirm": "x" * 129}, "128 characters or fewer"),
        ({"password": "password1", "password_confirm": "password1"}, "too common"),
        ({"password_confirm": "something else"}, "The two passwords do not match"),
        ({"how": "code", "phone": "call me"}, "Enter a phone number, like 020 7946 0000"),
        ({"how": "code", "phone": ""}, "Enter a phone number, so staff can call you"),
        ({"how": ""}, "Choose how you want to take part"),
        ({"wants_letter": None}, "Choose whether you would like a letter to confirm your address"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(app, client, voting_round, overrides, message):
    response = register(client, **overrides)
    assert response.status_code == 400
    assert any(message in m for m in error_messages(response.get_data(as_text=True))), error_messages(
        response.get_data(as_text=True)
    )
    assert users(app) == []


def test_every_problem_on_a_page_is_listed_at_once_and_passwords_are_not_sent_back(app, client, voting_round):
    response = client.post("/register", data=registration(name="", dob_day="31", dob_month="2"))
    assert len(error_messages(response.get_data(as_text=True))) == 2
    response = client.post("/register", data=registration(dob_day="31", dob_month="2"))
    # What was typed stays, so nothing has to be typed again.
    assert 'value="Margaret Okafor"' in response.get_data(as_text=True)
    response = register(client, password="quiet otter", password_confirm="quiet ottex")
    assert response.status_code == 400 and response.request.path == "/register/check"
    assert "The two passwords do not match" in error_messages(response.get_data(as_text=True))[0]
    assert "quiet otter" not in response.get_data(as_text=True) and "quiet ottex" not in response.get_data(as_text=True)


def test_same_person_cannot_register_twice(app, client, voting_round):
    assert register(client).status_code == 302
    other = app.test_client()
    response = register(other, name="margaret  OKAFOR", postcode="e81ab", email="another@example.org")
    assert response.status_code == 400
    page = text_of(response)
    assert "You are already registered with this name, date of birth and postcode" in page
    assert "Sign in" in page and app.config["PB_CONTACT"] in page
    assert len(users(app)) == 1


def test_same_email_cannot_be_used_twice(app, client, voting_round):
    assert register(client).status_code == 302
    other = app.test_client()
    response = register(other, name="Someone Else", email="MARGARET@example.org")
    assert response.status_code == 400
    assert "There is already an account with this email address" in text_of(response)
    assert len(users(app)) == 1


def test_database_constraint_catches_a_duplicate_that_slips_past_the_check(app, monkeypatch, voting_round):
    """Two registrations racing: the unique constraint decides, and the message is the friendly one."""
    with app.app_context():
        factories.make_resident(name="Margaret Okafor", date_of_birth=date(1948, 3, 27), postcode="E8 1AB")
    monkeypatch.setattr(residents_service, "_identity_taken", lambda *a: False)
    with app.test_request_context():
        with pytest.raises(DuplicateRegistration) as caught:
            residents_service.register(
                details=PersonDetails(name="Margaret Okafor", dob_day="27", dob_month="3", dob_year="1948",
                                      postcode="E8 1AB", email="new@example.org"),
                password=GOOD_PASSWORD, password_confirm=GOOD_PASSWORD,
            )
        assert "already registered" in caught.value.message
        db.session.rollback()
        assert db.session.query(User).count() == 1


def test_signed_in_resident_is_sent_to_their_account_from_register(resident_client):
    response = resident_client.get("/register")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account")


def test_outcome_page_without_a_registration_goes_back_to_the_form(client):
    response = client.get("/register/done")
    assert response.status_code == 302
    assert response.headers["Location"] == "/register"


def test_the_example_password_on_the_page_is_refused(app, client, voting_round):
    register(client, password="", password_confirm="")
    assert "purple kettle garden" in client.get("/register/check").get_data(as_text=True)
    response = register(client, password="Purple Kettle Garden", password_confirm="Purple Kettle Garden")
    assert response.status_code == 400
    assert "too common" in text_of(response)


def test_very_long_input_gets_a_plain_message(app, client, voting_round):
    response = register(client, name="A" * 300)
    assert response.status_code == 400
    assert "Your name must be 120 characters or fewer" in error_messages(response.get_data(as_text=True))
    response = register(client, postcode="E8 1AB" * 5)
    assert response.status_code == 400
    assert "Enter a real UK postcode, for example E8 1AB" in error_messages(response.get_data(as_text=True))
    assert users(app) == []


# ---------------------------------------------------------------- confirming the address


def _letters(app) -> list:
    from pb.models import VerificationLetter

    with app.app_context():
        return list(db.session.scalars(select(VerificationLetter)))


def test_a_new_resident_is_self_declared_and_may_ask_for_a_letter_to_their_address(app, client, voting_round):
    response = register(client, wants_letter="yes", address_line=" Flat 3,  12 Mare Street ")
    assert response.status_code == 302
    [user] = users(app)
    assert user.verification == "self-declared" and user.address_line == "Flat 3, 12 Mare Street"
    assert len(_letters(app)) == 1
    page = text_of(client.get("/register/done"))
    assert "We will post a letter with a code to your address" in page


def test_a_letter_needs_an_address_and_nothing_is_stored_without_it(app, client, voting_round):
    response = register(client, wants_letter="yes", address_line="")
    assert response.status_code == 400 and response.request.path == "/register/address"
    assert "Enter your house or flat number and street, for example Flat 3, 12 Mare Street" in error_messages(
        response.get_data(as_text=True))
    assert users(app) == [] and _letters(app) == []


def test_a_letter_asked_for_is_not_posted_to_someone_who_then_chooses_a_voting_code(app, client, voting_round):
    """A letter's code is typed in after signing in; staff check a code voter when they give the code."""
    register_steps(client, stop_at="/register/check", wants_letter="yes", address_line="12 Mare Street", how="code",
                   phone="020 7946 0000")
    check = text_of(client.get("/register/check"))
    assert "Not needed: staff check your address when they give you your voting code" in check
    assert client.post("/register/check", data={}).status_code == 302
    [user] = users(app)
    assert user.address_line is None and _letters(app) == []


def test_no_letter_and_no_account_for_someone_who_cannot_take_part(app, client, voting_round):
    register(client, wants_letter="yes", address_line="1 Downing Street", postcode="SW1A 2AA")
    assert users(app) == [] and _letters(app) == []


def test_a_registration_a_resident_list_holds_is_list_matched_at_once(app, client, voting_round, admin_user):
    from pb.services.resident_lists import upload_list

    with app.app_context():
        upload_list(db.session.get(type(admin_user), admin_user.id), "Members", "",
                    b"Name,Date of birth,Postcode\nMargaret Okafor,27/03/1948,E8 1AB\n")
    register(client, wants_letter="yes", address_line="12 Mare Street")
    [user] = users(app)
    assert user.verification == "list" and _letters(app) == []  # no letter needed
    assert "We found you on a list of residents we hold" in text_of(client.get("/register/done"))
