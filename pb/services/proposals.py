"""Project ideas: residents send them in, staff review and shortlist them, everyone can read them.

Rules kept here (and so enforced even for a hand-made POST):
- residents send in, change and withdraw ideas only while the round is open for ideas
  (an idea the team sent back for changes can still be changed until voting opens);
- staff review (shortlist, send back, refuse, adjust the cost, merge, correct details)
  only before voting opens;
- once voting opens a shortlisted idea is frozen: its text and cost are what people voted on;
- only the resident who proposed an idea may change or withdraw it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

from sqlalchemy import String, cast, func, or_, select

from pb.domain.money import InvalidAmount, format_pence, parse_pounds, pence_to_pounds_text
from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import AuditEvent, Proposal, ProposalStatus, Role, Round, User
from pb.services import audit
from pb.services.eligibility import why_cannot_take_part
from pb.services.errors import NotAllowed, NotEligible, NotFound, PhaseError, ValidationFailed
from pb.services.transaction import transaction

TITLE_MAX = 80
SUMMARY_MAX = 200
DESCRIPTION_MAX = 5000
ORGANISATION_MAX = 120
CONTACT_MAX = 254
NOTE_MAX = 2000

# The form's fields, in the order they are asked and shown on the review page.
FIELDS = ("title", "summary", "description", "amount", "category", "organisation", "contact")

SORTS = {"title": "Title (A to Z)", "cost": "Cost (lowest first)", "cost-desc": "Cost (highest first)"}

FROZEN_MESSAGE = (
    "This project is on the ballot, so it cannot be changed any more. "
    "Its description and cost are what people are voting on."
)
CLOSED_MESSAGE = "The round is no longer taking ideas, so ideas cannot be sent in, changed or withdrawn."
REVIEW_OVER_MESSAGE = "Voting has opened, so ideas can no longer be reviewed or changed."

OPEN_STATUSES = (ProposalStatus.SUBMITTED, ProposalStatus.CHANGES_REQUESTED, ProposalStatus.SHORTLISTED)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS = re.compile(r"^[0-9 +()\-.]+$")


# Ids are 32-bit integers; a longer number in an address is simply not found (SQLite would
# otherwise raise OverflowError for numbers beyond 64 bits).
MAX_ID = 2**31 - 1


def is_valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


@dataclass(frozen=True)
class ProposalData:
    """A checked idea, ready to save: text cleaned up, amount in pence."""

    title: str
    summary: str
    description: str
    cost_pence: int
    category: str
    organisation: str
    contact: str

    def as_form(self) -> dict[str, str]:
        """The values to put back into the form (and the review page's hidden fields)."""
        values = asdict(self)
        values["amount"] = pence_to_pounds_text(values.pop("cost_pence"))
        return values


def form_values(proposal: Proposal) -> dict[str, str]:
    """A saved idea as form values, for changing it."""
    return {
        "title": proposal.title,
        "summary": proposal.summary,
        "description": proposal.description,
        "amount": pence_to_pounds_text(proposal.cost_pence),
        "category": proposal.category,
        "organisation": proposal.organisation or "",
        "contact": proposal.contact or "",
    }


# ---------------------------------------------------------------------------
# Checking what people typed


def _clean_line(value: str | None) -> str:
    """One line of text: control characters dropped, runs of white space made one space."""
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in str(value or ""))
    return " ".join(text.split())


def _clean_text(value: str | None) -> str:
    """Several paragraphs: line breaks kept (as \\n), other control characters dropped."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines).strip("\n ")
    # At most one blank line between paragraphs.
    return re.sub(r"\n{3,}", "\n\n", text)


def _cost_limits_message(round_: Round) -> str | None:
    low, high = round_.min_project_cost_pence, round_.max_project_cost_pence
    if low and high:
        return f"Enter an amount between {format_pence(low)} and {format_pence(high)}"
    if low:
        return f"Enter an amount of at least {format_pence(low)}"
    if high:
        return f"Enter an amount of no more than {format_pence(high)}"
    return None


def check_cost(round_: Round, amount: str | None, field: str = "amount") -> int:
    """The amount typed, in pence, within the round's limits; ValidationFailed otherwise."""
    try:
        pence = parse_pounds(amount)
    except InvalidAmount as exc:
        raise ValidationFailed(str(exc), field=field) from None
    if pence <= 0:
        raise ValidationFailed("Enter an amount of more than £0", field=field)
    low, high = round_.min_project_cost_pence, round_.max_project_cost_pence
    if (low and pence < low) or (high and pence > high):
        raise ValidationFailed(_cost_limits_message(round_) or "Enter a smaller amount", field=field)
    return pence


