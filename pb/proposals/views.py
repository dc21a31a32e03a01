"""Project ideas for residents and the public: the list, a page per idea, sending one in (with a
review step), a resident's own ideas, changing and withdrawing them."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pb import i18n
from pb.proposals.forms import ConfirmForm, HiddenProposalForm, ListFilterForm, ProposalForm
from pb.services import proposals as service
from pb.services import rounds_query
from pb.domain.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from pb.domain import ids
from pb.domain import ideas
from pb.domain.phases import Phase

bp = Blueprint("proposals", __name__)


def _user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _round_or_404(round_id: int):
    if not ids.is_valid_id(round_id):
        abort(404)
    try:
        return rounds_query.get_public_round(round_id)
    except NotFound:
        abort(404)


def _proposal_or_404(round_id: int, proposal_id: int):
    try:
        proposal = service.get_proposal(round_id, proposal_id)
    except NotFound:
        abort(404)
    if not service.visible_to(_user(), proposal):
        abort(404)
    return proposal


def _own_proposal(round_id: int, proposal_id: int):
    """The signed-in resident's own idea; anybody else's is 403."""
    proposal = _proposal_or_404(round_id, proposal_id)
    if not service.is_proposer(_user(), proposal):
        abort(403)
    return proposal


def _add_errors(form, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + [message]


def _cannot(round_, message: str, status: int, proposal=None):
    return render_template("proposals/cannot.html", round=round_, message=message, proposal=proposal), status


def _form_page(round_, form, *, proposal=None, status: int = 200, focus: str | None = None):
    form.set_categories(round_)
    if focus and focus in ideas.FIELDS:
        field = getattr(form, focus)
        field.render_kw = {**(field.render_kw or {}), "autofocus": True}
    return render_template("proposals/form.html", round=round_, form=form, proposal=proposal), status


def _review_page(round_, data: ideas.ProposalData, *, proposal=None):
    hidden = HiddenProposalForm(data=data.as_form())
    return render_template("proposals/review.html", round=round_, data=data, hidden=hidden, proposal=proposal)


# ---------------------------------------------------------------------------
# Public pages


@bp.route("/rounds/<int:round_id>/proposals")
def list_proposals(round_id: int):
    round_ = _round_or_404(round_id)
    filters = ListFilterForm(request.args)
    categories = round_.category_list
    filters.category.choices = [("", _("All categories"))] + [(c, c) for c in categories]
    filters.sort.choices = [(key, _(label)) for key, label in service.SORTS.items()]
    # Unknown values in the address are ignored rather than trusted.
    category = request.args.get("category", "")
    if category not in categories:
        category = ""
    sort = request.args.get("sort", "title")
    if sort not in service.SORTS:
        sort = "title"
    filters.category.data = category
    filters.sort.data = sort
    groups = service.public_list(round_, category=category or None, sort=sort)
    return render_template(
        "proposals/list.html",
        round=round_,
        filters=filters,
        category=category,
        sort=sort,
        groups=groups,
        published=service.reviews_are_published(round_),
        can_propose=service.why_cannot_propose(_user(), round_) is None,
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>")
def show(round_id: int, proposal_id: int):
    proposal = _proposal_or_404(round_id, proposal_id)
    user = _user()
    merged_into = None
    if proposal.merged_into_id:
        try:
            merged_into = service.get_proposal(round_id, proposal.merged_into_id)
        except NotFound:
            merged_into = None
    return render_template(
        "proposals/show.html",
        round=proposal.round,
        proposal=proposal,
        private=service.can_see_private(user, proposal),
        is_proposer=service.is_proposer(user, proposal),
        published=service.reviews_are_published(proposal.round),
        can_edit=service.why_cannot_edit(user, proposal) is None,
        can_withdraw=service.why_cannot_withdraw(user, proposal) is None,
        status_label=service.public_status_label(proposal),
        merged_into=merged_into,
    )


# ---------------------------------------------------------------------------
# Sending in an idea: form -> check your answers -> sent


def _answers_sent_back():
    """The idea as the check page sent it back (hidden fields), the form filled with it, and the field to change, if any."""
    hidden = HiddenProposalForm()
    if not hidden.validate_on_submit():
        abort(400)
    return hidden, ProposalForm(formdata=None, data=hidden.values()), request.form.get("change")


def _proposing(round_id: int):
    """The round an idea is being sent in to, and a page saying why this person cannot (or None)."""
    round_ = _round_or_404(round_id)
    return round_, _why_not_propose(round_)


def _why_not_propose(round_):
    """A page saying why this person cannot send in an idea, or None."""
    user = _user()
    if user is None:
        return _cannot(round_, _("Please sign in to send in an idea."), 200)
    problem = service.why_cannot_propose(user, round_)
    if problem:
        # Closed to ideas is a conflict with the round's phase; anything else is this person.
        return _cannot(round_, problem, 409 if round_.phase != Phase.PROPOSALS_OPEN else 403)
    return None


@bp.route("/rounds/<int:round_id>/proposals/new", methods=["GET", "POST"])
def new(round_id: int):
    round_, refusal = _proposing(round_id)
    if refusal:
        return refusal
    form = ProposalForm()
    if request.method == "GET":
        user = _user()
        form.contact.data = user.email or user.phone or ""
        return _form_page(round_, form)
    if not form.validate_on_submit():
        return _form_page(round_, form, status=400)
    try:
        data = ideas.validate(round_, form.values())
    except ValidationFailed as exc:
        _add_errors(form, exc.errors)
        return _form_page(round_, form, status=400)
    return _review_page(round_, data)


@bp.route("/rounds/<int:round_id>/proposals/new/check", methods=["POST"])
def review(round_id: int):
    round_, refusal = _proposing(round_id)
    if refusal:
        return refusal
    hidden, form, change = _answers_sent_back()
    if change:
        return _form_page(round_, form, focus=change)
    try:
        proposal = service.submit(_user(), round_id, hidden.values(), language=i18n.page_language().code)
    except ValidationFailed as exc:
        _add_errors(form, exc.errors)
        return _form_page(round_, form, status=400)
    except DomainError as exc:
        return _cannot(round_, exc.message, exc.status_code)
    return redirect(url_for("proposals.sent", round_id=round_id, proposal_id=proposal.id))


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/sent")
@login_required
def sent(round_id: int, proposal_id: int):
    proposal = _own_proposal(round_id, proposal_id)
    return render_template("proposals/sent.html", round=proposal.round, proposal=proposal)


# ---------------------------------------------------------------------------
# A resident's own ideas


@bp.route("/proposals/mine")
@login_required
def mine():
    return render_template("proposals/mine.html", proposals=service.proposals_of(current_user), service=service)


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(round_id: int, proposal_id: int):
    proposal = _own_proposal(round_id, proposal_id)
    round_ = proposal.round
    problem = service.why_cannot_edit(_user(), proposal)
    if problem:
        return _cannot(round_, problem, 409, proposal=proposal)
    if request.method == "GET":
        form = ProposalForm(formdata=None, data=ideas.form_values(proposal))
        return _form_page(round_, form, proposal=proposal)
    form = ProposalForm()
    if not form.validate_on_submit():
        return _form_page(round_, form, proposal=proposal, status=400)
    try:
        data = ideas.validate(round_, form.values())
    except ValidationFailed as exc:
        _add_errors(form, exc.errors)
        return _form_page(round_, form, proposal=proposal, status=400)
    return _review_page(round_, data, proposal=proposal)


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/edit/check", methods=["POST"])
@login_required
def edit_review(round_id: int, proposal_id: int):
    proposal = _own_proposal(round_id, proposal_id)
    round_ = proposal.round
    hidden, form, change = _answers_sent_back()
    if change:
        problem = service.why_cannot_edit(_user(), proposal)
        if problem:
            return _cannot(round_, problem, 409, proposal=proposal)
        return _form_page(round_, form, proposal=proposal, focus=change)
    try:
        service.edit(_user(), proposal.id, hidden.values())
    except ValidationFailed as exc:
        _add_errors(form, exc.errors)
        return _form_page(round_, form, proposal=proposal, status=400)
    except NotAllowed:
        abort(403)
    except DomainError as exc:
        return _cannot(round_, exc.message, exc.status_code, proposal=proposal)
    flash(_("Your idea has been saved. If you changed it, the team will check it again."), "success")
    return redirect(url_for("proposals.mine"))


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(round_id: int, proposal_id: int):
    proposal = _own_proposal(round_id, proposal_id)
    round_ = proposal.round
    form = ConfirmForm()
    if request.method == "GET":
        problem = service.why_cannot_withdraw(_user(), proposal)
        if problem:
            return _cannot(round_, problem, 409, proposal=proposal)
        return render_template("proposals/withdraw.html", round=round_, proposal=proposal, form=form)
    if not form.validate_on_submit():
        abort(400)
    try:
        service.withdraw(_user(), proposal.id)
    except NotAllowed:
        abort(403)
    except DomainError as exc:
        return _cannot(round_, exc.message, exc.status_code, proposal=proposal)
    flash(_("You have withdrawn “%(title)s”. It will not go to the vote.", title=proposal.title), "success")
    return redirect(url_for("proposals.mine"))
