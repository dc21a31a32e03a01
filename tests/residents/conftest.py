"""Fixtures and helpers for the residents area tests."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import select

from pb.extensions import db
from pb.models import AuditEvent, User
from tests import factories

GOOD_PASSWORD = "gravel lantern orchard"


def registration(**overrides) -> dict[str, str]:
    """A complete registration form, as a browser posts it (online, with a password)."""
    return factories.posted_form({
        # who they are
        "name": "Margaret Okafor", **dob_fields(date(1948, 3, 27)), "postcode": "E8 1AB", "phone": "",
        # how they will sign in to vote
        "how": "password", "email": "margaret@example.org", "password": GOOD_PASSWORD, "password_confirm": GOOD_PASSWORD,
    }, overrides)


def dob_fields(born: date) -> dict[str, str]:
    return factories.date_fields("dob", born)


def users(app) -> list[User]:
    with app.app_context():
        return list(db.session.scalars(select(User).where(User.role == "resident").order_by(User.id)))


def audit_actions(app) -> list[tuple[str, dict]]:
    with app.app_context():
        return [(e.action, e.details) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def error_messages(html: str) -> list[str]:
    """The messages in the error summary at the top of a page."""
    return [m.strip() for m in re.findall(r'<li><a href="#[^"]*">([^<]+)</a></li>', html)]


def text_of(response) -> str:
    """The page as text with entities decoded, so a name such as O'Donnell reads as typed."""
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def voting_round(app):
    """A round open for voting: 50 or over on 1 June 2026, E2/E5/E8/E9/N16 accepted, E1/N1 shared."""
    with app.app_context():
        return factories.make_round(phase="voting_open", title="Connect Hackney 2026")
