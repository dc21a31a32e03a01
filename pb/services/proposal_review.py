"""Staff reviewing project ideas before voting opens: shortlist, send back, refuse, adjust the cost, merge, correct, or send one in for someone."""
from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select

from pb.domain.errors import NotAllowed, PhaseError, ValidationFailed
from pb.domain.ideas import check_cost, required_text, validate
from pb.domain.ids import is_valid_id
from pb.domain.money import format_pence, pence_to_pounds_text
from pb.domain.phases import Phase
from pb.domain.words import N_, _
from pb.extensions import db
from pb.models import Proposal, ProposalStatus, Round, User
from pb.services import audit
from pb.services.proposals import (
    FROZEN_MESSAGE,
    OPEN_STATUSES,
    REVIEW_OVER_MESSAGE,
    find_resident,
    locked_proposal,
    locked_round,
    reviews_are_published,
)
from pb.services.transaction import transaction


def _staff_only(actor: User) -> None:
    if actor is None or not actor.is_staff:
        raise NotAllowed(_("Only staff can review ideas."))


def _check_review_open(round_: Round, proposal: Proposal | None = None) -> None:
    if reviews_are_published(round_):
        if proposal is not None and proposal.status == ProposalStatus.SHORTLISTED:
            raise PhaseError(_(FROZEN_MESSAGE))
        raise PhaseError(_(REVIEW_OVER_MESSAGE))


def _staff_action(actor: User, round_id: int, proposal_id: int, allowed: tuple[str, ...], not_allowed: str) -> Proposal:
    """The proposal, locked, if staff may act on it; `not_allowed` (untranslated, N_) says why not, with %(status)s."""
    _staff_only(actor)
    proposal = locked_proposal(proposal_id, round_id)
    _check_review_open(proposal.round, proposal)
    if proposal.status not in allowed:
        raise PhaseError(_(not_allowed, status=proposal.status_enum.label.lower()))
    return proposal


# How each decision's text is named in the audit row.
_AUDITED_AS = {"staff_note": "note", "refusal_reason": "reason"}


def _decide(actor: User, proposal: Proposal, status: str, action: str, **text: str) -> None:
    """Give an idea its new status and the text the proposer is shown, audited with the status before."""
    before = proposal.status
    proposal.status = status
    for name, value in text.items():
        setattr(proposal, name, value)
    audit.record(actor, action, round=proposal.round, proposal_id=proposal.id, title=proposal.title, before=before,
                 **{_AUDITED_AS[name]: value for name, value in text.items()})


def submit_on_behalf(actor: User, round_id: int, form: dict[str, str | None], proposer_text: str | None = None) -> Proposal:
    """Staff send in an idea for a resident or a group (a paper form, a phone call, an event)."""
    _staff_only(actor)
    with transaction():
        round_ = locked_round(round_id)
        if round_.phase not in (Phase.PROPOSALS_OPEN, Phase.PROPOSALS_CLOSED):
            raise PhaseError(_("Ideas can be added only until voting opens."))
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
        proposal = _staff_action(actor, round_id, proposal_id, OPEN_STATUSES,
                                 N_("An idea that is “%(status)s” cannot be changed."))
        data = validate(proposal.round, {**form, "amount": pence_to_pounds_text(proposal.cost_pence)})
        changed = {key: value for key, value in asdict(data).items() if getattr(proposal, key) != value}
        if not changed:
            return proposal
        details = {"proposal_id": proposal.id, "title": data.title, "fields": sorted(changed)}
        for key, value in changed.items():
            setattr(proposal, key, value)
        audit.record(actor, "proposal.edited_by_staff", round=proposal.round, **details)
    return proposal


ENGLISH_SUMMARY_LONGEST = 1000


def record_english_summary(actor: User, round_id: int, proposal_id: int, text: str | None) -> Proposal:
    """Staff write in English what an idea written in another language asks for, for the team and the
    panel; an empty text removes it. Until voting opens, for an idea not withdrawn."""
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > ENGLISH_SUMMARY_LONGEST:
        raise ValidationFailed(_("Shorten the English summary to %(most)s characters or fewer (it has %(count)s).",
                                 most=ENGLISH_SUMMARY_LONGEST, count=len(text)), field="english_summary")
    with transaction():
        proposal = _staff_action(actor, round_id, proposal_id, OPEN_STATUSES + (ProposalStatus.REFUSED,),
                                 N_("An idea that is “%(status)s” cannot be changed."))
        if (proposal.english_summary or "") == text:
            return proposal
        proposal.english_summary = text or None
        audit.record(actor, "proposal.summarised_in_english", round=proposal.round, proposal_id=proposal.id,
                     title=proposal.title, summary=text)
    return proposal


