"""Checking what people type, without the web layer."""
from __future__ import annotations

import pytest

from pb.domain.errors import ValidationFailed
from tests import factories
from pb.domain import ideas

GOOD = {
    "title": "Lunch club",
    "summary": "A hot lunch.",
    "description": "One.",
    "amount": "1250",
    "category": "Learning",
    "organisation": "Group",
    "contact": "name@example.org",
}


@pytest.fixture
def round_(app_ctx):
    return factories.make_round(phase="proposals_open")


def test_text_is_tidied(round_):
    data = ideas.validate(round_, {
        **GOOD,
        "title": "  Lunch \t club\n ",
        "summary": "A hot\r\nlunch.\x00",
        "description": "\r\n First line\r\nsecond line  \r\n\r\n\r\n\r\nNext paragraph\x07 \r\n",
        "organisation": " Group\u00a0name ",
    })
    assert data.title == "Lunch club"
    assert data.summary == "A hot lunch."
    assert data.description == "First line\nsecond line\n\nNext paragraph"
    assert data.organisation == "Group name"


@pytest.mark.parametrize("amount,pence", [("£1,200.50", 120050), ("1250", 125000), ("£100", 10000), ("8000.00", 800000),
                                          ("1,250.5", 125050), (" £ 2 500 ", 250000)])
def test_amounts_people_type(round_, amount, pence):
    assert ideas.validate(round_, {**GOOD, "amount": amount}).cost_pence == pence


@pytest.mark.parametrize("amount", ["lots", "£", "1.234", "1e3", "£-5", "0", "12,50,0.0.0", "ten pounds"])
def test_amounts_refused(round_, amount):
    with pytest.raises(ValidationFailed) as exc:
        ideas.validate(round_, {**GOOD, "amount": amount})
    assert set(exc.value.errors) == {"amount"}


def test_round_without_limits_takes_any_positive_amount(app_ctx):
    round_ = factories.make_round(phase="proposals_open", min_project_cost_pence=None, max_project_cost_pence=None)
    assert ideas.validate(round_, {**GOOD, "amount": "0.01"}).cost_pence == 1
    with pytest.raises(ValidationFailed, match="more than £0"):
        ideas.validate(round_, {**GOOD, "amount": "0"})


@pytest.mark.parametrize("contact,ok", [("020 7946 0000", True), ("+44 (0)20 7946 0000", True), ("07700900123", True),
                                        ("name@example.org", True), ("123", False), ("name@", False),
                                        ("ring me", False), ("1234567890123456", False)])
def test_contact(round_, contact, ok):
    if ok:
        assert ideas.validate(round_, {**GOOD, "contact": contact}).contact == contact
    else:
        with pytest.raises(ValidationFailed) as exc:
            ideas.validate(round_, {**GOOD, "contact": contact})
        assert set(exc.value.errors) == {"contact"}


def test_validation_writes_nothing(round_):
    from sqlalchemy import func, select

    from pb.extensions import db
    from pb.models import Proposal

    ideas.validate(round_, GOOD)
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0
