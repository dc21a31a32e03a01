"""Fixtures for the proposals area: a round open for ideas and helpers to read the database."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pb.extensions import db
from pb.models import AuditEvent, Proposal
from tests import factories

GOOD = {
    "title": "Friday lunch club",
    "summary": "A hot lunch and company every Friday for 40 older neighbours.",
    "description": "We would cook a two-course lunch.\n\nVolunteers would bring people who cannot travel.",
    "amount": "£1,200.50",
    "category": "Social activities",
    "organisation": "Clapton Park Tenants",
    "contact": "020 7946 0000",
}


@pytest.fixture
def good():
    return dict(GOOD)


@pytest.fixture
def make_round(app):
    def make(phase="proposals_open", **kw):
        kw.setdefault("proposals_close_on", date(2026, 12, 31))
        with app.app_context():
            return factories.make_round(phase=phase, **kw)

    return make


@pytest.fixture
def open_round(make_round):
    return make_round()


@pytest.fixture
def proposal_factory(app):
    def make(round_, **kw):
        with app.app_context():
            return factories.make_proposal(round_, **kw)

    return make


@pytest.fixture
def db_read(app):
    """Run a function in a fresh app context and return its result."""

    def read(fn):
        with app.app_context():
            return fn()

    return read


@pytest.fixture
def get_proposal(db_read):
    return lambda pid: db_read(lambda: db.session.get(Proposal, pid))


@pytest.fixture
def proposal_count(db_read):
    return lambda: db_read(lambda: db.session.scalar(select(func.count()).select_from(Proposal)))


@pytest.fixture
def audit_rows(db_read):
    def rows(action=None):
        def q():
            query = select(AuditEvent).order_by(AuditEvent.id)
            if action:
                query = query.where(AuditEvent.action == action)
            return list(db.session.scalars(query).unique())

        return db_read(q)

    return rows


@pytest.fixture
def other_resident(app):
    with app.app_context():
        return factories.make_resident(email="other@example.org")
