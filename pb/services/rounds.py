"""Funding rounds: creating and editing them, and moving them through their phases.

Rules enforced here (not in the views), so a request posted by hand is refused as well:
- every value is checked (pb.domain.round_settings: budget above £0, ranks, age, postcodes, points, dates);
- from voting open on, the budget, ballot rules, eligibility rules and counting rule are locked;
- an edit based on an old version of the round is refused (a form sent twice changes nothing);
- the same "new round" form cannot create two rounds;
- phases move forward one step at a time, and a move sent twice happens once.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select

from pb.domain.errors import LockedField, PhaseError, StaleEdit, ValidationFailed
from pb.domain.money import format_pence
from pb.domain.phases import Phase
from pb.domain.round_settings import clean_values, field_label, locked_fields
from pb.domain.words import N_, _, n_
from pb.extensions import db
from pb.models import AuditEvent, PaperEntry, Proposal, ProposalStatus, Round, User
from pb.services import audit
from pb.services.counts import latest_count
from pb.services.elections import round_ballots
from pb.services.open_data import ballots_csv, sha256_hex
from pb.services.transaction import lock_round, lock_user, transaction

DUPLICATE_CREATE_WINDOW = timedelta(hours=12)
PHASE_TIMESTAMPS = {
    Phase.PROPOSALS_OPEN: "proposals_opened_at",
    Phase.PROPOSALS_CLOSED: "proposals_closed_at",
    Phase.VOTING_OPEN: "voting_opened_at",
    Phase.VOTING_CLOSED: "voting_closed_at",
    Phase.RESULTS_PUBLISHED: "results_published_at",
}
STALE_MESSAGE = N_("This round was changed by someone else or the form was sent twice. Here is the latest version.")


class AlreadyCreated(StaleEdit):
    """The "new round" form was sent a second time; the round it created is `round_id`."""

    def __init__(self, message: str, round_id: int):
        super().__init__(message)
        self.round_id = round_id


def _now() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- create and edit


def create_round(actor: User, values: dict[str, Any], form_token: str) -> Round:
    """Create a draft round. The form's one-time token makes a second submit harmless.

    The token is recorded with the "round.created" audit row; the staff member's own row
    is locked first, so two copies of the same form sent at once are handled one after
    the other and the second finds the first's token.
    """
    if not form_token or len(form_token) > 64:
        raise ValidationFailed(
            _("This form has expired. Please open the new round form again."), field="form_token"
        )
    cleaned = clean_values(values)
    with transaction():
        lock_user(actor.id)
        since = _now() - DUPLICATE_CREATE_WINDOW
        earlier = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "round.created",
                AuditEvent.actor_id == actor.id,
                AuditEvent.created_at >= since,
            )
        )
        for event in earlier:
            if (event.details or {}).get("form_token") == form_token:
                raise AlreadyCreated(
                    _("This form was sent twice. The round was created once: here it is."), round_id=event.round_id
                )
        round_ = Round(phase=Phase.DRAFT, created_by_id=actor.id, version=1, **cleaned)
        db.session.add(round_)
        db.session.flush()
        audit.record(
            actor,
            "round.created",
            round=round_,
            form_token=form_token,
            values={k: _shown(k, v) for k, v in cleaned.items()},
        )
    return round_


def update_round(round_id: int, actor: User, version: int | None, values: dict[str, Any]) -> Round:
    """Change a round's details.

    `version` is the version the form was filled in from; anything else means the form
    was sent twice or someone else changed the round, and nothing is changed. Locked
    fields (from voting open on) may be sent only with their current value.
    """
    with transaction():
        round_ = lock_round(round_id, for_update=True)
        if version is None or version != round_.version:
            raise StaleEdit(_(STALE_MESSAGE))
        locked = locked_fields(round_)
        refused = {
            name: _("%(field)s cannot be changed after voting has opened", field=field_label(name))
            for name in locked
            if name in values and _would_change(round_, name, values[name])
        }
        if refused:
            raise LockedField(next(iter(refused.values())), errors=refused)
        cleaned = clean_values({k: v for k, v in values.items() if k not in locked}, current=round_)
        for name in locked:
            cleaned[name] = getattr(round_, name)
        changes = {
            name: {"before": _shown(name, getattr(round_, name)), "after": _shown(name, value)}
            for name, value in cleaned.items()
            if value != getattr(round_, name)
        }
        if not changes:
            return round_
        for name in changes:
            setattr(round_, name, cleaned[name])
        round_.version = round_.version + 1
        audit.record(actor, "round.edited", round=round_, changes=changes)
    return round_


def _would_change(round_: Round, name: str, value: Any) -> bool:
    """True if `value`, read as the form would store it, differs from the round's."""
    try:
        return clean_values({name: value}, current=round_)[name] != getattr(round_, name)
    except ValidationFailed:
        return True


