"""The rounds service on its own: validation, locks, stale edits, double creates, phase
moves and the row lock that keeps closing voting and casting ballots apart."""
from __future__ import annotations

import threading
import time
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import AuditEvent, ProposalStatus, Round, User, VoterRoll
from pb.services import rounds
from pb.domain.errors import LockedField, NotFound, PhaseError, StaleEdit, ValidationFailed
from pb.services.transaction import lock_round, transaction
from tests import factories
from tests.conftest import run_together_in_app

# The new-round form's values: the factory's round, with a title, money and postcodes of its own.
VALID = {
    **factories.ROUND_DEFAULTS,
    "title": "Service round", "description": "Words", "budget_pence": 2_000_000,
    "accepted_postcodes": "e8\nE9 1AB", "review_postcodes": "", "points_scheme": "", "score_threshold": None,
    "categories": "Health and wellbeing", "min_project_cost_pence": None, "max_project_cost_pence": None,
    "paper_double_entry": False,
}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_round_normalises_and_audits(app_ctx):
    staff = factories.make_staff()
    round_ = rounds.create_round(staff, dict(VALID), form_token="t1")
    assert round_.accepted_postcodes == "E8\nE9 1AB"
    assert round_.phase == Phase.DRAFT and round_.version == 1
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.round_id, event.actor_id) == ("round.created", round_.id, staff.id)


def test_create_round_twice_with_one_token_creates_one(app_ctx):
    staff = factories.make_staff()
    first = rounds.create_round(staff, dict(VALID), form_token="same")
    with pytest.raises(rounds.AlreadyCreated) as info:
        rounds.create_round(staff, dict(VALID), form_token="same")
    assert info.value.round_id == first.id
    assert _count(Round) == 1
    # Another member of staff's token is theirs alone.
    other = factories.make_staff()
    rounds.create_round(other, dict(VALID), form_token="same")
    assert _count(Round) == 2


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"budget_pence": 0}, "budget_pence"),
        ({"budget_pence": -100}, "budget_pence"),
        ({"budget_pence": "5000"}, "budget_pence"),
        ({"min_age": 121}, "min_age"),
        ({"min_age": -1}, "min_age"),
        ({"min_ranks": 3, "max_ranks": 2}, "max_ranks"),
        ({"accepted_postcodes": "E8\nXX XX"}, "accepted_postcodes"),
        ({"age_reference_date": "2026-02-31"}, "age_reference_date"),
        ({"age_reference_date": None}, "age_reference_date"),
        ({"points_scheme": "3,2,1,0"}, "points_scheme"),
        ({"completion": "add2"}, "completion"),
        ({"max_project_cost_pence": 3_000_000}, "max_project_cost_pence"),
        ({"voting_open_on": date(2026, 5, 1), "proposals_close_on": date(2026, 6, 1)}, "voting_open_on"),
    ],
)
def test_create_round_refuses_bad_values(app_ctx, changes, field):
    staff = factories.make_staff()
    with pytest.raises(ValidationFailed) as info:
        rounds.create_round(staff, {**VALID, **changes}, form_token="t")
    assert field in info.value.errors
    assert _count(Round) == 0 and _count(AuditEvent) == 0


def test_unknown_fields_are_refused(app_ctx):
    round_ = factories.make_round()
    with pytest.raises(ValidationFailed):
        rounds.update_round(round_.id, factories.make_staff(), round_.version, {"phase": "results_published"})
    assert db.session.get(Round, round_.id).phase == Phase.DRAFT


def test_update_round_checks_the_version(app_ctx):
    staff = factories.make_staff()
    round_ = factories.make_round()
    rounds.update_round(round_.id, staff, 1, {"title": "One"})
    with pytest.raises(StaleEdit):
        rounds.update_round(round_.id, staff, 1, {"title": "Two"})
    with pytest.raises(StaleEdit):
        rounds.update_round(round_.id, staff, None, {"title": "Three"})
    db.session.expire_all()
    assert db.session.get(Round, round_.id).title == "One"
    assert db.session.get(Round, round_.id).version == 2


