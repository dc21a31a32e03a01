"""Which stored count of a round is current: the staff preview after voting closed, and the published one."""
from __future__ import annotations

from sqlalchemy import select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import CountResult, Round


def latest_count(round_: Round) -> CountResult | None:
    """The newest count made after voting closed (the staff preview), or None."""
    stmt = select(CountResult).where(CountResult.round_id == round_.id)
    if round_.voting_closed_at is not None:
        stmt = stmt.where(CountResult.created_at >= round_.voting_closed_at)
    elif not round_.phase_enum.is_at_least(Phase.VOTING_CLOSED):
        return None
    return db.session.scalars(stmt.order_by(CountResult.created_at.desc(), CountResult.id.desc()).limit(1)).first()


def published_count(round_: Round) -> CountResult | None:
    """The count the public sees: only once results are published.

    It is the count marked published, or else the latest count (counting is refused after
    publication, so the latest count is the one that was published).
    """
    if round_.phase != Phase.RESULTS_PUBLISHED:
        return None
    marked = db.session.scalars(
        select(CountResult)
        .where(CountResult.round_id == round_.id, CountResult.is_published.is_(True))
        .order_by(CountResult.id.desc())
        .limit(1)
    ).first()
    return marked or latest_count(round_)
