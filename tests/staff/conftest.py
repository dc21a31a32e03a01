"""Fixtures for the staff console tests."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pb.extensions import db
from pb.models import AuditEvent, Round
from tests import factories


def round_form_data(**overrides) -> dict[str, str]:
    """A complete, valid "new round" form as a browser would post it."""
    return factories.posted_form({
        "title": "Connect Hackney 2027",
        "description": "Ideas for older residents.\n\nSecond paragraph.",
        "area_name": "Hackney",
        "budget": "£50,000",
        "min_age": "50",
        **factories.date_fields("age_reference_date", date(2027, 6, 1)),
        "accepted_postcodes": "E8\ne5\nN16 7AB",
        "review_postcodes": "E1",
        "min_ranks": "1",
        "max_ranks": "3",
        "points_scheme": "",
        "counting_rule": "greedy",
        "completion": "add1u",
        "score_threshold": "",
        "categories": "Health and wellbeing\nArts and culture",
        "min_cost": "£500",
        "max_cost": "8,000",
        **factories.date_fields("proposals_open_on", date(2027, 3, 1)),
        "form_token": "token-for-tests-1",
    }, overrides)


def edit_form_data(round_: Round, **overrides) -> dict[str, str]:
    """The edit form as the page fills it for `round_`, with some values changed."""
    from pb.domain.money import pence_to_pounds_text

    data = {
        "title": round_.title,
        "description": round_.description,
        "area_name": round_.area_name,
        "budget": pence_to_pounds_text(round_.budget_pence),
        "min_age": str(round_.min_age),
        **factories.date_fields("age_reference_date", round_.age_reference_date),
        "accepted_postcodes": round_.accepted_postcodes,
        "review_postcodes": round_.review_postcodes,
        "min_ranks": str(round_.min_ranks),
        "max_ranks": str(round_.max_ranks),
        "points_scheme": round_.points_scheme or "",
        "counting_rule": round_.counting_rule,
        "completion": round_.completion,
        "score_threshold": "" if round_.score_threshold is None else str(round_.score_threshold),
        "categories": round_.categories,
        "min_cost": pence_to_pounds_text(round_.min_project_cost_pence),
        "max_cost": pence_to_pounds_text(round_.max_project_cost_pence),
        "version": str(round_.version),
    }
    for name in ("proposals_open_on", "proposals_close_on", "voting_open_on", "voting_close_on", "results_on"):
        data.update(factories.date_fields(name, getattr(round_, name)))
    if round_.paper_double_entry:
        data["paper_double_entry"] = "y"
    return factories.posted_form(data, overrides)


def round_snapshot(round_id: int) -> dict:
    """Every column of a round, to show that a refused request changed nothing."""
    db.session.expire_all()
    round_ = db.session.get(Round, round_id)
    return {c.name: getattr(round_, c.key) for c in Round.__table__.columns}


def count_rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_rows(action: str | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt))


@pytest.fixture
def form_data():
    return round_form_data
