"""DirectStatement: SQLAlchemy's statement, types and transaction, run on the driver's cursor."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Boolean, String, bindparam, cast, func, insert, select
from sqlalchemy.exc import IntegrityError

from pb.extensions import db
from pb.models import Ballot, Proposal, ProposalStatus, Round, User
from pb.services.direct_sql import DirectStatement
from tests import factories

ROUND_AND_SHORTLIST = DirectStatement(
    select(
        Round.id, Round.title, Round.age_reference_date, Round.paper_double_entry,
        select(func.aggregate_strings(cast(Proposal.id, String), ","))
        .where(Proposal.round_id == Round.id, Proposal.status == ProposalStatus.SHORTLISTED.value)
        .scalar_subquery().label("shortlist"),
    ).where(Round.id == bindparam("round_id"))
)
INSERT_BALLOT = DirectStatement(insert(Ballot.__table__), column_keys=("key", "round_id", "ranking", "nonce", "receipt", "commitment"))


def _ballot(round_id: int, receipt: str = "r" * 64) -> dict:
    return {"key": "k" * 32, "round_id": round_id, "ranking": "1,2", "nonce": "n" * 32, "receipt": receipt,
            "commitment": receipt}


def test_a_select_returns_rows_with_the_column_types_values(app_ctx):
    """Dates come back as dates and booleans as booleans on SQLite too (stored there as text and 0/1)."""
    round_ = factories.make_round(age_reference_date=date(2026, 6, 1), paper_double_entry=True)
    shortlisted = [factories.make_proposal(round_).id for _ in range(3)]
    factories.make_proposal(round_, status=ProposalStatus.REFUSED)
    with db.engine.connect() as conn:
        rows = ROUND_AND_SHORTLIST.execute(conn, {"round_id": round_.id})
    assert len(rows) == 1
    row = dict(zip(ROUND_AND_SHORTLIST.keys, rows[0]))
    assert row["id"] == round_.id and row["title"] == round_.title
    assert row["age_reference_date"] == date(2026, 6, 1)
    assert row["paper_double_entry"] is True
    # The "," separator is a constant the compiler writes into the SQL itself.
    assert sorted(int(p) for p in row["shortlist"].split(",")) == shortlisted


def test_a_select_with_no_match_returns_no_rows(app_ctx):
    with db.engine.connect() as conn:
        assert ROUND_AND_SHORTLIST.execute(conn, {"round_id": 2_000_000_000}) == []


def test_an_insert_runs_inside_the_connections_transaction(app_ctx):
    round_id = factories.make_round().id
    with db.engine.connect() as conn:
        with conn.begin() as tx:
            assert INSERT_BALLOT.execute(conn, _ballot(round_id)) is None
            tx.rollback()
        assert conn.scalar(select(func.count()).select_from(Ballot)) == 0
        conn.rollback()
        with conn.begin():
            INSERT_BALLOT.execute(conn, _ballot(round_id))
    db.session.remove()
    (ballot,) = db.session.scalars(select(Ballot)).all()
    assert (ballot.key, ballot.round_id, ballot.ranking) == ("k" * 32, round_id, "1,2")


def test_driver_errors_are_raised_as_sqlalchemy_errors(app_ctx):
    """A unique violation is SQLAlchemy's IntegrityError, as conn.execute would raise, with the driver's error inside."""
    round_id = factories.make_round().id
    with db.engine.connect() as conn, conn.begin():
        INSERT_BALLOT.execute(conn, _ballot(round_id))
        with pytest.raises(IntegrityError) as exc:
            INSERT_BALLOT.execute(conn, {**_ballot(round_id), "key": "x" * 32})  # the same receipt
        assert isinstance(exc.value.orig, conn.dialect.loaded_dbapi.IntegrityError)
        # As for every engine pb makes, the values sent (a ballot's) stay out of the message and the log.
        assert "[parameters:" not in str(exc.value) and "1,2" not in str(exc.value)


def test_bound_values_go_through_the_column_types(app_ctx):
    """A boolean parameter is converted for the database the way SQLAlchemy would convert it."""
    resident = factories.make_resident()
    active = DirectStatement(select(User.id).where(User.id == bindparam("id"),
                                                   User.is_active_account == bindparam("active", type_=Boolean)))
    with db.engine.connect() as conn:
        assert active.execute(conn, {"id": resident.id, "active": True}) == [(resident.id,)]
        assert active.execute(conn, {"id": resident.id, "active": False}) == []


def test_an_insert_must_be_given_every_column_with_a_python_default(app_ctx):
    with pytest.raises(ValueError, match="Python-side defaults must be given: .*created_at"):
        DirectStatement(insert(User.__table__), column_keys=("role", "name", "name_key"))
    with pytest.raises(ValueError, match="column_keys"):
        DirectStatement(insert(Ballot.__table__))