def check_contact(value: str) -> str | None:
    """A problem with a contact phone number or email address, or None."""
    if "@" in value:
        return None if _EMAIL.match(value) else "Enter an email address like name@example.org, or a phone number"
    digits = sum(c.isdigit() for c in value)
    if not _PHONE_CHARS.match(value) or not 7 <= digits <= 15:
        return "Enter a phone number like 020 7946 0000, or an email address like name@example.org"
    return None


def validate(round_: Round, form: dict[str, str | None]) -> ProposalData:
    """Check an idea as typed; ValidationFailed carries a message for every field that is wrong."""
    errors: dict[str, str] = {}
    title = _clean_line(form.get("title"))
    summary = _clean_line(form.get("summary"))
    description = _clean_text(form.get("description"))
    category = _clean_line(form.get("category"))
    organisation = _clean_line(form.get("organisation"))
    contact = _clean_line(form.get("contact"))

    if not title:
        errors["title"] = "Enter a title for your idea"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"The title must be {TITLE_MAX} characters or fewer (it has {len(title)})"
    if not summary:
        errors["summary"] = "Enter a one-line summary of your idea"
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = f"The summary must be {SUMMARY_MAX} characters or fewer (it has {len(summary)})"
    if not description:
        errors["description"] = "Describe your idea: what would happen, who it is for and what the money pays for"
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = f"The description must be 5,000 characters or fewer (it has {len(description):,})"
    cost = 0
    try:
        cost = check_cost(round_, form.get("amount"))
    except ValidationFailed as exc:
        errors["amount"] = exc.message
    if category not in round_.category_list:
        errors["category"] = "Choose the category that fits your idea best"
    if not organisation:
        errors["organisation"] = "Enter the name of the group or organisation that would run it (or your own name)"
    elif len(organisation) > ORGANISATION_MAX:
        errors["organisation"] = f"The name must be {ORGANISATION_MAX} characters or fewer"
    if not contact:
        errors["contact"] = "Enter a phone number or email address so the team can contact you about your idea"
    elif len(contact) > CONTACT_MAX:
        errors["contact"] = f"The contact details must be {CONTACT_MAX} characters or fewer"
    else:
        problem = check_contact(contact)
        if problem:
            errors["contact"] = problem
    if errors:
        first = next(field for field in FIELDS if field in errors)
        raise ValidationFailed(errors[first], errors=errors)
    return ProposalData(title, summary, description, cost, category, organisation, contact)


def _required_text(value: str | None, field: str, empty_message: str) -> str:
    text = _clean_text(value)
    if not text:
        raise ValidationFailed(empty_message, field=field)
    if len(text) > NOTE_MAX:
        raise ValidationFailed(f"Keep this to {NOTE_MAX:,} characters or fewer (it has {len(text):,})", field=field)
    return text


# ---------------------------------------------------------------------------
# Reading


