from datetime import date, timedelta

import pytest

from pb.domain.errors import ValidationFailed
from pb.domain.person import (check_name, check_password, check_phone, check_postcode, clean_name, collect,
                              name_key, parse_date_of_birth)
from tests.domain.conftest import refusal

TODAY = date(2026, 6, 1)


def dob_refused(day, month, year, today=TODAY):
    error = refusal(parse_date_of_birth, day, month, year, today)
    assert error.field == "date_of_birth"
    assert error.errors == {"date_of_birth": error.message}
    return error.message


# ---- date of birth --------------------------------------------------------------------------------


def test_date_of_birth():
    assert parse_date_of_birth("27", "3", "1948", TODAY) == date(1948, 3, 27)
    assert parse_date_of_birth(" 07 ", "03 ", " 1948", TODAY) == date(1948, 3, 7)
    assert parse_date_of_birth("29", "2", "1948", TODAY) == date(1948, 2, 29)


def test_date_of_birth_defaults_to_today():
    assert parse_date_of_birth("27", "3", "1948") == date(1948, 3, 27)
    tomorrow = date.today() + timedelta(days=1)
    error = refusal(parse_date_of_birth, str(tomorrow.day), str(tomorrow.month), str(tomorrow.year))
    assert error.message == "Date of birth must be in the past"


def test_all_parts_missing():
    assert dob_refused("", " ", None) == "Enter your date of birth, for example 27 3 1948"


@pytest.mark.parametrize("day, month, year, message", [
    ("27", "", "1948", "Your date of birth must include a month"),
    ("", "3", "1948", "Your date of birth must include a day"),
    ("27", "3", " ", "Your date of birth must include a year"),
    (None, "3", None, "Your date of birth must include a day and a year"),
    ("", "", "1948", "Your date of birth must include a day and a month"),
])
def test_missing_parts(day, month, year, message):
    assert dob_refused(day, month, year) == message


@pytest.mark.parametrize("day, month, year", [
    ("27", "March", "1948"), ("27th", "3", "1948"), ("-1", "3", "1948"), ("27", "3", "1948.0"),
])
def test_not_numbers(day, month, year):
    assert dob_refused(day, month, year) == "Date of birth must be in numbers, for example 27 3 1948"


@pytest.mark.parametrize("year", ["48", "948"])
def test_year_not_in_full(year):
    assert dob_refused("27", "3", year) == "Enter the year of your date of birth in full, for example 1948"


@pytest.mark.parametrize("month", ["13", "0", "00"])
def test_month_out_of_range(month):
    assert dob_refused("27", month, "1948") == "The month must be a number from 1 to 12, for example 27 3 1948"


def test_day_that_does_not_exist():
    assert dob_refused("31", "2", "1948") == (
        "Date of birth must be a real date. Check the day: 31 February does not exist")
    assert dob_refused("29", "2", "1949") == (
        "Date of birth must be a real date. Check the day: 29 February does not exist")
    assert dob_refused("31", "4", "1950") == "Date of birth must be a real date. Check the day: 31 April does not exist"
    assert dob_refused("0", "3", "1950") == "Date of birth must be a real date. Check the day: 0 March does not exist"


def test_future_date_or_today():
    assert dob_refused("2", "6", "2026") == "Date of birth must be in the past"
    assert dob_refused("1", "6", "2026") == "Date of birth must be in the past"
    assert parse_date_of_birth("31", "5", "2026", TODAY) == date(2026, 5, 31)


def test_over_120():
    assert dob_refused("1", "6", "1905") == (
        "Check the year of your date of birth: 1905 would make you over 120 years old")
    assert dob_refused("1", "1", "1800") == (
        "Check the year of your date of birth: 1800 would make you over 120 years old")
    # 120 on the day, or 120 with the 121st birthday still to come, is accepted.
    assert parse_date_of_birth("1", "6", "1906", TODAY) == date(1906, 6, 1)
    assert parse_date_of_birth("2", "6", "1905", TODAY) == date(1905, 6, 2)


# ---- postcode, name, phone ------------------------------------------------------------------------


def test_check_postcode():
    assert check_postcode("e81ab") == "E8 1AB"
    assert check_postcode("  e8   1ab ") == "E8 1AB"
    assert check_postcode("sw1a 1aa") == "SW1A 1AA"