@pytest.mark.parametrize("name,value", [
    ("budget_pence", 1), ("min_age", 60), ("age_reference_date", date(2027, 1, 1)),
    ("accepted_postcodes", "E8"), ("review_postcodes", "N1"), ("min_ranks", 2), ("max_ranks", 4),
    ("points_scheme", "4,2,1"), ("counting_rule", "equal-shares"), ("completion", "none"), ("score_threshold", 3),
])
def test_locked_fields_are_refused_from_voting_open(app_ctx, name, value):
    staff = factories.make_staff()
    round_ = factories.make_round(phase=Phase.VOTING_OPEN)
    before = {c.name: getattr(round_, c.key) for c in Round.__table__.columns}
    with pytest.raises(LockedField) as info:
        rounds.update_round(round_.id, staff, round_.version, {name: value, "title": "Changed too"})
    assert name in info.value.errors
    db.session.expire_all()
    assert {c.name: getattr(db.session.get(Round, round_.id), c.key) for c in Round.__table__.columns} == before


def test_unlocked_fields_still_change_while_voting(app_ctx):
    staff = factories.make_staff()
    round_ = factories.make_round(phase=Phase.VOTING_OPEN)
    updated = rounds.update_round(round_.id, staff, 1, {"title": "Renamed", "results_on": date(2026, 9, 1),
                                                        "budget_pence": round_.budget_pence})
    assert updated.title == "Renamed" and updated.results_on == date(2026, 9, 1)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.edited")).one()
    assert set(event.details["changes"]) == {"title", "results_on"}
    assert event.details["changes"]["results_on"] == {"before": None, "after": "2026-09-01"}


def test_an_edit_that_changes_nothing_records_nothing(app_ctx):
    round_ = factories.make_round()
    rounds.update_round(round_.id, factories.make_staff(), 1, {"title": round_.title})
    assert _count(AuditEvent) == 0
    assert db.session.get(Round, round_.id).version == 1


def test_move_phase_rules(app_ctx):
    staff = factories.make_staff()
    round_ = factories.make_round()
    with pytest.raises(PhaseError, match="no such phase"):
        rounds.move_phase(round_.id, staff, "finished", "draft")
    with pytest.raises(NotFound):
        rounds.move_phase(999_999, staff, "proposals_open", "draft")
    rounds.move_phase(round_.id, staff, "proposals_open", "draft")
    with pytest.raises(PhaseError, match="already moved to “Open for project ideas”"):
        rounds.move_phase(round_.id, staff, "proposals_open", "draft")
    rounds.move_phase(round_.id, staff, "proposals_closed", None)
    factories.make_proposal(round_, status=ProposalStatus.SHORTLISTED)
    with pytest.raises(PhaseError, match="at least 2 shortlisted"):
        rounds.move_phase(round_.id, staff, "voting_open", "proposals_closed")
    factories.make_proposal(round_, status=ProposalStatus.SHORTLISTED)
    rounds.move_phase(round_.id, staff, "voting_open", "proposals_closed")
    rounds.move_phase(round_.id, staff, "voting_closed", "voting_open")
    with pytest.raises(PhaseError, match="Count the votes before publishing the results."):
        rounds.move_phase(round_.id, staff, "results_published", "voting_closed")
    db.session.expire_all()
    moved = db.session.get(Round, round_.id)
    assert moved.phase == Phase.VOTING_CLOSED
    assert moved.proposals_opened_at <= moved.proposals_closed_at <= moved.voting_opened_at <= moved.voting_closed_at
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.phase_moved").order_by(AuditEvent.id))
    assert [(e.details["from"], e.details["to"]) for e in events] == [
        ("draft", "proposals_open"), ("proposals_open", "proposals_closed"),
        ("proposals_closed", "voting_open"), ("voting_open", "voting_closed"),
    ]


def test_lock_round_reads_fresh_and_refuses_unknown_rounds(app_ctx):
    round_ = factories.make_round()
    with db.engine.begin() as conn:  # another connection changes the row behind the session's back
        conn.execute(Round.__table__.update().where(Round.__table__.c.id == round_.id).values(title="Changed elsewhere"))
    with transaction():
        assert lock_round(round_.id, for_update=False).title == "Changed elsewhere"
    with pytest.raises(NotFound):
        with transaction():
            lock_round(999_999, for_update=True)


def _voting_round_with_voter(app):
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN)
        staff = factories.make_staff()
        voter = factories.make_resident()
        return round_.id, staff.id, voter.id