def _locked_round(round_id: int) -> Round:
    """The round, read afresh inside the write transaction (and share-locked on PostgreSQL),
    so the phase checked is the phase at the moment of writing."""
    if not is_valid_id(round_id):
        raise NotFound("There is no funding round with that number.")
    round_ = db.session.execute(
        select(Round).where(Round.id == round_id).with_for_update(read=True).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if round_ is None or round_.phase == Phase.DRAFT:
        raise NotFound("There is no funding round with that number.")
    return round_


def _locked_proposal(proposal_id: int, round_id: int | None = None) -> Proposal:
    """The proposal and its round, read afresh and locked (round first, as phase moves do)."""
    if not is_valid_id(proposal_id) or (round_id is not None and not is_valid_id(round_id)):
        raise NotFound("There is no project idea with that number.")
    if round_id is None:
        found = db.session.get(Proposal, proposal_id)
        if found is None:
            raise NotFound("There is no project idea with that number.")
        round_id = found.round_id
    _locked_round(round_id)
    proposal = db.session.execute(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .with_for_update(of=Proposal)
        .execution_options(populate_existing=True)
    ).unique().scalar_one_or_none()
    if proposal is None or proposal.round_id != round_id:
        raise NotFound("There is no project idea with that number.")
    return proposal


def get_proposal(round_id: int, proposal_id: int) -> Proposal:
    """A proposal of a public round (no visibility check: see visible_to)."""
    if not (is_valid_id(round_id) and is_valid_id(proposal_id)):
        raise NotFound("There is no project idea with that number.")
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.round_id != round_id or proposal.round.phase == Phase.DRAFT:
        raise NotFound("There is no project idea with that number.")
    return proposal


def is_proposer(user: User | None, proposal: Proposal) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and proposal.proposer_id is not None and proposal.proposer_id == user.id)


def can_see_private(user: User | None, proposal: Proposal) -> bool:
    """Contact details, staff notes and who proposed it: the proposer and staff only."""
    return is_proposer(user, proposal) or bool(user is not None and getattr(user, "is_staff", False))


def reviews_are_published(round_: Round) -> bool:
    """From the moment voting opens the shortlist is final, and refusal reasons are public."""
    return round_.phase_enum.is_at_least(Phase.VOTING_OPEN)


def public_status_label(proposal: Proposal) -> str:
    """Once voting opens, every idea not on the ballot reads "Not shortlisted"."""
    if reviews_are_published(proposal.round) and proposal.status not in (ProposalStatus.SHORTLISTED, ProposalStatus.WITHDRAWN):
        return ProposalStatus.REFUSED.label
    return proposal.status_enum.label


def visible_to(user: User | None, proposal: Proposal) -> bool:
    """Withdrawn ideas are seen only by their proposer and staff."""
    if proposal.status == ProposalStatus.WITHDRAWN:
        return can_see_private(user, proposal)
    return True


def public_list(round_: Round, category: str | None = None, sort: str = "title") -> dict[str, list[Proposal]]:
    """What the public list shows.

    Until voting opens: every idea received (not withdrawn), with its status.
    From voting open: the shortlist, and separately the ideas not shortlisted (with reasons).
    """
    query = select(Proposal).where(Proposal.round_id == round_.id, Proposal.status != ProposalStatus.WITHDRAWN)
    if category:
        query = query.where(Proposal.category == category)
    if sort == "cost":
        query = query.order_by(Proposal.cost_pence, func.lower(Proposal.title), Proposal.id)
    elif sort == "cost-desc":
        query = query.order_by(Proposal.cost_pence.desc(), func.lower(Proposal.title), Proposal.id)
    else:
        query = query.order_by(func.lower(Proposal.title), Proposal.id)
    proposals = list(db.session.scalars(query).unique())
    if not reviews_are_published(round_):
        return {"received": proposals, "shortlisted": [], "not_shortlisted": []}
    return {
        "received": [],
        "shortlisted": [p for p in proposals if p.status == ProposalStatus.SHORTLISTED],
        "not_shortlisted": [p for p in proposals if p.status != ProposalStatus.SHORTLISTED],
    }


def shortlisted_proposals(round_: Round | int) -> list[Proposal]:
    """The projects on the ballot, ordered by title (then id, so the order is stable)."""
    round_id = round_ if isinstance(round_, int) else round_.id
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.round_id == round_id, Proposal.status == ProposalStatus.SHORTLISTED)
            .order_by(func.lower(Proposal.title), Proposal.id)
        ).unique()
    )