@pytest.mark.parametrize("text, message", [
    ("", "Enter your postcode, for example E8 1AB"),
    (None, "Enter your postcode, for example E8 1AB"),
    ("   ", "Enter your postcode, for example E8 1AB"),
    ("E8", "Enter a real UK postcode, for example E8 1AB"),
    ("E8 1A", "Enter a real UK postcode, for example E8 1AB"),
    ("12345", "Enter a real UK postcode, for example E8 1AB"),
])
def test_check_postcode_refuses(text, message):
    error = refusal(check_postcode, text)
    assert error.message == message
    assert error.field == "postcode"


def test_check_name():
    assert check_name("  Ada   Lovelace ") == "Ada Lovelace"
    assert check_name("n" * 120) == "n" * 120
    for name, message in (("", "Enter your full name"), (None, "Enter your full name"), (" \t ", "Enter your full name"),
                          ("n" * 121, "Your name must be 120 characters or fewer")):
        error = refusal(check_name, name)
        assert error.message == message
        assert error.field == "name"


def test_check_phone():
    assert check_phone(None) is None
    assert check_phone("   ") is None
    assert check_phone(" 020  7946 0000 ") == "020 7946 0000"
    assert check_phone("+44 20 7946 0000") == "+44 20 7946 0000"
    assert check_phone("07700 900 982") == "07700 900 982"
    assert check_phone("0207-946-0000") == "0207-946-0000"


@pytest.mark.parametrize("phone", ["12345", "phone me", "020 7946 0000 ext 5", "+44 20 7946 0000 0000 0000",
                                   "++44 20 7946 0000"])
def test_check_phone_refuses(phone):
    error = refusal(check_phone, phone)
    assert error.message == "Enter a phone number, like 020 7946 0000 or 07700 900 982"
    assert error.field == "phone"


# ---- password -------------------------------------------------------------------------------------


def test_check_password():
    assert check_password("correct horse battery", "correct horse battery") == "correct horse battery"
    assert check_password("correct horse battery", None) == "correct horse battery"


@pytest.mark.parametrize("password, message", [
    ("short", "Your password must be at least 8 characters long"),
    ("", "Your password must be at least 8 characters long"),
    (None, "Your password must be at least 8 characters long"),
    ("p" * 129, "Your password must be 128 characters or fewer"),
    ("Password1", "That password is too common and easy to guess. Choose another, such as three random words"),
    ("12345678", "That password is too common and easy to guess. Choose another, such as three random words"),
])
def test_weak_passwords(password, message):
    error = refusal(check_password, password, password)
    assert error.message == message
    assert error.field == "password"


def test_passwords_that_do_not_match():
    error = refusal(check_password, "correct horse battery", "correct horse batery")
    assert error.message == "The two passwords do not match. Type the same password twice"
    assert error.field == "password_confirm"


def test_a_weak_password_is_reported_before_a_mismatch():
    error = refusal(check_password, "short", "other")
    assert error.field == "password"


# ---- names ----------------------------------------------------------------------------------------


def test_name_key_and_clean_name():
    assert name_key("  Ada  LOVELACE ") == "ada lovelace"
    assert name_key("Ada\tLovelace\n") == "ada lovelace"
    assert name_key(None) == ""
    assert clean_name("  Ada  LOVELACE ") == "Ada LOVELACE"
    assert clean_name(None) == ""


# ---- collect --------------------------------------------------------------------------------------


def test_collect_keeps_each_message_under_its_field():
    errors = {}
    assert collect(errors, check_name, "  Ada  Lovelace ") == "Ada Lovelace"
    assert collect(errors, check_postcode, "nowhere") is None
    assert collect(errors, parse_date_of_birth, "31", "2", "1948", TODAY) is None
    assert collect(errors, check_phone, "020 7946 0000") == "020 7946 0000"
    assert errors == {
        "postcode": "Enter a real UK postcode, for example E8 1AB",
        "date_of_birth": "Date of birth must be a real date. Check the day: 31 February does not exist",
    }


def test_collect_keeps_every_message_of_a_check_and_a_message_without_a_field():
    def several():
        raise ValidationFailed("First", errors={"a": "First", "b": "Second"})

    def no_field():
        raise ValidationFailed("Something is wrong")

    errors = {}
    assert collect(errors, several) is None
    assert collect(errors, no_field) is None
    assert errors == {"a": "First", "b": "Second", "form": "Something is wrong"}


@pytest.mark.parametrize("phone", ["(020) 7946 0000", "020 7946 0000", "+44 20 7946 0000", "07700 900982"])
def test_phone_numbers_as_people_write_them_are_accepted(phone):
    assert check_phone(phone) == phone