def _shown(name: str, value: Any) -> Any:
    """A value as the audit log shows it."""
    if value is None:
        return None
    if name.endswith("_pence"):
        return format_pence(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------- phases


def allowed_next_phase(round_: Round) -> Phase | None:
    return round_.phase_enum.next


def move_phase(round_id: int, actor: User, target: str, expected_phase: str | None) -> Round:
    """Move a round to its next phase.

    `expected_phase` is the phase the confirmation page was showing: if the round has
    moved since (a double click, a second tab), nothing happens and the second request
    is told so. The round's row is locked first (FOR UPDATE on PostgreSQL), so closing
    voting waits for ballots in flight, which hold FOR SHARE on the same row.
    """
    try:
        target_phase = Phase(target)
    except ValueError:
        raise PhaseError(_("There is no such phase.")) from None
    with transaction():
        round_ = lock_round(round_id, for_update=True)
        current = round_.phase_enum
        if expected_phase is not None and expected_phase != current:
            if current.is_at_least(target_phase):
                raise PhaseError(_("This round has already moved to “%(phase)s”. Nothing was changed.",
                                   phase=current.label))
            raise PhaseError(_(
                "This round is now in “%(phase)s”, not what the page showed. Nothing was changed; "
                "check the round and try again.", phase=current.label
            ))
        if current.next != target_phase:
            if current == target_phase:
                raise PhaseError(_("This round is already in “%(phase)s”.", phase=current.label))
            if current.next is None:
                raise PhaseError(_("The results are published. This round cannot move any further."))
            raise PhaseError(_(
                "A round only moves forward one phase at a time. From “%(phase)s” "
                "the next phase is “%(next)s”.", phase=current.label, next=current.next.label
            ))
        problem = phase_move_problem(round_, target_phase)
        if problem:
            raise PhaseError(problem)
        now = _now()
        published_count_id = None
        if target_phase == Phase.RESULTS_PUBLISHED:
            count = latest_count(round_)
            count.is_published = True
            published_count_id = count.id
        round_.phase = target_phase.value
        setattr(round_, PHASE_TIMESTAMPS[target_phase], now)
        details: dict[str, Any] = {"from": current.value, "to": target_phase.value}
        if published_count_id is not None:
            details["count_result_id"] = published_count_id
        if target_phase == Phase.VOTING_CLOSED:
            # Taken under the round's lock, so no ballot can join after it; published at once.
            ballots = round_ballots(round_)
            round_.closing_ballots_sha256 = sha256_hex(ballots_csv(round_, ballots))
            round_.closing_ballot_count = len(ballots)
            details["ballots_sha256"] = round_.closing_ballots_sha256
            details["ballot_count"] = len(ballots)
        audit.record(actor, "round.phase_moved", round=round_, **details)
        if published_count_id is not None:
            audit.record(actor, "results.published", round=round_, count_result_id=published_count_id)
    return round_


def phase_move_problem(round_: Round, target: Phase) -> str | None:
    """Why the move to `target` cannot be done yet, in plain words; None when it can."""
    if target == Phase.VOTING_OPEN:
        shortlisted = shortlisted_count(round_.id)
        if shortlisted < 2:
            return _(
                "Voting needs at least 2 shortlisted projects; this round has %(shortlisted)s. "
                "Review and shortlist project ideas first.", shortlisted=shortlisted
            )
        if shortlisted < round_.min_ranks:
            return n_(
                "Voters must choose at least %(num)s project, so at least %(num)s "
                "must be shortlisted; this round has %(shortlisted)s. Shortlist more ideas or change "
                "the fewest choices.",
                "Voters must choose at least %(num)s projects, so at least %(num)s "
                "must be shortlisted; this round has %(shortlisted)s. Shortlist more ideas or change "
                "the fewest choices.",
                round_.min_ranks, shortlisted=shortlisted,
            )
    if target == Phase.RESULTS_PUBLISHED and latest_count(round_) is None:
        return _("Count the votes before publishing the results.")
    return None


def phase_move_notes(round_: Round, target: Phase) -> list[str]:
    """Things staff should know before confirming a move that is allowed."""
    notes: list[str] = []
    if target == Phase.VOTING_OPEN:
        waiting = db.session.scalar(
            select(func.count()).select_from(Proposal).where(
                Proposal.round_id == round_.id,
                Proposal.status.in_([ProposalStatus.SUBMITTED, ProposalStatus.CHANGES_REQUESTED]),
            )
        ) or 0
        if waiting:
            notes.append(n_(
                "%(num)s project idea has not been shortlisted or refused yet. "
                "Only shortlisted projects will be on the ballot.",
                "%(num)s project ideas have not been shortlisted or refused yet. "
                "Only shortlisted projects will be on the ballot.",
                waiting,
            ))
        shortlisted, total = db.session.execute(
            select(func.count(), func.coalesce(func.sum(Proposal.cost_pence), 0)).where(
                Proposal.round_id == round_.id, Proposal.status == ProposalStatus.SHORTLISTED)
        ).one()
        if shortlisted and total <= round_.budget_pence:
            notes.append(n_(
                "The shortlisted project costs %(total)s, within the budget of %(budget)s. "
                "There is money for every project on the ballot, so the vote may decide nothing. "
                "Shortlist more projects, or lower the budget, before you open voting.",
                "The %(num)s shortlisted projects cost %(total)s together, within the budget of %(budget)s. "
                "There is money for every project on the ballot, so the vote may decide nothing. "
                "Shortlist more projects, or lower the budget, before you open voting.",
                shortlisted, total=format_pence(total), budget=format_pence(round_.budget_pence),
            ))
    if target == Phase.VOTING_CLOSED:
        half_keyed = db.session.scalar(
            select(func.count()).select_from(PaperEntry).where(PaperEntry.round_id == round_.id)
        ) or 0
        if half_keyed:
            notes.append(n_(
                "%(num)s paper ballot has been typed in once and is waiting for a second member of staff. "
                "If you close voting now, it will not be counted.",
                "%(num)s paper ballots have been typed in once and are waiting for a second member of staff. "
                "If you close voting now, they will not be counted.",
                half_keyed,
            ))
    return notes


def shortlisted_count(round_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Proposal).where(
            Proposal.round_id == round_id, Proposal.status == ProposalStatus.SHORTLISTED
        )
    ) or 0