def proposals_of(user: User) -> list[Proposal]:
    """A resident's own ideas, newest first, in every round that is not a draft."""
    return list(
        db.session.scalars(
            select(Proposal)
            .join(Round, Round.id == Proposal.round_id)
            .where(Proposal.proposer_id == user.id, Round.phase != Phase.DRAFT)
            .order_by(Proposal.created_at.desc(), Proposal.id.desc())
        ).unique()
    )


def review_queue(round_: Round, status: str | None = None) -> list[Proposal]:
    """Every idea in a round for staff, those needing a decision first."""
    order = {
        ProposalStatus.SUBMITTED: 0,
        ProposalStatus.CHANGES_REQUESTED: 1,
        ProposalStatus.SHORTLISTED: 2,
        ProposalStatus.REFUSED: 3,
        ProposalStatus.WITHDRAWN: 4,
    }
    query = select(Proposal).where(Proposal.round_id == round_.id)
    if status:
        query = query.where(Proposal.status == status)
    proposals = list(db.session.scalars(query.order_by(Proposal.created_at, Proposal.id)).unique())
    return sorted(proposals, key=lambda p: order.get(p.status, 9))


def status_counts(round_: Round) -> dict[str, int]:
    rows = db.session.execute(
        select(Proposal.status, func.count()).where(Proposal.round_id == round_.id).group_by(Proposal.status)
    )
    counts = {s.value: 0 for s in ProposalStatus}
    counts.update({status: n for status, n in rows})
    return counts


def merge_targets(proposal: Proposal) -> list[Proposal]:
    """Ideas in the same round another idea can be merged into."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.round_id == proposal.round_id,
                Proposal.id != proposal.id,
                Proposal.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .order_by(func.lower(Proposal.title), Proposal.id)
        ).unique()
    )


def history(proposal: Proposal) -> list[AuditEvent]:
    """Audit rows about this idea (or merged into it), oldest first."""
    # Compared as text, which never fails on either database whatever a row holds.
    about = or_(cast(AuditEvent.details["proposal_id"].as_string(), String) == str(proposal.id),
                cast(AuditEvent.details["into_id"].as_string(), String) == str(proposal.id))
    return list(db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.round_id == proposal.round_id, AuditEvent.action.like("proposal.%"), about)
        .order_by(AuditEvent.created_at, AuditEvent.id)
    ).unique())


def find_resident(text: str | None) -> User | None:
    """A resident by email address or account number, for staff sending an idea on someone's behalf."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        user = db.session.get(User, int(text)) if is_valid_id(int(text)) else None
    else:
        user = db.session.scalar(select(User).where(func.lower(User.email) == text.lower()))
    if user is None or user.role != Role.RESIDENT:
        raise ValidationFailed(
            "No resident has that email address or account number. Leave it empty for a group.", field="proposer"
        )
    return user


# ---------------------------------------------------------------------------
# What residents can do


def why_cannot_propose(user: User | None, round_: Round) -> str | None:
    """None when this person may send in an idea now, otherwise why not."""
    if round_.phase != Phase.PROPOSALS_OPEN:
        return CLOSED_MESSAGE
    return why_cannot_take_part(user, round_)


def why_cannot_edit(user: User | None, proposal: Proposal) -> str | None:
    """None when this person may change the idea now, otherwise why not (in words for them).

    The proposer changes their idea while the round is open for ideas. After it closes,
    they can still answer the team when the team sent it back for changes, until voting opens.
    """
    if not is_proposer(user, proposal):
        return "Only the person who sent in an idea can change it."
    round_ = proposal.round
    if proposal.status == ProposalStatus.SHORTLISTED and reviews_are_published(round_):
        return FROZEN_MESSAGE
    if proposal.status == ProposalStatus.WITHDRAWN:
        return "This idea has been withdrawn."
    if proposal.status == ProposalStatus.CHANGES_REQUESTED and round_.phase == Phase.PROPOSALS_CLOSED:
        return None
    if round_.phase != Phase.PROPOSALS_OPEN:
        return CLOSED_MESSAGE
    if proposal.status == ProposalStatus.REFUSED:
        return "This idea was not shortlisted, so it cannot be changed."
    return None


