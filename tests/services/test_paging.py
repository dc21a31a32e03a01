"""Paging long lists: page numbers as typed in a URL, and pages of a query."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from pb.models import AuditEvent
from pb.services import audit
from pb.services.paging import page_number, paginate, whole_number
from tests import factories


@pytest.mark.parametrize("text, expected", [
    ("1", 1), ("12", 12), ("007", 7), ("999999999", 999_999_999),
    (None, None), ("", None), ("0x1", None), ("-1", None), ("1.5", None), (" 2", None),
    ("²", None), ("١٢", None), ("9" * 10, None), ("9" * 5000, None),
])
def test_whole_numbers_from_a_url(text, expected):
    assert whole_number(text) == expected


def test_anything_but_a_whole_number_is_the_first_page():
    assert [page_number(t) for t in (None, "", "abc", "²", "0", "3")] == [1, 1, 1, 1, 1, 3]


def test_a_page_past_either_end_is_the_nearest_page(app_ctx):
    staff = factories.make_staff()
    for n in range(7):
        audit.record(staff, "test.event", n=n)
    from pb.extensions import db

    db.session.commit()
    statement = select(AuditEvent).where(AuditEvent.action == "test.event").order_by(AuditEvent.id)
    first = paginate(statement, 0, 3)
    assert (first.page, first.pages, first.total, [e.details["n"] for e in first.items]) == (1, 3, 7, [0, 1, 2])
    last = paginate(statement, 10**9, 3)
    assert (last.page, [e.details["n"] for e in last.items]) == (3, [6])
    empty = paginate(select(AuditEvent).where(AuditEvent.action == "none").order_by(AuditEvent.id), 5, 3)
    assert (empty.page, empty.pages, empty.total, empty.items) == (1, 1, 0, [])
