"""Funding rounds: creating and editing them, moving them through their phases, and the
figures the staff console shows about them.

Rules enforced here (not in the views), so a request posted by hand is refused as well:
- every value is checked (budget above £0, ranks, age, postcodes, points, cost limits, dates);
- from voting open on, the budget, ballot rules, eligibility rules and counting rule are locked;
- an edit based on an old version of the round is refused (a form sent twice changes nothing);
- the same "new round" form cannot create two rounds;
- phases move forward one step at a time, and a move sent twice happens once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select

from pb.domain.money import format_pence
from pb.domain.phases import Phase
from pb.domain.postcodes import parse_postcode_rules
from pb.extensions import db
from pb.models import AuditEvent, EligibilityStatus, PaperEntry, Proposal, ProposalStatus, Role, Round, User, VoterRoll
from pb.services import audit
from pb.services.counting import latest_count
from pb.services.errors import LockedField, NotFound, PhaseError, StaleEdit, ValidationFailed
from pb.services.paging import Page, paginate
from pb.services.transaction import transaction

COUNTING_RULES = {"greedy": "Greedy (highest scores first)", "equal-shares": "Method of Equal Shares"}
COMPLETIONS = {
    "add1u": "Add £1 at a time, then fill what is left by score (recommended)",
    "add1": "Add £1 at a time, no fill",
    "none": "No completion",
}
MAX_RANKS_LIMIT = 10
MAX_BUDGET_PENCE = 100_000_000_00  # £100 million: anything larger is a typing mistake
DUPLICATE_CREATE_WINDOW = timedelta(hours=12)

# Every field staff can set, in the order the form shows them.
ROUND_FIELDS = (
    "title",
    "description",
    "area_name",
    "budget_pence",
    "min_age",
    "age_reference_date",
    "accepted_postcodes",
    "review_postcodes",
    "min_ranks",
    "max_ranks",
    "points_scheme",
    "counting_rule",
    "completion",
    "score_threshold",
    "categories",
    "min_project_cost_pence",
    "max_project_cost_pence",
    "paper_double_entry",
    "proposals_open_on",
    "proposals_close_on",
    "voting_open_on",
    "voting_close_on",
    "results_on",
)

# Locked from voting open on: what residents were told and what the count uses.
LOCKED_FROM_VOTING = (
    "budget_pence",
    "min_age",
    "age_reference_date",
    "accepted_postcodes",
    "review_postcodes",
    "min_ranks",
    "max_ranks",
    "points_scheme",
    "counting_rule",
    "completion",
    "score_threshold",
)

FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "area_name": "Area",
    "budget_pence": "Budget",
    "min_age": "Minimum age",
    "age_reference_date": "Age reference date",
    "accepted_postcodes": "Accepted postcodes",
    "review_postcodes": "Postcodes checked by staff",
    "min_ranks": "Fewest choices",
    "max_ranks": "Most choices",
    "points_scheme": "Points per rank",
    "counting_rule": "Counting rule",
    "completion": "Equal Shares completion",
    "score_threshold": "Score threshold",
    "categories": "Categories",
    "min_project_cost_pence": "Smallest project cost",
    "max_project_cost_pence": "Largest project cost",
    "paper_double_entry": "Paper ballots keyed twice",
    "proposals_open_on": "Ideas open (planned)",
    "proposals_close_on": "Ideas close (planned)",
    "voting_open_on": "Voting opens (planned)",
    "voting_close_on": "Voting closes (planned)",
    "results_on": "Results (planned)",
}

PLANNED_DATES = ("proposals_open_on", "proposals_close_on", "voting_open_on", "voting_close_on", "results_on")

PHASE_TIMESTAMPS = {
    Phase.PROPOSALS_OPEN: "proposals_opened_at",
    Phase.PROPOSALS_CLOSED: "proposals_closed_at",
    Phase.VOTING_OPEN: "voting_opened_at",
    Phase.VOTING_CLOSED: "voting_closed_at",
    Phase.RESULTS_PUBLISHED: "results_published_at",
}

STALE_MESSAGE = "This round was changed by someone else or the form was sent twice. Here is the latest version."


class AlreadyCreated(StaleEdit):
    """The "new round" form was sent a second time; the round it created is `round_id`."""

    def __init__(self, message: str, round_id: int):
        super().__init__(message)
        self.round_id = round_id


def _now() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- locking


def lock_round(round_id: int, for_update: bool = True) -> Round:
    """Read a round inside the current transaction, locking its row on PostgreSQL.

    `for_update=True` (phase moves, edits) takes FOR UPDATE; `for_update=False` takes
    FOR SHARE, which the ballot service uses so that closing voting waits for ballots
    being cast and a ballot cast after the close sees the new phase. On SQLite the
    transaction began IMMEDIATE and already holds the only write lock, so this is a
    plain read. Call it inside `transaction()`.
    """
    stmt = select(Round).where(Round.id == round_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(read=not for_update)
    round_ = db.session.scalar(stmt)
    if round_ is None:
        raise NotFound("There is no funding round with that number.")
    return round_


# ---------------------------------------------------------------- validation


def is_locked(round_: Round) -> bool:
    return round_.phase_enum.is_at_least(Phase.VOTING_OPEN)


def locked_fields(round_: Round | None) -> tuple[str, ...]:
    return LOCKED_FROM_VOTING if round_ is not None and is_locked(round_) else ()


def _postcode_text(value: str | None, field_name: str, errors: dict[str, str], required: bool) -> str:
    entries, bad = parse_postcode_rules(value)
    if bad:
        shown = ", ".join(f"“{b}”" for b in bad[:5]) + (" and more" if len(bad) > 5 else "")
        word = "is not a postcode or an outward code" if len(bad) == 1 else "are not postcodes or outward codes"
        errors[field_name] = f"{shown} {word}. Enter one per line, like E8 or E8 1AB"
    elif required and not entries:
        errors[field_name] = "Enter at least one postcode or outward code, one per line, like E8 or E8 1AB"
    seen: list[str] = []
    for e in entries:
        if e not in seen:
            seen.append(e)
    return "\n".join(seen)


def _points_text(value: str | None, max_ranks: int | None, errors: dict[str, str]) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() for p in parts):
        errors["points_scheme"] = "Enter whole numbers separated by commas, for example 3,2,1, or leave it empty"
        return text
    points = [int(p) for p in parts]
    if any(p <= 0 for p in points):
        errors["points_scheme"] = "Every rank must get at least 1 point, for example 3,2,1"
    elif any(a < b for a, b in zip(points, points[1:])):
        errors["points_scheme"] = "A higher choice cannot get fewer points than a lower one, for example 3,2,1"
    elif max_ranks is not None and len(points) != max_ranks:
        errors["points_scheme"] = (
            f"Give points for each of the {max_ranks} choices (you gave {len(points)}), "
            "or leave it empty for the usual points"
        )
    return ",".join(str(p) for p in points)


def _categories_text(value: str | None, errors: dict[str, str]) -> str:
    lines: list[str] = []
    for raw in (value or "").splitlines():
        line = " ".join(raw.split())
        if line and line not in lines:
            lines.append(line)
    if not lines:
        errors["categories"] = "Enter at least one category, one per line"
    elif any(len(line) > 80 for line in lines):
        errors["categories"] = "Keep each category to 80 characters or fewer"
    return "\n".join(lines)


def clean_values(values: dict[str, Any], current: Round | None = None) -> dict[str, Any]:
    """Check and normalise a round's values.

    `values` holds typed values (pence as int, dates as date) for some or all of
    ROUND_FIELDS; missing fields keep the current round's values. Raises
    ValidationFailed with a message per field.
    """
    unknown = set(values) - set(ROUND_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    merged: dict[str, Any] = {}
    for name in ROUND_FIELDS:
        if name in values:
            merged[name] = values[name]
        elif current is not None:
            merged[name] = getattr(current, name)
        else:
            merged[name] = None
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    title = " ".join((merged["title"] or "").split())
    if not title:
        errors["title"] = "Enter a title for the round, for example Connect Hackney 2026"
    elif len(title) > 120:
        errors["title"] = "Keep the title to 120 characters or fewer"
    out["title"] = title
    description = (merged["description"] or "").replace("\r\n", "\n").strip()
    if len(description) > 20000:
        errors["description"] = "Keep the description to 20,000 characters or fewer"
    out["description"] = description
    area = " ".join((merged["area_name"] or "").split())
    if len(area) > 120:
        errors["area_name"] = "Keep the area name to 120 characters or fewer"
    out["area_name"] = area

    budget = merged["budget_pence"]
    if not isinstance(budget, int) or isinstance(budget, bool):
        errors["budget_pence"] = "Enter the budget in pounds, for example £50,000"
    elif budget <= 0:
        errors["budget_pence"] = "The budget must be more than £0. Enter it in pounds, for example £50,000"
    elif budget > MAX_BUDGET_PENCE:
        errors["budget_pence"] = f"The budget must be {format_pence(MAX_BUDGET_PENCE)} or less"
    out["budget_pence"] = budget

    min_age = merged["min_age"]
    if not isinstance(min_age, int) or isinstance(min_age, bool) or not 0 <= min_age <= 120:
        errors["min_age"] = "Enter a minimum age between 0 and 120, for example 50"
    out["min_age"] = min_age
    if not isinstance(merged["age_reference_date"], date):
        errors["age_reference_date"] = "Enter the date on which age is worked out, for example 1 6 2026"
    out["age_reference_date"] = merged["age_reference_date"]
    out["accepted_postcodes"] = _postcode_text(merged["accepted_postcodes"], "accepted_postcodes", errors, required=True)
    out["review_postcodes"] = _postcode_text(merged["review_postcodes"], "review_postcodes", errors, required=False)

    min_ranks, max_ranks = merged["min_ranks"], merged["max_ranks"]
    ranks_ok = True
    if not isinstance(min_ranks, int) or isinstance(min_ranks, bool) or not 1 <= min_ranks <= MAX_RANKS_LIMIT:
        errors["min_ranks"] = f"Enter the fewest choices a voter must make, a number from 1 to {MAX_RANKS_LIMIT}"
        ranks_ok = False
    if not isinstance(max_ranks, int) or isinstance(max_ranks, bool) or not 1 <= max_ranks <= MAX_RANKS_LIMIT:
        errors["max_ranks"] = f"Enter the most choices a voter can make, a number from 1 to {MAX_RANKS_LIMIT}"
        ranks_ok = False
    elif ranks_ok and max_ranks < min_ranks:
        errors["max_ranks"] = (
            f"The most choices ({max_ranks}) cannot be fewer than the fewest choices ({min_ranks})"
        )
    out["min_ranks"], out["max_ranks"] = min_ranks, max_ranks
    out["points_scheme"] = _points_text(
        merged["points_scheme"], max_ranks if isinstance(max_ranks, int) else None, errors
    )

    rule = merged["counting_rule"] or "greedy"
    if rule not in COUNTING_RULES:
        errors["counting_rule"] = "Choose greedy or Method of Equal Shares"
    out["counting_rule"] = rule
    completion = merged["completion"] or "add1u"
    if completion not in COMPLETIONS:
        errors["completion"] = "Choose add1u, add1 or none"
    out["completion"] = completion
    threshold = merged["score_threshold"]
    if threshold is not None and (not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1):
        errors["score_threshold"] = "Enter a whole number of points of 1 or more, or leave it empty"
    out["score_threshold"] = threshold

    out["categories"] = _categories_text(merged["categories"], errors)
    low, high = merged["min_project_cost_pence"], merged["max_project_cost_pence"]
    for name, value in (("min_project_cost_pence", low), ("max_project_cost_pence", high)):
        if value is not None and (not isinstance(value, int) or value <= 0):
            errors[name] = "Enter an amount of more than £0, for example £500, or leave it empty"
    if "min_project_cost_pence" not in errors and "max_project_cost_pence" not in errors:
        if low is not None and high is not None and low > high:
            errors["max_project_cost_pence"] = "The largest project cost cannot be less than the smallest"
        elif high is not None and isinstance(budget, int) and budget > 0 and high > budget:
            errors["max_project_cost_pence"] = (
                f"The largest project cost cannot be more than the budget ({format_pence(budget)})"
            )
    out["min_project_cost_pence"], out["max_project_cost_pence"] = low, high
    out["paper_double_entry"] = bool(merged["paper_double_entry"])

    previous: tuple[str, date] | None = None
    for name in PLANNED_DATES:
        value = merged[name]
        if value is not None and not isinstance(value, date):
            errors[name] = "Enter a real date, for example 1 6 2026, or leave it empty"
            continue
        if value is not None:
            if previous is not None and value < previous[1]:
                errors[name] = f"This date cannot be before “{FIELD_LABELS[previous[0]]}” ({previous[1]:%d/%m/%Y})"
            previous = (name, value)
        out[name] = value

    if errors:
        first = next(iter(errors.values()))
        raise ValidationFailed(first, errors=errors)
    return out


def problems(values: dict[str, Any], current: Round | None = None) -> dict[str, str]:
    """What clean_values would refuse, as field -> message, without raising.

    Lets a form that already found unreadable inputs show every other problem at once.
    """
    try:
        clean_values(values, current)
    except ValidationFailed as exc:
        return exc.errors
    return {}


# ---------------------------------------------------------------- create and edit


def create_round(actor: User, values: dict[str, Any], form_token: str) -> Round:
    """Create a draft round. The form's one-time token makes a second submit harmless.

    The token is recorded with the "round.created" audit row; the staff member's own row
    is locked first, so two copies of the same form sent at once are handled one after
    the other and the second finds the first's token.
    """
    if not form_token or len(form_token) > 64:
        raise ValidationFailed(
            "This form has expired. Please open the new round form again.", field="form_token"
        )
    cleaned = clean_values(values)
    with transaction():
        _lock_user(actor.id)
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
                    "This form was sent twice. The round was created once: here it is.", round_id=event.round_id
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


def _lock_user(user_id: int) -> None:
    stmt = select(User.id).where(User.id == user_id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    db.session.execute(stmt)


def update_round(round_id: int, actor: User, version: int | None, values: dict[str, Any]) -> Round:
    """Change a round's details.

    `version` is the version the form was filled in from; anything else means the form
    was sent twice or someone else changed the round, and nothing is changed. Locked
    fields (from voting open on) may be sent only with their current value.
    """
    with transaction():
        round_ = lock_round(round_id, for_update=True)
        if version is None or version != round_.version:
            raise StaleEdit(STALE_MESSAGE)
        locked = locked_fields(round_)
        refused = {
            name: f"{FIELD_LABELS[name]} cannot be changed after voting has opened"
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
        raise PhaseError("There is no such phase.") from None
    with transaction():
        round_ = lock_round(round_id, for_update=True)
        current = round_.phase_enum
        if expected_phase is not None and expected_phase != current:
            if current.is_at_least(target_phase):
                raise PhaseError(f"This round has already moved to “{current.label}”. Nothing was changed.")
            raise PhaseError(
                f"This round is now in “{current.label}”, not what the page showed. Nothing was changed; "
                "check the round and try again."
            )
        if current.next != target_phase:
            if current == target_phase:
                raise PhaseError(f"This round is already in “{current.label}”.")
            if current.next is None:
                raise PhaseError("The results are published. This round cannot move any further.")
            raise PhaseError(
                f"A round only moves forward one phase at a time. From “{current.label}” "
                f"the next phase is “{current.next.label}”."
            )
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
        audit.record(actor, "round.phase_moved", round=round_, **details)
        if published_count_id is not None:
            audit.record(actor, "results.published", round=round_, count_result_id=published_count_id)
    return round_


def phase_move_problem(round_: Round, target: Phase) -> str | None:
    """Why the move to `target` cannot be done yet, in plain words; None when it can."""
    if target == Phase.VOTING_OPEN:
        shortlisted = shortlisted_count(round_.id)
        if shortlisted < 2:
            return (
                f"Voting needs at least 2 shortlisted projects; this round has {shortlisted}. "
                "Review and shortlist project ideas first."
            )
        if shortlisted < round_.min_ranks:
            return (
                f"Voters must choose at least {round_.min_ranks} projects, so at least {round_.min_ranks} "
                f"must be shortlisted; this round has {shortlisted}. Shortlist more ideas or change "
                "the fewest choices."
            )
    if target == Phase.RESULTS_PUBLISHED and latest_count(round_) is None:
        return "Count the votes before publishing the results."
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
            notes.append(
                f"{waiting} project {'idea has' if waiting == 1 else 'ideas have'} not been shortlisted or "
                "refused yet. Only shortlisted projects will be on the ballot."
            )
    if target == Phase.VOTING_CLOSED:
        half_keyed = db.session.scalar(
            select(func.count()).select_from(PaperEntry).where(PaperEntry.round_id == round_.id)
        ) or 0
        if half_keyed:
            notes.append(
                f"{half_keyed} paper {'ballot has' if half_keyed == 1 else 'ballots have'} been typed in once "
                f"and {'is' if half_keyed == 1 else 'are'} waiting for a second member of staff. "
                f"If you close voting now, {'it' if half_keyed == 1 else 'they'} will not be counted."
            )
    return notes


def shortlisted_count(round_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Proposal).where(
            Proposal.round_id == round_id, Proposal.status == ProposalStatus.SHORTLISTED
        )
    ) or 0


# ---------------------------------------------------------------- reading, for the console


@dataclass
class NextAction:
    text: str
    endpoint: str | None
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class RoundFigures:
    round: Round
    eligible_residents: int
    proposals_by_status: dict[str, int]
    ballots_by_channel: dict[str, int]
    next_action: NextAction

    @property
    def proposals_total(self) -> int:
        return sum(self.proposals_by_status.values())

    @property
    def ballots_total(self) -> int:
        return sum(self.ballots_by_channel.values())

    @property
    def proposals_text(self) -> str:
        """"5 in all: 2 waiting for review, 3 shortlisted" or "None yet"."""
        if not self.proposals_total:
            return "None yet"
        parts = [
            f"{self.proposals_by_status[status]} {label}"
            for status, label in PROPOSAL_STATUS_WORDS
            if self.proposals_by_status.get(status)
        ]
        return f"{self.proposals_total} in all: " + ", ".join(parts)

    @property
    def ballots_text(self) -> str:
        """"12 (10 online, 2 on paper)" or "None yet": counts only, never how anyone voted."""
        if not self.ballots_total:
            return "None yet"
        return (
            f"{self.ballots_total} ({self.ballots_by_channel.get('online', 0)} online, "
            f"{self.ballots_by_channel.get('paper', 0)} on paper)"
        )


PROPOSAL_STATUS_WORDS = (
    (ProposalStatus.SUBMITTED, "waiting for review"),
    (ProposalStatus.CHANGES_REQUESTED, "changes requested"),
    (ProposalStatus.SHORTLISTED, "shortlisted"),
    (ProposalStatus.REFUSED, "not shortlisted"),
    (ProposalStatus.WITHDRAWN, "withdrawn"),
)


def all_rounds() -> list[Round]:
    return list(db.session.scalars(select(Round).order_by(Round.id.desc())))


def get_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise NotFound("There is no funding round with that number.")
    return round_


def eligible_resident_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(
            User.role == Role.RESIDENT,
            User.eligibility_status == EligibilityStatus.ELIGIBLE,
            User.is_active_account.is_(True),
        )
    ) or 0


def _proposal_counts(round_id: int | None = None) -> dict[int, dict[str, int]]:
    """Ideas per round and status (for one round, or all)."""
    query = select(Proposal.round_id, Proposal.status, func.count()).group_by(Proposal.round_id, Proposal.status)
    if round_id is not None:
        query = query.where(Proposal.round_id == round_id)
    rows = db.session.execute(query)
    out: dict[int, dict[str, int]] = {}
    for round_id, status, n in rows:
        out.setdefault(round_id, {})[status] = n
    return out


def _ballot_counts(round_id: int | None = None) -> dict[int, dict[str, int]]:
    """Ballots cast per round and channel (for one round, or all), from the voter roll: counts only,
    never how anyone voted."""
    query = select(VoterRoll.round_id, VoterRoll.channel, func.count()).group_by(VoterRoll.round_id, VoterRoll.channel)
    if round_id is not None:
        query = query.where(VoterRoll.round_id == round_id)
    rows = db.session.execute(query)
    out: dict[int, dict[str, int]] = {}
    for round_id, channel, n in rows:
        out.setdefault(round_id, {})[channel] = n
    return out


def next_action(round_: Round, proposals: dict[str, int]) -> NextAction:
    phase = round_.phase_enum
    rid = {"round_id": round_.id}
    if phase == Phase.DRAFT:
        return NextAction("Check the details, then open it for project ideas", "staff.phase_move",
                          {**rid, "target": Phase.PROPOSALS_OPEN.value})
    if phase == Phase.PROPOSALS_OPEN:
        return NextAction("Close it for ideas when the closing date comes", "staff.phase_move",
                          {**rid, "target": Phase.PROPOSALS_CLOSED.value})
    if phase == Phase.PROPOSALS_CLOSED:
        waiting = proposals.get(ProposalStatus.SUBMITTED, 0)
        if waiting or proposals.get(ProposalStatus.SHORTLISTED, 0) < 2:
            text = f"Review project ideas ({waiting} waiting)" if waiting else "Review and shortlist project ideas"
            return NextAction(text, "proposals_staff.review_queue", rid)
        return NextAction("Open voting", "staff.phase_move", {**rid, "target": Phase.VOTING_OPEN.value})
    if phase == Phase.VOTING_OPEN:
        return NextAction("Enter paper ballots, then close voting when the closing date comes",
                          "voting_staff.paper", rid)
    if phase == Phase.VOTING_CLOSED:
        if latest_count(round_) is None:
            return NextAction("Count the votes", "results_staff.count", rid)
        return NextAction("Check the count, then publish the results", "staff.phase_move",
                          {**rid, "target": Phase.RESULTS_PUBLISHED.value})
    return NextAction("See the published results", "results.results", rid)


def dashboard_figures() -> list[RoundFigures]:
    """Every round with the figures the staff console shows, newest first."""
    rounds = all_rounds()
    eligible = eligible_resident_count()
    proposals = _proposal_counts()
    ballots = _ballot_counts()
    return [
        RoundFigures(
            round=r,
            eligible_residents=eligible,
            proposals_by_status=proposals.get(r.id, {}),
            ballots_by_channel=ballots.get(r.id, {}),
            next_action=next_action(r, proposals.get(r.id, {})),
        )
        for r in rounds
    ]


def round_figures(round_id: int) -> RoundFigures:
    round_ = get_round(round_id)
    proposals = _proposal_counts(round_.id).get(round_.id, {})
    return RoundFigures(
        round=round_,
        eligible_residents=eligible_resident_count(),
        proposals_by_status=proposals,
        ballots_by_channel=_ballot_counts(round_.id).get(round_.id, {}),
        next_action=next_action(round_, proposals),
    )


# ---------------------------------------------------------------- the audit log


AUDIT_PAGE_SIZE = 50


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def audit_page(round_id: int | None = None, action: str | None = None, page: int = 1,
               per_page: int = AUDIT_PAGE_SIZE) -> Page[AuditEvent]:
    """Audit rows, newest first, filtered by round and action."""
    conditions = []
    if round_id is not None:
        conditions.append(AuditEvent.round_id == round_id)
    if action:
        conditions.append(AuditEvent.action == action)
    statement = select(AuditEvent).where(*conditions).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    return paginate(statement, page, per_page)