def why_cannot_withdraw(user: User | None, proposal: Proposal) -> str | None:
    """None when this person may withdraw the idea now (only while the round is open for ideas)."""
    if not is_proposer(user, proposal):
        return "Only the person who sent in an idea can withdraw it."
    round_ = proposal.round
    if proposal.status == ProposalStatus.SHORTLISTED and reviews_are_published(round_):
        return FROZEN_MESSAGE
    if proposal.status == ProposalStatus.WITHDRAWN:
        return "This idea has already been withdrawn."
    if round_.phase != Phase.PROPOSALS_OPEN:
        return CLOSED_MESSAGE
    if proposal.status == ProposalStatus.REFUSED:
        return "This idea was not shortlisted, so there is nothing to withdraw."
    return None


def _check_allowed(user: User, proposal: Proposal, rule) -> None:
    if not is_proposer(user, proposal):
        raise NotAllowed("Only the person who sent in an idea can change or withdraw it.")
    problem = rule(user, proposal)
    if problem:
        raise PhaseError(problem)


def submit(user: User, round_id: int, form: dict[str, str | None]) -> Proposal:
    """A resident sends in an idea."""
    with transaction():
        round_ = _locked_round(round_id)
        if round_.phase != Phase.PROPOSALS_OPEN:
            raise PhaseError(CLOSED_MESSAGE)
        reason = why_cannot_take_part(user, round_)
        if reason:
            raise NotEligible(reason)
        data = validate(round_, form)
        # A double click (or a resent form) must not create the idea twice: the proposer's row is
        # locked so their submissions queue up, and an identical idea already sent is returned.
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
        existing = db.session.scalars(
            select(Proposal).where(
                Proposal.round_id == round_.id,
                Proposal.proposer_id == user.id,
                Proposal.status != ProposalStatus.WITHDRAWN,
                Proposal.title == data.title,
                Proposal.cost_pence == data.cost_pence,
            )
        ).unique().all()
        for proposal in existing:
            if proposal.description == data.description and proposal.summary == data.summary:
                return proposal
        proposal = Proposal(round_id=round_.id, proposer_id=user.id, status=ProposalStatus.SUBMITTED, **asdict(data))
        db.session.add(proposal)
        db.session.flush()
    return proposal


def edit(user: User, proposal_id: int, form: dict[str, str | None]) -> Proposal:
    """The proposer changes their idea; one sent back for changes goes back to the team to check."""
    with transaction():
        proposal = _locked_proposal(proposal_id)
        _check_allowed(user, proposal, why_cannot_edit)
        data = validate(proposal.round, form)
        changed = {key: value for key, value in asdict(data).items() if getattr(proposal, key) != value}
        for key, value in changed.items():
            setattr(proposal, key, value)
        # Changed text needs checking again, whether staff asked for changes or had shortlisted it;
        # an idea sent back for changes goes back to the team once the proposer saves it.
        if changed or proposal.status == ProposalStatus.CHANGES_REQUESTED:
            proposal.status = ProposalStatus.SUBMITTED
    return proposal


def withdraw(user: User, proposal_id: int) -> Proposal:
    with transaction():
        proposal = _locked_proposal(proposal_id)
        _check_allowed(user, proposal, why_cannot_withdraw)
        proposal.status = ProposalStatus.WITHDRAWN
    return proposal


# ---------------------------------------------------------------------------
# What staff can do


def _staff_only(actor: User) -> None:
    if actor is None or not actor.is_staff:
        raise NotAllowed("Only staff can review ideas.")


def _check_review_open(round_: Round, proposal: Proposal | None = None) -> None:
    if reviews_are_published(round_):
        if proposal is not None and proposal.status == ProposalStatus.SHORTLISTED:
            raise PhaseError(FROZEN_MESSAGE)
        raise PhaseError(REVIEW_OVER_MESSAGE)


