"""A seeded round with hand-checkable numbers, for the count service, the results pages and verify.

Budget £10,000, points 3-2-1, shortlisted projects:
  A £4,000   B £3,000   C £5,000   D £2,000   E £1,000 (nobody votes for it)
plus one refused idea that must never appear. Ten ballots:
  4 × A,C,B   2 × C,A,D   2 × B,D   1 × D,B   1 × C
Scores: C 17, A 16, B 12, D 9, E 0.  First choices: A 4, C 3, B 2, D 1.
Greedy: C funded (£5,000 left), A funded (£1,000 left), B skipped (needs £3,000, £1,000 left),
D skipped (needs £2,000, £1,000 left), E no votes.  Funded C, A; £9,000 given, £1,000 left.
Eight ballots were cast online and two on paper.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import Channel, ProposalStatus, VoterRoll
from tests import factories

BALLOT_PLAN = [
    (("A", "C", "B"), 4),
    (("C", "A", "D"), 2),
    (("B", "D"), 2),
    (("D", "B"), 1),
    (("C",), 1),
]
COSTS = {"A": 400_000, "B": 300_000, "C": 500_000, "D": 200_000, "E": 100_000}
TITLES = {
    "A": "Tea dance at the town hall",
    "B": "Chair yoga in the park",
    "C": "Community lunch club",
    "D": "Gardening group tools",
    "E": "Book swap shelf",
}


@dataclass
class Seeded:
    round_id: int
    ids: dict[str, int]  # letter -> proposal id
    refused_id: int
    receipts: list[str]  # in the order of BALLOT_PLAN
    rankings: list[tuple[str, ...]]
    staff_id: int

    def letter(self, proposal_id: int) -> str:
        return next(k for k, v in self.ids.items() if v == proposal_id)


def seed_round(phase: str = Phase.VOTING_CLOSED, plan=BALLOT_PLAN, **round_kw) -> Seeded:
    """Write the round, its proposals, voter-roll rows and ballots directly (call inside an app context)."""
    staff = factories.make_staff()
    kw = dict(budget_pence=1_000_000, max_ranks=3, min_ranks=1, counting_rule="greedy",
              max_project_cost_pence=800_000, results_on=None)
    kw.update(round_kw)
    round_ = factories.make_round(phase=phase, **kw)
    if Phase(phase).is_at_least(Phase.VOTING_CLOSED):
        round_.voting_closed_at = datetime.now(timezone.utc) - timedelta(hours=1)
    ids = {}
    for letter in "ABCDE":
        p = factories.make_proposal(round_, cost_pence=COSTS[letter], title=TITLES[letter])
        ids[letter] = p.id
    refused = factories.make_proposal(round_, status=ProposalStatus.REFUSED, cost_pence=50_000, title="Refused idea")
    receipts, rankings = [], []
    n = 0
    for letters, times in plan:
        for _ in range(times):
            voter = factories.make_resident()
            channel = Channel.PAPER if n in (2, 7) else Channel.ONLINE
            db.session.add(VoterRoll(round_id=round_.id, user_id=voter.id, channel=channel,
                                     entered_by_id=staff.id if channel == Channel.PAPER else None,
                                     verification="paper" if channel == Channel.PAPER else "staff"))
            ranking = [ids[x] for x in letters]
            ballot = factories.ballot_row(round_.id, ranking)
            db.session.add(ballot)
            receipts.append(ballot.receipt)
            rankings.append(letters)
            n += 1
    db.session.commit()
    return Seeded(round_.id, ids, refused.id, receipts, rankings, staff.id)


def publish(seeded: Seeded) -> None:
    """Count and publish through the real services (inside an app context)."""
    from pb.models import Round, User
    from pb.services import counting, rounds

    staff = db.session.get(User, seeded.staff_id)
    round_ = db.session.get(Round, seeded.round_id)
    counting.count_round(round_, staff)
    rounds.move_phase(seeded.round_id, staff, Phase.RESULTS_PUBLISHED, Phase.VOTING_CLOSED)


@pytest.fixture
def seeded(app):
    """A closed round with ten ballots, counted and published (greedy)."""
    with app.app_context():
        s = seed_round()
        publish(s)
        return s


@pytest.fixture
def closed(app):
    """A closed round with ten ballots, not yet counted."""
    with app.app_context():
        return seed_round()
