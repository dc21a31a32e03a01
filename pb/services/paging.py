"""Long lists shown a page at a time: the audit log, residents waiting for review."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select

from pb.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int    # 1-based, within 1..pages
    pages: int   # at least 1, so an empty list is "page 1 of 1"
    total: int


def paginate(statement: Select, page: int, per_page: int) -> Page:
    """One page of `statement`'s rows (it must be ordered), and how many there are in all.

    A page number past the end shows the last page, and one below 1 the first.
    """
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = list(db.session.scalars(statement.offset((page - 1) * per_page).limit(per_page)))
    return Page(items=items, page=page, pages=pages, total=total)


def whole_number(text: str | None) -> int | None:
    """A whole number typed in a URL (?page=, ?round=), or None for anything else ("²", "-1", 10,000 digits)."""
    if text and text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return None


def page_number(text: str | None) -> int:
    """?page=… as typed: anything that is not a whole number is the first page."""
    return whole_number(text) or 1