def _staff_action(actor: User, round_id: int, proposal_id: int, allowed: tuple[str, ...], what: str) -> Proposal:
    _staff_only(actor)
    proposal = _locked_proposal(proposal_id, round_id)
    _check_review_open(proposal.round, proposal)
    if proposal.status not in allowed:
        raise PhaseError(f"An idea that is “{proposal.status_enum.label.lower()}” cannot be {what}.")
    return proposal


def submit_on_behalf(actor: User, round_id: int, form: dict[str, str | None], proposer_text: str | None = None) -> Proposal:
    """Staff send in an idea for a resident or a group (a paper form, a phone call, an event)."""
    _staff_only(actor)
    with transaction():
        round_ = _locked_round(round_id)
        if round_.phase not in (Phase.PROPOSALS_OPEN, Phase.PROPOSALS_CLOSED):
            raise PhaseError("Ideas can be added only until voting opens.")
        errors: dict[str, str] = {}
        proposer = None
        try:
            proposer = find_resident(proposer_text)
        except ValidationFailed as exc:
            errors.update(exc.errors)
        try:
            data = validate(round_, form)
        except ValidationFailed as exc:
            errors.update(exc.errors)
        if errors:
            raise ValidationFailed(next(iter(errors.values())), errors=errors)
        proposal = Proposal(
            round_id=round_.id,
            proposer_id=proposer.id if proposer else None,
            submitted_by_staff_id=actor.id,
            status=ProposalStatus.SUBMITTED,
            **asdict(data),
        )
        db.session.add(proposal)
        db.session.flush()
        audit.record(
            actor, "proposal.submitted_by_staff", round=round_,
            proposal_id=proposal.id, title=proposal.title, proposer_id=proposal.proposer_id,
            cost_pence=proposal.cost_pence,
        )
    return proposal


def staff_edit(actor: User, round_id: int, proposal_id: int, form: dict[str, str | None]) -> Proposal:
    """Staff correct an idea's details (a group's paper form, a typing slip) before voting opens.

    The status stays as it is: staff made the change themselves. The audit row names the
    fields changed. The cost is not changed here: adjust_cost asks for the reason.
    """
    with transaction():
        proposal = _staff_action(actor, round_id, proposal_id, OPEN_STATUSES, "changed")
        data = validate(proposal.round, {**form, "amount": pence_to_pounds_text(proposal.cost_pence)})
        changed = {key: value for key, value in asdict(data).items() if getattr(proposal, key) != value}
        if not changed:
            return proposal
        details = {"proposal_id": proposal.id, "title": data.title, "fields": sorted(changed)}
        for key, value in changed.items():
            setattr(proposal, key, value)
        audit.record(actor, "proposal.edited_by_staff", round=proposal.round, **details)
    return proposal


def shortlist(actor: User, round_id: int, proposal_id: int) -> Proposal:
    with transaction():
        proposal = _staff_action(
            actor, round_id, proposal_id,
            (ProposalStatus.SUBMITTED, ProposalStatus.CHANGES_REQUESTED, ProposalStatus.REFUSED), "shortlisted",
        )
        before = proposal.status
        # Shortlisting a merged idea undoes the merge (a mistaken merge can be put right).
        was_merged_into = proposal.merged_into_id
        proposal.status = ProposalStatus.SHORTLISTED
        proposal.refusal_reason = None
        proposal.staff_note = None
        proposal.merged_into_id = None
        audit.record(actor, "proposal.shortlisted", round=proposal.round, proposal_id=proposal.id,
                     title=proposal.title, before=before, cost_pence=proposal.cost_pence,
                     was_merged_into=was_merged_into)
    return proposal


