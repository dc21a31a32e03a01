from types import SimpleNamespace

import pytest

from pb.domain import ideas
from pb.domain.ideas import ProposalData, check_contact, check_cost, form_values, required_text, validate
from tests.domain.conftest import refusal

ROUND = SimpleNamespace(min_project_cost_pence=500_00, max_project_cost_pence=10_000_00,
                        category_list=["Arts and culture", "Learning"])

PHONE_PROBLEM = "Enter a phone number like 020 7946 0000, or an email address like name@example.org"
EMAIL_PROBLEM = "Enter an email address like name@example.org, or a phone number"


def form(**changes):
    values = {
        "title": "Reading group",
        "summary": "A weekly reading group in the library",
        "description": "We would meet every Tuesday.\n\nThe money pays for books.",
        "amount": "£1,250.50",
        "category": "Learning",
        "organisation": "Friends of Hackney Library",
        "contact": "020 7946 0000",
    }
    values.update(changes)
    return values


def refused(round_=ROUND, **changes):
    return refusal(validate, round_, form(**changes))


def test_valid_idea():
    assert validate(ROUND, form()) == ProposalData(
        title="Reading group",
        summary="A weekly reading group in the library",
        description="We would meet every Tuesday.\n\nThe money pays for books.",
        cost_pence=125_050,
        category="Learning",
        organisation="Friends of Hackney Library",
        contact="020 7946 0000",
    )


def test_every_refusal_at_once():
    exc = refused(title=" ", summary=None, description="\n\n", amount="lots", category="Sport",
                  organisation="", contact="")
    assert exc.errors == {
        "title": "Enter a title for your idea",
        "summary": "Enter a one-line summary of your idea",
        "description": "Describe your idea: what would happen, who it is for and what the money pays for",
        "amount": "Enter the amount as a number of pounds, for example 1250 or £1,250.50",
        "category": "Choose the category that fits your idea best",
        "organisation": "Enter the name of the group or organisation that would run it (or your own name)",
        "contact": "Enter a phone number or email address so the team can contact you about your idea",
    }
    assert exc.message == "Enter a title for your idea"


def test_too_long_at_once():
    exc = refused(title="t" * 81, summary="s" * 201, description="d" * 5001, organisation="o" * 121,
                  contact="a" * 250 + "@x.org")
    assert exc.errors == {
        "title": "The title must be 80 characters or fewer (it has 81)",
        "summary": "The summary must be 200 characters or fewer (it has 201)",
        "description": "The description must be 5,000 characters or fewer (it has 5,001)",
        "organisation": "The name must be 120 characters or fewer",
        "contact": "The contact details must be 254 characters or fewer",
    }


def test_longest_allowed_values():
    data = validate(ROUND, form(title="t" * 80, summary="s" * 200, description="d" * 5000,
                                organisation="o" * 120, contact="a" * 248 + "@x.org"))
    assert (len(data.title), len(data.summary), len(data.description), len(data.organisation),
            len(data.contact)) == (80, 200, 5000, 120, 254)


def test_the_message_is_the_first_wrong_field_in_form_order():
    exc = refused(contact="call me", amount="", category="Sport")
    assert exc.message == "Enter an amount in pounds, for example 1250 or £1,250.50"
    assert list(exc.errors) == ["amount", "category", "contact"]
    assert exc.errors["contact"] == PHONE_PROBLEM


def test_lines_are_cleaned_up():
    data = validate(ROUND, form(title="  Reading\x00group\t for\u200b all  ", summary="A\nweekly\r\ngroup",
                                category="  Learning ", organisation=" Friends\u00a0of  the Library ",
                                contact="  name@example.org "))
    assert data.title == "Reading group for all"
    assert data.summary == "A weekly group"
    assert data.category == "Learning"
    assert data.organisation == "Friends of the Library"
    assert data.contact == "name@example.org"


def test_description_keeps_paragraphs_drops_control_characters_and_collapses_blank_lines():
    data = validate(ROUND, form(description="\r\n  First\x07 line  \r\n\r\n\r\n\r\nSecond\x00 para\t\r\nthird\rfourth\n\n"))
    assert data.description == "First line\n\nSecond para\nthird\nfourth"


def test_length_is_counted_after_clean_up():
    data = validate(ROUND, form(title="   " + "t" * 80 + "   "))
    assert data.title == "t" * 80


# ---- check_cost -----------------------------------------------------------------------------------


