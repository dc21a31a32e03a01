"""Phase moves through the staff pages: every allowed move, every refusal, and a move sent twice."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pb.domain.phases import PHASE_MOVE_EFFECTS, Phase
from pb.extensions import db
from pb.models import CountResult, ProposalStatus, Round
from tests import factories
from tests.staff.conftest import audit_rows, round_snapshot

TIMESTAMP = {
    Phase.PROPOSALS_OPEN: "proposals_opened_at",
    Phase.PROPOSALS_CLOSED: "proposals_closed_at",
    Phase.VOTING_OPEN: "voting_opened_at",
    Phase.VOTING_CLOSED: "voting_closed_at",
    Phase.RESULTS_PUBLISHED: "results_published_at",
}


def _ready_round(phase: Phase) -> int:
    """A round in `phase` that meets the conditions for its next move."""
    closed_at = datetime.now(timezone.utc) - timedelta(hours=1)
    kw = {"voting_closed_at": closed_at} if phase.is_at_least(Phase.VOTING_CLOSED) else {}
    round_ = factories.make_round(phase=phase, **kw)
    factories.make_proposal(round_, status=ProposalStatus.SHORTLISTED)
    factories.make_proposal(round_, status=ProposalStatus.SHORTLISTED)
    if phase == Phase.VOTING_CLOSED:
        db.session.add(CountResult(round_id=round_.id, rule="greedy", created_at=closed_at + timedelta(minutes=5)))
        db.session.commit()
    return round_.id


def _move(client, round_id: int, target: Phase, expected: str | None):
    data = {"expected_phase": expected} if expected is not None else {}
    return client.post(f"/staff/rounds/{round_id}/phase/{target.value}", data=data)


def _refused_move(client, round_id: int, target: Phase, expected: str | None, message: str = "") -> None:
    """Post the move and check that it is refused (409) with `message` on the page."""
    response = _move(client, round_id, target, expected)
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)


def _closed_round_with(*statuses: str, **round_kw) -> int:
    """A round closed for ideas, with one proposal in each of `statuses`."""
    round_ = factories.make_round(phase=Phase.PROPOSALS_CLOSED, **round_kw)
    for status in statuses:
        factories.make_proposal(round_, status=status)
    return round_.id


def _phase(app, round_id: int) -> str:
    with app.app_context():
        return db.session.get(Round, round_id).phase


@pytest.mark.parametrize("start", [p for p in Phase if p.next is not None], ids=lambda p: p.value)
def test_every_forward_move_is_allowed_stamped_and_audited(app, staff_client, staff_user, start):
    target = start.next
    with app.app_context():
        round_id = _ready_round(start)
    page = staff_client.get(f"/staff/rounds/{round_id}/phase/{target.value}")
    assert page.status_code == 200
    html = page.get_data(as_text=True).replace("&#39;", "'")
    assert PHASE_MOVE_EFFECTS[target] in html
    assert f'name="expected_phase" type="hidden" value="{start.value}"' in html
    before = datetime.now(timezone.utc)
    response = _move(staff_client, round_id, target, start.value)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/rounds/{round_id}")
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_.phase == target
        stamp = getattr(round_, TIMESTAMP[target])
        assert stamp is not None and stamp >= before - timedelta(seconds=1)
        [event] = audit_rows("round.phase_moved")
        assert event.actor_id == staff_user.id and event.round_id == round_id
        assert event.details["from"] == start.value and event.details["to"] == target.value


def test_publishing_marks_the_latest_count_published(app, staff_client):
    with app.app_context():
        round_id = _ready_round(Phase.VOTING_CLOSED)
        round_ = db.session.get(Round, round_id)
        newer = CountResult(round_id=round_id, rule="greedy", created_at=round_.voting_closed_at + timedelta(minutes=30))
        db.session.add(newer)
        db.session.commit()
        newer_id = newer.id
    assert _move(staff_client, round_id, Phase.RESULTS_PUBLISHED, "voting_closed").status_code == 302
    with app.app_context():
        counts = {c.id: c.is_published for c in db.session.scalars(db.select(CountResult))}
        assert counts[newer_id] is True
        assert sum(counts.values()) == 1
        [event] = audit_rows("results.published")
        assert event.details["count_result_id"] == newer_id


REFUSED = [
    (Phase.DRAFT, Phase.VOTING_OPEN, "From “Draft (not public yet)” the next phase is “Open for project ideas”"),
    (Phase.DRAFT, Phase.RESULTS_PUBLISHED, "only moves forward one phase at a time"),
    (Phase.VOTING_OPEN, Phase.PROPOSALS_OPEN, "From “Voting open” the next phase is “Voting closed, counting”"),
    (Phase.VOTING_CLOSED, Phase.VOTING_OPEN, "From “Voting closed, counting” the next phase is “Results published”"),
    (Phase.PROPOSALS_OPEN, Phase.PROPOSALS_OPEN, "This round is already in “Open for project ideas”"),
    (Phase.RESULTS_PUBLISHED, Phase.VOTING_CLOSED, "The results are published. This round cannot move any further."),
]


@pytest.mark.parametrize("start,target,message", REFUSED, ids=[f"{s.value}->{t.value}" for s, t, _ in REFUSED])
def test_moves_that_skip_or_go_back_are_refused(app, staff_client, start, target, message):
    with app.app_context():
        round_id = _ready_round(start)
        before = round_snapshot(round_id)
    # The page itself explains and offers no button.
    page = staff_client.get(f"/staff/rounds/{round_id}/phase/{target.value}").get_data(as_text=True)
    assert 'name="expected_phase"' not in page
    # A POST made by hand, claiming the round is in the phase it is in, is refused.
    _refused_move(staff_client, round_id, target, start.value, message)
    with app.app_context():
        assert round_snapshot(round_id) == before
        assert audit_rows("round.phase_moved") == []


def test_backward_move_with_matching_expected_phase_is_refused(app, staff_client):
    with app.app_context():
        round_id = _ready_round(Phase.VOTING_OPEN)
        before = round_snapshot(round_id)
    _refused_move(staff_client, round_id, Phase.PROPOSALS_CLOSED, "voting_open")
    with app.app_context():
        assert round_snapshot(round_id) == before


def test_voting_needs_two_shortlisted_projects(app, staff_client):
    with app.app_context():
        round_id = _closed_round_with(ProposalStatus.SHORTLISTED, ProposalStatus.SUBMITTED, ProposalStatus.REFUSED)
        before = round_snapshot(round_id)
    page = staff_client.get(f"/staff/rounds/{round_id}/phase/voting_open").get_data(as_text=True)
    assert "Voting needs at least 2 shortlisted projects; this round has 1." in page
    assert 'name="expected_phase"' not in page
    _refused_move(staff_client, round_id, Phase.VOTING_OPEN, "proposals_closed",
                  "Voting needs at least 2 shortlisted projects")
    with app.app_context():
        assert round_snapshot(round_id) == before
        assert audit_rows("round.phase_moved") == []


def test_results_need_a_count(app, staff_client):
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_CLOSED, voting_closed_at=datetime.now(timezone.utc))
        round_id = round_.id
        before = round_snapshot(round_id)
    _refused_move(staff_client, round_id, Phase.RESULTS_PUBLISHED, "voting_closed",
                  "Count the votes before publishing the results.")
    with app.app_context():
        assert round_snapshot(round_id) == before


def test_a_count_made_before_voting_closed_does_not_count(app, staff_client):
    closed_at = datetime.now(timezone.utc) - timedelta(hours=1)
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_CLOSED, voting_closed_at=closed_at)
        db.session.add(CountResult(round_id=round_.id, rule="greedy", created_at=closed_at - timedelta(days=1)))
        db.session.commit()
        round_id = round_.id
    _refused_move(staff_client, round_id, Phase.RESULTS_PUBLISHED, "voting_closed")
    with app.app_context():
        assert db.session.get(Round, round_id).phase == Phase.VOTING_CLOSED
        assert db.session.scalars(db.select(CountResult)).one().is_published is False


def test_a_move_posted_twice_moves_once(app, staff_client):
    with app.app_context():
        round_id = _ready_round(Phase.DRAFT)
    first = _move(staff_client, round_id, Phase.PROPOSALS_OPEN, "draft")
    second = _move(staff_client, round_id, Phase.PROPOSALS_OPEN, "draft")
    assert first.status_code == 302
    assert second.status_code == 409
    assert "This round has already moved to “Open for project ideas”" in second.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Round, round_id).phase == Phase.PROPOSALS_OPEN
        assert len(audit_rows("round.phase_moved")) == 1


def test_a_second_tab_confirming_the_next_move_after_the_round_moved_on_is_refused(app, staff_client):
    """Tab B still shows the round as a draft but asks for a later move: refused, nothing moves."""
    with app.app_context():
        round_id = _ready_round(Phase.DRAFT)
    assert _move(staff_client, round_id, Phase.PROPOSALS_OPEN, "draft").status_code == 302
    _refused_move(staff_client, round_id, Phase.PROPOSALS_CLOSED, "draft", "not what the page showed")
    assert _phase(app, round_id) == Phase.PROPOSALS_OPEN


def test_unknown_phase_is_404(app, staff_client):
    with app.app_context():
        round_id = factories.make_round().id
    assert staff_client.get(f"/staff/rounds/{round_id}/phase/finished").status_code == 404
    assert staff_client.post(f"/staff/rounds/{round_id}/phase/finished").status_code == 404


def test_round_page_offers_exactly_one_move(app, staff_client):
    with app.app_context():
        round_id = _ready_round(Phase.PROPOSALS_CLOSED)
    html = staff_client.get(f"/staff/rounds/{round_id}").get_data(as_text=True)
    import re

    assert set(re.findall(rf"/staff/rounds/{round_id}/phase/(\w+)", html)) == {"voting_open"}
    assert "Move to “Voting open”" in html


def test_voting_needs_as_many_shortlisted_projects_as_the_fewest_choices(app, staff_client):
    with app.app_context():
        round_id = _closed_round_with(ProposalStatus.SHORTLISTED, ProposalStatus.SHORTLISTED, min_ranks=3, max_ranks=3)
    _refused_move(staff_client, round_id, Phase.VOTING_OPEN, "proposals_closed",
                  "Voters must choose at least 3 projects")
    assert _phase(app, round_id) == Phase.PROPOSALS_CLOSED


def test_confirmation_pages_warn_about_unreviewed_ideas_and_half_keyed_paper_ballots(app, staff_client):
    from pb.models import PaperEntry

    with app.app_context():
        review_id = _closed_round_with(ProposalStatus.SHORTLISTED, ProposalStatus.SHORTLISTED, ProposalStatus.SUBMITTED)
        voting = factories.make_round(phase=Phase.VOTING_OPEN, paper_double_entry=True)
        resident = factories.make_resident()
        db.session.add(PaperEntry(round_id=voting.id, user_id=resident.id, ranking="1"))
        db.session.commit()
        ids = (review_id, voting.id)
    html = staff_client.get(f"/staff/rounds/{ids[0]}/phase/voting_open").get_data(as_text=True)
    assert "1 project idea has not been shortlisted or refused yet" in html
    assert 'name="expected_phase"' in html  # a warning, not a refusal
    html = staff_client.get(f"/staff/rounds/{ids[1]}/phase/voting_closed").get_data(as_text=True)
    assert "1 paper ballot has been typed in once and is waiting for a second member of staff" in html


def test_opening_voting_warns_when_the_budget_would_fund_every_shortlisted_project(app, staff_client):
    """Three projects costing £6,700 against £20,000: the vote would decide nothing, so the confirm page says so."""
    with app.app_context():
        fits = factories.make_round(phase=Phase.PROPOSALS_CLOSED, budget_pence=2_000_000)
        for cost in (200_000, 250_000, 220_000):
            factories.make_proposal(fits, status=ProposalStatus.SHORTLISTED, cost_pence=cost)
        tight = factories.make_round(phase=Phase.PROPOSALS_CLOSED, budget_pence=400_000)
        for cost in (200_000, 250_000):
            factories.make_proposal(tight, status=ProposalStatus.SHORTLISTED, cost_pence=cost)
        ids = (fits.id, tight.id)
    html = staff_client.get(f"/staff/rounds/{ids[0]}/phase/voting_open").get_data(as_text=True)
    assert ("The 3 shortlisted projects cost £6,700 together, within the budget of £20,000. There is money for "
            "every project on the ballot, so the vote may decide nothing.") in html
    assert 'name="expected_phase"' in html  # a warning: staff may still go on
    html = staff_client.get(f"/staff/rounds/{ids[1]}/phase/voting_open").get_data(as_text=True)
    assert "so the vote may decide nothing" not in html