def shortlist(actor: User, round_id: int, proposal_id: int) -> Proposal:
    with transaction():
        proposal = _staff_action(
            actor, round_id, proposal_id,
            (ProposalStatus.SUBMITTED, ProposalStatus.CHANGES_REQUESTED, ProposalStatus.REFUSED),
            N_("An idea that is “%(status)s” cannot be shortlisted."),
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
            actor, round_id, proposal_id, (ProposalStatus.SUBMITTED, ProposalStatus.SHORTLISTED),
            N_("An idea that is “%(status)s” cannot be sent back for changes."),
        )
        text = required_text(note, "note", _("Say what the proposer needs to change. They will see this note."))
        if proposal.proposer_id is None:
            raise ValidationFailed(
                _("Nobody can change this idea online: it was sent in for a group with no resident account. "
                  "Contact them instead."),
                field="note",
            )
        _decide(actor, proposal, ProposalStatus.CHANGES_REQUESTED, "proposal.changes_requested", staff_note=text)
    return proposal


def refuse(actor: User, round_id: int, proposal_id: int, reason: str | None) -> Proposal:
    with transaction():
        proposal = _staff_action(actor, round_id, proposal_id, OPEN_STATUSES,
                                 N_("An idea that is “%(status)s” cannot be refused."))
        text = required_text(reason, "reason", _("Give the reason it is not shortlisted. "
                                                 "The proposer and, once voting opens, everyone will see it."))
        _decide(actor, proposal, ProposalStatus.REFUSED, "proposal.refused", refusal_reason=text)
    return proposal


def adjust_cost(actor: User, round_id: int, proposal_id: int, amount: str | None, reason: str | None) -> Proposal:
    with transaction():
        proposal = _staff_action(actor, round_id, proposal_id, OPEN_STATUSES,
                                 N_("An idea that is “%(status)s” cannot be given a new cost."))
        errors: dict[str, str] = {}
        new_cost = None
        try:
            new_cost = check_cost(proposal.round, amount, field="new_cost")
        except ValidationFailed as exc:
            errors.update(exc.errors)
        try:
            text = required_text(reason, "cost_reason",
                                 _("Give the reason for the new cost, for example what the feasibility check found"))
        except ValidationFailed as exc:
            errors.update(exc.errors)
        if not errors and new_cost == proposal.cost_pence:
            errors["new_cost"] = _("The cost is already %(cost)s. Enter a different amount.", cost=format_pence(new_cost))
        if errors:
            raise ValidationFailed(next(iter(errors.values())), errors=errors)
        old_cost = proposal.cost_pence
        proposal.cost_pence = new_cost
        audit.record(actor, "proposal.cost_adjusted", round=proposal.round, proposal_id=proposal.id,
                     title=proposal.title, old_cost_pence=old_cost, new_cost_pence=new_cost, reason=text)
    return proposal


def merged_reason(target: Proposal) -> str:
    """The reason kept on a merged idea, in the language of the staff member merging it (like the reasons they type)."""
    return _("Merged into “%(title)s”", title=target.title)


def merge(actor: User, round_id: int, proposal_id: int, into_id: int | str | None) -> tuple[Proposal, Proposal]:
    """Fold a near-identical idea into another: it is refused with "Merged into …" and points at the other."""
    with transaction():
        proposal = _staff_action(actor, round_id, proposal_id, OPEN_STATUSES,
                                 N_("An idea that is “%(status)s” cannot be merged."))
        try:
            target_id = int(str(into_id or "").strip())
        except ValueError:
            raise ValidationFailed(_("Choose the idea to merge this one into"), field="into") from None
        if not is_valid_id(target_id):
            raise ValidationFailed(_("Choose an idea from this round to merge this one into"), field="into")
        if target_id == proposal.id:
            raise ValidationFailed(_("Choose a different idea: an idea cannot be merged into itself"), field="into")
        target = db.session.execute(
            select(Proposal).where(Proposal.id == target_id).with_for_update(of=Proposal).execution_options(populate_existing=True)
        ).unique().scalar_one_or_none()
        if target is None or target.round_id != proposal.round_id:
            raise ValidationFailed(_("Choose an idea from this round to merge this one into"), field="into")
        if target.status not in OPEN_STATUSES:
            raise ValidationFailed(
                _("“%(title)s” is %(status)s, so nothing can be merged into it",
                  title=target.title, status=target.status_enum.label.lower()), field="into"
            )
        before = proposal.status
        proposal.status = ProposalStatus.REFUSED
        proposal.refusal_reason = merged_reason(target)
        proposal.merged_into_id = target.id
        audit.record(actor, "proposal.merged", round=proposal.round, proposal_id=proposal.id, title=proposal.title,
                     before=before, into_id=target.id, into_title=target.title)
    return proposal, target
