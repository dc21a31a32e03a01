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
    """Every answer of a complete online registration (with a password), as the registration pages post them."""
    return factories.posted_form({
        # about you
        "name": "Margaret Okafor", **dob_fields(date(1948, 3, 27)),
        # where you live
        "postcode": "E8 1AB", "wants_letter": "no", "address_line": "",
        # how you want to take part
        "how": "online", "email": "margaret@example.org", "phone": "",
        # check your answers (online only)
        "password": GOOD_PASSWORD, "password_confirm": GOOD_PASSWORD,
    }, overrides)


# The registration pages in order: about you, where you live, how you want to take part, check your answers.
REGISTER_STEPS = ("/register", "/register/address", "/register/how", "/register/check")


def register_steps(client, environ_base=None, stop_at: str | None = None, **overrides):
    """Register through the pages: post registration(**overrides) to each in turn (a page reads only its
    own fields). Returns the response of the first page that does not move on to the next one (a page
    with errors, or the page that says someone cannot take part), else the check page's response.
    With `stop_at` (a page's path), stops on arriving there without posting it."""
    data = registration(**overrides)
    response = None
    for path, following in zip(REGISTER_STEPS, REGISTER_STEPS[1:] + (None,)):
        if path == stop_at:
            return response
        response = client.post(path, data=data, environ_base=environ_base or {})
        if following is None or response.status_code != 302 or response.headers["Location"] != following:
            return response
    raise AssertionError("unreachable")


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