def test_check_cost_within_limits():
    assert check_cost(ROUND, "500") == 500_00
    assert check_cost(ROUND, "£10,000") == 10_000_00
    assert check_cost(ROUND, "1234.5") == 1234_50


@pytest.mark.parametrize("amount", ["499.99", "10000.01", "1"])
def test_check_cost_outside_both_limits(amount):
    error = refusal(check_cost, ROUND, amount)
    assert error.message == "Enter an amount between £500 and £10,000"
    assert error.field == "amount"


def test_check_cost_with_one_limit_or_none():
    low_only = SimpleNamespace(min_project_cost_pence=500_00, max_project_cost_pence=None)
    high_only = SimpleNamespace(min_project_cost_pence=None, max_project_cost_pence=10_000_00)
    no_limits = SimpleNamespace(min_project_cost_pence=None, max_project_cost_pence=None)
    error = refusal(check_cost, low_only, "100")
    assert error.message == "Enter an amount of at least £500"
    assert check_cost(low_only, "1000000") == 1_000_000_00
    error = refusal(check_cost, high_only, "10000.50")
    assert error.message == "Enter an amount of no more than £10,000"
    assert check_cost(high_only, "0.01") == 1
    assert check_cost(no_limits, "99999999") == 99_999_999_00


@pytest.mark.parametrize("amount, message", [
    ("", "Enter an amount in pounds, for example 1250 or £1,250.50"),
    (None, "Enter an amount in pounds, for example 1250 or £1,250.50"),
    ("twelve", "Enter the amount as a number of pounds, for example 1250 or £1,250.50"),
    ("12.345", "Enter the amount as a number of pounds, for example 1250 or £1,250.50"),
    ("-5", "Enter the amount as a number of pounds, for example 1250 or £1,250.50"),
    ("0", "Enter an amount of more than £0"),
    ("0.00", "Enter an amount of more than £0"),
])
def test_check_cost_refuses_what_is_not_an_amount(amount, message):
    error = refusal(check_cost, ROUND, amount, field="cost")
    assert error.message == message
    assert error.errors == {"cost": message}


# ---- check_contact --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["name@example.org", "a.b+c@mail.example.co.uk", "020 7946 0000",
                                   "+44 (20) 7946-0000", "1234567", "123456789012345", "07700.900.982"])
def test_check_contact_accepts(value):
    assert check_contact(value) is None


@pytest.mark.parametrize("value", ["name@example", "name@@example.org", "@example.org", "na me@example.org"])
def test_check_contact_refuses_emails(value):
    assert check_contact(value) == EMAIL_PROBLEM


@pytest.mark.parametrize("value", ["123456", "1234567890123456", "call me", "020 7946 0000 ext 5", "#1234567"])
def test_check_contact_refuses_phones(value):
    assert check_contact(value) == PHONE_PROBLEM


# ---- as_form and form_values ----------------------------------------------------------------------


def test_as_form_round_trips():
    data = validate(ROUND, form())
    assert data.as_form() == {
        "title": "Reading group",
        "summary": "A weekly reading group in the library",
        "description": "We would meet every Tuesday.\n\nThe money pays for books.",
        "amount": "1250.50",
        "category": "Learning",
        "organisation": "Friends of Hackney Library",
        "contact": "020 7946 0000",
    }
    assert set(data.as_form()) == set(ideas.FIELDS)
    assert validate(ROUND, data.as_form()) == data


def test_form_values_of_a_saved_idea():
    saved = SimpleNamespace(title="Bench", summary="A bench", description="By the pond.", cost_pence=800_00,
                            category="Arts and culture", organisation=None, contact=None)
    assert form_values(saved) == {
        "title": "Bench", "summary": "A bench", "description": "By the pond.", "amount": "800",
        "category": "Arts and culture", "organisation": "", "contact": "",
    }
    data = validate(ROUND, form(amount="600.05"))
    assert form_values(data) == data.as_form()
    assert validate(ROUND, form_values(data)) == data


# ---- required_text --------------------------------------------------------------------------------


def test_required_text():
    assert required_text("  Looks good\r\n\r\n\r\nThanks ", "note", "Enter a note") == "Looks good\n\nThanks"
    error = refusal(required_text, " \n ", "note", "Enter a note")
    assert error.errors == {"note": "Enter a note"}
    error = refusal(required_text, "n" * 2001, "note", "Enter a note")
    assert error.errors == {"note": "Keep this to 2,000 characters or fewer (it has 2,001)"}
