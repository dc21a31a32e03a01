"""Staff review of project ideas: the queue per round, a page per idea with its actions,
merging near-identical ideas, and sending in an idea for a resident or group.

Every URL here is under /staff, so the deny-by-default hook has already refused anyone
who is not signed in as staff.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb import i18n
from pb.domain.money import format_pence
from pb.models import ProposalStatus
from pb.proposals.forms import (ConfirmForm, CostForm, EnglishSummaryForm, MergeForm, NoteForm, ProposalForm, RefuseForm,
                                StaffProposalForm)
from pb.services import proposals as service
from pb.services import rounds_query
from pb.domain.errors import DomainError, NotFound, ValidationFailed
from pb.services import proposal_review
from pb.domain import ids
from pb.domain import ideas

bp = Blueprint("proposals_staff", __name__, url_prefix="/staff")


def _staff():
    return current_user._get_current_object()


def _round_or_404(round_id: int):
    if not ids.is_valid_id(round_id):
        abort(404)
    try:
        return rounds_query.get_round(round_id)
    except NotFound:
        abort(404)


def _proposal_or_404(round_id: int, proposal_id: int):
    try:
        return service.get_proposal(round_id, proposal_id)
    except NotFound:
        abort(404)


def _add_errors(form, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + [message]


def _review_page(proposal, *, status: int = 200, note=None, refuse=None, cost=None, merge=None, summary=None,
                 problem=None):
    merge = merge or MergeForm()
    targets = service.merge_targets(proposal)
    merge.into.choices = [("", _("Choose an idea"))] + [
        # TRANSLATORS: an idea to merge into, for staff: "Friday lunch club (£1,250, received)".
        (str(t.id), _("%(title)s (%(cost)s, %(status)s)", title=t.title,
                      cost=i18n.format_money(t.cost_pence, format_pence), status=t.status_enum.label.lower()))
        for t in targets
    ]
    merged_into = None
    if proposal.merged_into_id:
        try:
            merged_into = service.get_proposal(proposal.round_id, proposal.merged_into_id)
        except NotFound:
            merged_into = None
    return render_template(
        "proposals_staff/review.html",
        round=proposal.round,
        proposal=proposal,
        note_form=note or NoteForm(),
        refuse_form=refuse or RefuseForm(),
        cost_form=cost or CostForm(),
        summary_form=summary or EnglishSummaryForm(english_summary=proposal.english_summary),
        written_in=i18n.language_of(proposal.language) if proposal.language else None,
        merge_form=merge,
        confirm_form=ConfirmForm(),
        reviews_open=not service.reviews_are_published(proposal.round),
        history=service.history(proposal),
        merged_into=merged_into,
        problem=problem,
    ), status


@bp.route("/rounds/<int:round_id>/proposals")
def review_queue(round_id: int):
    round_ = _round_or_404(round_id)
    status = request.args.get("status", "")
    if status not in {s.value for s in ProposalStatus}:
        status = ""
    return render_template(
        "proposals_staff/queue.html",
        round=round_,
        proposals=service.review_queue(round_, status or None),
        counts=service.status_counts(round_),
        status=status,
        statuses=list(ProposalStatus),
        reviews_open=not service.reviews_are_published(round_),
        can_add=round_.phase in ("proposals_open", "proposals_closed"),
        shortlisted_total=sum(p.cost_pence for p in service.shortlisted_proposals(round_)),
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>")
def review(round_id: int, proposal_id: int):
    return _review_page(_proposal_or_404(round_id, proposal_id))


def _act(round_id: int, proposal_id: int, form, action, success, form_kw: str | None = None):
    """Run one review action; errors go back to the review page next to the field.

    `success(proposal)` is the message to show when it is done."""
    proposal = _proposal_or_404(round_id, proposal_id)
    if not form.validate_on_submit():
        abort(400)
    try:
        action(proposal)
    except ValidationFailed as exc:
        _add_errors(form, exc.errors)
        return _review_page(proposal, status=400, **({form_kw: form} if form_kw else {}))
    except DomainError as exc:
        return _review_page(proposal, status=exc.status_code, problem=exc.message)
    flash(success(proposal), "success")
    return redirect(url_for("proposals_staff.review", round_id=round_id, proposal_id=proposal_id))


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/shortlist", methods=["POST"])
def shortlist(round_id: int, proposal_id: int):
    return _act(
        round_id, proposal_id, ConfirmForm(),
        lambda p: proposal_review.shortlist(_staff(), round_id, p.id),
        lambda p: _("“%(title)s” is shortlisted.", title=p.title),
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/changes", methods=["POST"])
def request_changes(round_id: int, proposal_id: int):
    form = NoteForm()
    return _act(
        round_id, proposal_id, form,
        lambda p: proposal_review.request_changes(_staff(), round_id, p.id, form.note.data),
        lambda p: _("“%(title)s” was sent back to the proposer with your note.", title=p.title), "note",
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/refuse", methods=["POST"])
def refuse(round_id: int, proposal_id: int):
    form = RefuseForm()
    return _act(
        round_id, proposal_id, form,
        lambda p: proposal_review.refuse(_staff(), round_id, p.id, form.reason.data),
        lambda p: _("“%(title)s” is not shortlisted. The proposer can see your reason.", title=p.title), "refuse",
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/cost", methods=["POST"])
def adjust_cost(round_id: int, proposal_id: int):
    form = CostForm()
    return _act(
        round_id, proposal_id, form,
        lambda p: proposal_review.adjust_cost(_staff(), round_id, p.id, form.new_cost.data, form.cost_reason.data),
        lambda p: _("The cost of “%(title)s” has been changed.", title=p.title), "cost",
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/english-summary", methods=["POST"])
def english_summary(round_id: int, proposal_id: int):
    form = EnglishSummaryForm()
    return _act(
        round_id, proposal_id, form,
        lambda p: proposal_review.record_english_summary(_staff(), round_id, p.id, form.english_summary.data),
        lambda p: _("The English summary of “%(title)s” is saved.", title=p.title), "summary",
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/merge", methods=["POST"])
def merge(round_id: int, proposal_id: int):
    """First POST shows what will happen; the confirmed POST merges."""
    proposal = _proposal_or_404(round_id, proposal_id)
    form = MergeForm()
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("confirm") != "yes":
        target = None
        into = (form.into.data or "").strip()
        if into.isdigit():
            target = next((t for t in service.merge_targets(proposal) if t.id == int(into)), None)
        if target is None:
            form.into.errors = [_("Choose the idea to merge this one into")]
            return _review_page(proposal, status=400, merge=form)
        return render_template(
            "proposals_staff/merge_confirm.html", round=proposal.round, proposal=proposal, target=target,
            form=ConfirmForm(), reason=proposal_review.merged_reason(target),
        )
    try:
        target = proposal_review.merge(_staff(), round_id, proposal.id, form.into.data)[1]
    except ValidationFailed as exc:
        _add_errors(form, exc.errors)
        return _review_page(proposal, status=400, merge=form)
    except DomainError as exc:
        return _review_page(proposal, status=exc.status_code, problem=exc.message)
    flash(_("“%(title)s” was merged into “%(into)s”.", title=proposal.title, into=target.title), "success")
    return redirect(url_for("proposals_staff.review", round_id=round_id, proposal_id=target.id))


@bp.route("/rounds/<int:round_id>/proposals/new", methods=["GET", "POST"])
def new_on_behalf(round_id: int):
    round_ = _round_or_404(round_id)
    form = StaffProposalForm()
    form.set_categories(round_)
    if request.method == "GET":
        resident = request.args.get("resident", "")
        if resident.isdigit():
            form.proposer.data = resident
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            proposal = proposal_review.submit_on_behalf(_staff(), round_id, form.values(), form.proposer.data)
        except ValidationFailed as exc:
            _add_errors(form, exc.errors)
            status = 400
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("proposals_staff.review_queue", round_id=round_id))
        else:
            flash(_("“%(title)s” has been added. It is waiting for review.", title=proposal.title), "success")
            return redirect(url_for("proposals_staff.review", round_id=round_id, proposal_id=proposal.id))
    can_add = round_.phase in ("proposals_open", "proposals_closed")
    return render_template("proposals_staff/new.html", round=round_, form=form, can_add=can_add), status


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
def edit(round_id: int, proposal_id: int):
    """Correct an idea's details; the proposer's own changes go through their review step instead."""
    proposal = _proposal_or_404(round_id, proposal_id)
    if request.method == "GET":
        form = ProposalForm(formdata=None, data=ideas.form_values(proposal))
    else:
        form = ProposalForm()
    form.set_categories(proposal.round)
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            proposal_review.staff_edit(_staff(), round_id, proposal.id, form.values())
        except ValidationFailed as exc:
            _add_errors(form, exc.errors)
            status = 400
        except DomainError as exc:
            return _review_page(proposal, status=exc.status_code, problem=exc.message)
        else:
            flash(_("The details of “%(title)s” have been saved.", title=form.title.data), "success")
            return redirect(url_for("proposals_staff.review", round_id=round_id, proposal_id=proposal.id))
    return render_template(
        "proposals_staff/edit.html", round=proposal.round, proposal=proposal, form=form,
        editable=not service.reviews_are_published(proposal.round) and proposal.status in service.OPEN_STATUSES,
    ), status
