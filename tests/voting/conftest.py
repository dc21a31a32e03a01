"""Fixtures for voting: a round open for voting with a shortlist, and helpers to count what was stored."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import AuditEvent, Ballot, PaperEntry, ProposalStatus, VoterRoll
from pb.services.ballot_store import STORES
from tests import factories
from tests.conftest import empty_all_tables, make_app, signed_in_client


@pytest.fixture(params=STORES)
def app(migrated_database, request):
    """The app, once with each ballot store: every voting test runs against both implementations."""
    app = make_app(migrated_database, PB_BALLOT_STORE=request.param)
    assert app.config["PB_BALLOT_STORE"] == request.param
    yield app
    empty_all_tables(app)


@dataclass
class VotingSetup:
    round_id: int
    projects: list[int]          # shortlisted, ordered by id
    refused: int                 # a refused proposal in the same round
    other_round_id: int
    other_project: int           # shortlisted in another open round
    titles: dict[int, str]


def make_voting_setup(**round_kw) -> VotingSetup:
    round_ = factories.make_round(phase=Phase.VOTING_OPEN, results_on=None, **round_kw)
    projects = [factories.make_proposal(round_, title=f"Project {name}") for name in
                ("Apple", "Bench", "Choir", "Dance", "Exercise")]
    refused = factories.make_proposal(round_, status=ProposalStatus.REFUSED, title="Refused idea")
    other = factories.make_round(phase=Phase.VOTING_OPEN)
    other_project = factories.make_proposal(other, title="Elsewhere")
    return VotingSetup(
        round_id=round_.id,
        projects=[p.id for p in projects],
        refused=refused.id,
        other_round_id=other.id,
        other_project=other_project.id,
        titles={p.id: p.title for p in projects},
    )


@pytest.fixture
def setup(app):
    with app.app_context():
        return make_voting_setup()


def counts(app, round_id: int | None = None) -> tuple[int, int]:
    """(ballots, voter-roll rows), optionally for one round."""
    with app.app_context():
        b = select(func.count()).select_from(Ballot)
        v = select(func.count()).select_from(VoterRoll)
        if round_id is not None:
            b = b.where(Ballot.round_id == round_id)
            v = v.where(VoterRoll.round_id == round_id)
        result = db.session.scalar(b), db.session.scalar(v)
        db.session.remove()
        return result


def paper_entries(app) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(PaperEntry))
        db.session.remove()
        return n


def audit_rows(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        for r in rows:
            db.session.expunge(r)
        return rows


@pytest.fixture
def voter(app):
    with app.app_context():
        return factories.make_resident(email="voter@example.net")


voter_client = signed_in_client("voter")


def ranks(*ids) -> dict[str, str]:
    return {f"rank{i + 1}": str(p) for i, p in enumerate(ids)}