def request_changes(actor: User, round_id: int, proposal_id: int, note: str | None) -> Proposal:
    with transaction():
        proposal = _staff_action(
            actor, round_id, proposal_id, (ProposalStatus.SUBMITTED, ProposalStatus.SHORTLISTED), "sent back for changes"
        )
        text = _required_text(note, "note", "Say what the proposer needs to change. They will see this note.")
        if proposal.proposer_id is None:
            raise ValidationFailed(
                "Nobody can change this idea online: it was sent in for a group with no resident account. "
                "Contact them instead.",
                field="note",
            )
        before = proposal.status
        proposal.status = ProposalStatus.CHANGES_REQUESTED
        proposal.staff_note = text
        audit.record(actor, "proposal.changes_requested", round=proposal.round, proposal_id=proposal.id,
                     title=proposal.title, before=before, note=text)
    return proposal


def refuse(actor: User, round_id: int, proposal_id: int, reason: str | None) -> Proposal:
    with transaction():
        proposal = _staff_action(actor, round_id, proposal_id, OPEN_STATUSES, "refused")
        text = _required_text(reason, "reason", "Give the reason it is not shortlisted. The proposer and, once voting opens, everyone will see it.")
        before = proposal.status
        proposal.status = ProposalStatus.REFUSED
        proposal.refusal_reason = text
        audit.record(actor, "proposal.refused", round=proposal.round, proposal_id=proposal.id,
                     title=proposal.title, before=before, reason=text)
    return proposal


def adjust_cost(actor: User, round_id: int, proposal_id: int, amount: str | None, reason: str | None) -> Proposal:
    with transaction():
        proposal = _staff_action(actor, round_id, proposal_id, OPEN_STATUSES, "given a new cost")
        errors: dict[str, str] = {}
        new_cost = None
        try:
            new_cost = check_cost(proposal.round, amount, field="new_cost")
        except ValidationFailed as exc:
            errors.update(exc.errors)
        try:
            text = _required_text(reason, "cost_reason", "Give the reason for the new cost, for example what the feasibility check found")
        except ValidationFailed as exc:
            errors.update(exc.errors)
        if not errors and new_cost == proposal.cost_pence:
            errors["new_cost"] = f"The cost is already {format_pence(new_cost)}. Enter a different amount."
        if errors:
            raise ValidationFailed(next(iter(errors.values())), errors=errors)
        old_cost = proposal.cost_pence
        proposal.cost_pence = new_cost
        audit.record(actor, "proposal.cost_adjusted", round=proposal.round, proposal_id=proposal.id,
                     title=proposal.title, old_cost_pence=old_cost, new_cost_pence=new_cost, reason=text)
    return proposal


def merged_reason(target: Proposal) -> str:
    return f"Merged into “{target.title}”"


def merge(actor: User, round_id: int, proposal_id: int, into_id: int | str | None) -> tuple[Proposal, Proposal]:
    """Fold a near-identical idea into another: it is refused with "Merged into …" and points at the other."""
    with transaction():
        proposal = _staff_action(actor, round_id, proposal_id, OPEN_STATUSES, "merged")
        try:
            target_id = int(str(into_id or "").strip())
        except ValueError:
            raise ValidationFailed("Choose the idea to merge this one into", field="into") from None
        if not is_valid_id(target_id):
            raise ValidationFailed("Choose an idea from this round to merge this one into", field="into")
        if target_id == proposal.id:
            raise ValidationFailed("Choose a different idea: an idea cannot be merged into itself", field="into")
        target = db.session.execute(
            select(Proposal).where(Proposal.id == target_id).with_for_update(of=Proposal).execution_options(populate_existing=True)
        ).unique().scalar_one_or_none()
        if target is None or target.round_id != proposal.round_id:
            raise ValidationFailed("Choose an idea from this round to merge this one into", field="into")
        if target.status not in OPEN_STATUSES:
            raise ValidationFailed(
                f"“{target.title}” is {target.status_enum.label.lower()}, so nothing can be merged into it", field="into"
            )
        before = proposal.status
        proposal.status = ProposalStatus.REFUSED
        proposal.refusal_reason = merged_reason(target)
        proposal.merged_into_id = target.id
        audit.record(actor, "proposal.merged", round=proposal.round, proposal_id=proposal.id, title=proposal.title,
                     before=before, into_id=target.id, into_title=target.title)
    return proposal, target
