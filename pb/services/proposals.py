"""Project ideas: residents send them in, change and withdraw them, and everyone can read them (staff review: pb.services.proposal_review).

Rules kept here (and so enforced even for a hand-made POST):
- residents send in, change and withdraw ideas only while the round is open for ideas
  (an idea the team sent back for changes can still be changed until voting opens);
- staff review (shortlist, send back, refuse, adjust the cost, merge, correct details)
  only before voting opens;
- once voting opens a shortlisted idea is frozen: its text and cost are what people voted on;
- only the resident who proposed an idea may change or withdraw it.
"""
from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import String, cast, func, or_, select

from pb.domain.errors import NotAllowed, NotEligible, NotFound, PhaseError, ValidationFailed
from pb.domain.ideas import validate
from pb.domain.ids import is_valid_id
from pb.domain.phases import Phase
from pb.domain.words import N_, _
from pb.extensions import db
from pb.models import AuditEvent, Proposal, ProposalStatus, Role, Round, User
from pb.services.eligibility import why_cannot_take_part
from pb.services.transaction import lock_user, transaction

# The labels are translated where they are shown.
SORTS = {"title": N_("Title (A to Z)"), "cost": N_("Cost (lowest first)"), "cost-desc": N_("Cost (highest first)")}

# Translated where they are used: _(FROZEN_MESSAGE).
FROZEN_MESSAGE = N_(
    "This project is on the ballot, so it cannot be changed any more. "
    "Its description and cost are what people are voting on."
)
CLOSED_MESSAGE = N_("The round is no longer taking ideas, so ideas cannot be sent in, changed or withdrawn.")
REVIEW_OVER_MESSAGE = N_("Voting has opened, so ideas can no longer be reviewed or changed.")

OPEN_STATUSES = (ProposalStatus.SUBMITTED, ProposalStatus.CHANGES_REQUESTED, ProposalStatus.SHORTLISTED)

# ---------------------------------------------------------------------------
# Reading


def locked_round(round_id: int) -> Round:
    """The round, read afresh inside the write transaction (and share-locked on PostgreSQL),
    so the phase checked is the phase at the moment of writing."""
    if not is_valid_id(round_id):
        raise NotFound(_("There is no funding round with that number."))
    round_ = db.session.execute(
        select(Round).where(Round.id == round_id).with_for_update(read=True).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if round_ is None or round_.phase == Phase.DRAFT:
        raise NotFound(_("There is no funding round with that number."))
    return round_


def locked_proposal(proposal_id: int, round_id: int | None = None) -> Proposal:
    """The proposal and its round, read afresh and locked (round first, as phase moves do)."""
    if not is_valid_id(proposal_id) or (round_id is not None and not is_valid_id(round_id)):
        raise NotFound(_("There is no project idea with that number."))
    if round_id is None:
        found = db.session.get(Proposal, proposal_id)
        if found is None:
            raise NotFound(_("There is no project idea with that number."))
        round_id = found.round_id
    locked_round(round_id)
    proposal = db.session.execute(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .with_for_update(of=Proposal)
        .execution_options(populate_existing=True)
    ).unique().scalar_one_or_none()
    if proposal is None or proposal.round_id != round_id:
        raise NotFound(_("There is no project idea with that number."))
    return proposal


def get_proposal(round_id: int, proposal_id: int) -> Proposal:
    """A proposal of a public round (no visibility check: see visible_to)."""
    if not (is_valid_id(round_id) and is_valid_id(proposal_id)):
        raise NotFound(_("There is no project idea with that number."))
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.round_id != round_id or proposal.round.phase == Phase.DRAFT:
        raise NotFound(_("There is no project idea with that number."))
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
            _("No resident has that email address or account number. Leave it empty for a group."), field="proposer"
        )
    return user


# ---------------------------------------------------------------------------
# What residents can do


def why_cannot_propose(user: User | None, round_: Round) -> str | None:
    """None when this person may send in an idea now, otherwise why not."""
    if round_.phase != Phase.PROPOSALS_OPEN:
        return _(CLOSED_MESSAGE)
    return why_cannot_take_part(user, round_)


def why_cannot_edit(user: User | None, proposal: Proposal) -> str | None:
    """None when this person may change the idea now, otherwise why not (in words for them).

    The proposer changes their idea while the round is open for ideas. After it closes,
    they can still answer the team when the team sent it back for changes, until voting opens.
    """
    if proposal.status == ProposalStatus.CHANGES_REQUESTED and proposal.round.phase == Phase.PROPOSALS_CLOSED:
        return None if is_proposer(user, proposal) else _("Only the person who sent in an idea can change it.")
    return _why_proposer_cannot(user, proposal, N_("Only the person who sent in an idea can change it."),
                                N_("This idea has been withdrawn."),
                                N_("This idea was not shortlisted, so it cannot be changed."))


def why_cannot_withdraw(user: User | None, proposal: Proposal) -> str | None:
    """None when this person may withdraw the idea now (only while the round is open for ideas)."""
    return _why_proposer_cannot(user, proposal, N_("Only the person who sent in an idea can withdraw it."),
                                N_("This idea has already been withdrawn."),
                                N_("This idea was not shortlisted, so there is nothing to withdraw."))


def _why_proposer_cannot(user: User | None, proposal: Proposal, not_proposer: str, withdrawn: str,
                         refused: str) -> str | None:
    """What stops the proposer changing or withdrawing their idea: frozen on the ballot, withdrawn, the round closed, refused.

    The messages are given untranslated (N_) and translated here, only the one that is needed.
    """
    if not is_proposer(user, proposal):
        return _(not_proposer)
    if proposal.status == ProposalStatus.SHORTLISTED and reviews_are_published(proposal.round):
        return _(FROZEN_MESSAGE)
    if proposal.status == ProposalStatus.WITHDRAWN:
        return _(withdrawn)
    if proposal.round.phase != Phase.PROPOSALS_OPEN:
        return _(CLOSED_MESSAGE)
    if proposal.status == ProposalStatus.REFUSED:
        return _(refused)
    return None


def _check_allowed(user: User, proposal: Proposal, rule) -> None:
    if not is_proposer(user, proposal):
        raise NotAllowed(_("Only the person who sent in an idea can change or withdraw it."))
    problem = rule(user, proposal)
    if problem:
        raise PhaseError(problem)


def submit(user: User, round_id: int, form: dict[str, str | None], language: str | None = None) -> Proposal:
    """A resident sends in an idea, in any language; `language` is the one of the pages they wrote it on."""
    with transaction():
        round_ = locked_round(round_id)
        if round_.phase != Phase.PROPOSALS_OPEN:
            raise PhaseError(_(CLOSED_MESSAGE))
        reason = why_cannot_take_part(user, round_)
        if reason:
            raise NotEligible(reason)
        data = validate(round_, form)
        # A double click (or a resent form) must not create the idea twice: the proposer's row is
        # locked so their submissions queue up, and an identical idea already sent is returned.
        lock_user(user.id)
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
        proposal = Proposal(round_id=round_.id, proposer_id=user.id, status=ProposalStatus.SUBMITTED,
                            language=None if language == "en" else language, **asdict(data))
        db.session.add(proposal)
        db.session.flush()
    return proposal


def edit(user: User, proposal_id: int, form: dict[str, str | None]) -> Proposal:
    """The proposer changes their idea; one sent back for changes goes back to the team to check."""
    with transaction():
        proposal = locked_proposal(proposal_id)
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
        proposal = locked_proposal(proposal_id)
        _check_allowed(user, proposal, why_cannot_withdraw)
        proposal.status = ProposalStatus.WITHDRAWN
    return proposal