def _first_then_second(app, first, started: threading.Event, second) -> None:
    """Run `first` in a thread; once it has set `started`, run `second` in another. Each runs in an app
    context of its own; wait for both and check that neither raised."""
    errors: list[Exception] = []

    def thread(work) -> threading.Thread:
        def run():
            try:
                with app.app_context():
                    work()
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
                started.set()

        return threading.Thread(target=run)

    one, two = thread(first), thread(second)
    one.start()
    assert started.wait(10)
    two.start()
    one.join(20)
    two.join(20)
    assert not errors, errors


def test_closing_voting_waits_for_a_ballot_in_flight(app):
    """A ballot transaction holding the round (FOR SHARE) finishes before the close (FOR UPDATE)."""
    round_id, staff_id, voter_id = _voting_round_with_voter(app)
    locked, times = threading.Event(), {}

    def cast_ballot():
        with transaction():
            round_ = lock_round(round_id, for_update=False)
            assert round_.phase == Phase.VOTING_OPEN
            locked.set()
            time.sleep(0.6)  # the close arrives while this ballot is being written
            db.session.add(VoterRoll(round_id=round_id, user_id=voter_id, channel="online"))
            # Taken while the ballot still holds the round: the close cannot finish before it.
            times["ballot_committing"] = time.monotonic()

    def close_voting():
        rounds.move_phase(round_id, db.session.get(User, staff_id), "voting_closed", "voting_open")
        times["closed"] = time.monotonic()

    _first_then_second(app, cast_ballot, locked, close_voting)
    assert times["closed"] >= times["ballot_committing"]
    with app.app_context():
        assert db.session.get(Round, round_id).phase == Phase.VOTING_CLOSED
        assert _count(VoterRoll) == 1


def test_a_ballot_arriving_during_the_close_sees_voting_closed(app):
    """The ballot's FOR SHARE waits for the close's FOR UPDATE and then reads the new phase."""
    round_id, staff_id, _ = _voting_round_with_voter(app)
    closing, seen = threading.Event(), []

    def close_voting():
        with transaction():
            round_ = lock_round(round_id, for_update=True)
            closing.set()
            time.sleep(0.6)
            round_.phase = Phase.VOTING_CLOSED.value

    def cast_ballot():
        with transaction():
            seen.append(lock_round(round_id, for_update=False).phase)

    _first_then_second(app, close_voting, closing, cast_ballot)
    assert seen == [Phase.VOTING_CLOSED]


def _run_together(app, work, n: int = 2) -> list:
    """Run `work()` in n threads started together; return each result or exception."""
    return run_together_in_app(app, work, n, timeout=30)


def test_the_same_new_round_form_sent_twice_at_once_creates_one_round(app):
    with app.app_context():
        staff_id = factories.make_staff().id

    def create():
        return rounds.create_round(db.session.get(User, staff_id), dict(VALID), form_token="double-click").id

    results = _run_together(app, create)
    created = [r for r in results if isinstance(r, int)]
    again = [r for r in results if isinstance(r, rounds.AlreadyCreated)]
    assert len(created) == 1 and len(again) == 1, results
    assert again[0].round_id == created[0]
    with app.app_context():
        assert _count(Round) == 1


def test_the_same_phase_move_sent_twice_at_once_moves_once(app):
    with app.app_context():
        round_id = factories.make_round().id
        staff_id = factories.make_staff().id

    def move():
        return rounds.move_phase(round_id, db.session.get(User, staff_id), "proposals_open", "draft").phase

    results = _run_together(app, move)
    assert sorted(type(r).__name__ for r in results) == ["PhaseError", "str"], results
    with app.app_context():
        assert db.session.get(Round, round_id).phase == Phase.PROPOSALS_OPEN
        assert _count(AuditEvent) == 1


def test_two_edits_from_the_same_version_at_once_save_one(app):
    with app.app_context():
        round_id = factories.make_round().id
        staff_id = factories.make_staff().id
    titles = iter(["Tab one", "Tab two"])
    lock = threading.Lock()

    def edit():
        with lock:
            title = next(titles)
        return rounds.update_round(round_id, db.session.get(User, staff_id), 1, {"title": title}).title

    results = _run_together(app, edit)
    saved = [r for r in results if isinstance(r, str)]
    assert len(saved) == 1 and sum(isinstance(r, StaleEdit) for r in results) == 1, results
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_.title == saved[0] and round_.version == 2
