"""Staff console views: rounds, their phases, the audit log and staff accounts.

Every /staff URL is staff-only (enforced for the whole prefix by deny_by_default in pb.web); the staff
accounts pages also check that the member of staff is an administrator.
"""
from __future__ import annotations

import secrets
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.domain.phases import Phase, move_effect
from pb.models.round import DEFAULT_CATEGORIES
from pb.domain import round_settings
from pb.domain.counting_rules import COMPLETIONS, COUNTING_RULES
from pb.services import suspicious_registrations, verification_letters
from pb.services import audit, audit_log as audit_log_service, round_figures, rounds_query
from pb.services import rounds as rounds_service
from pb.services import staff_accounts
from pb.domain.words import N_
from pb.domain.errors import DomainError, LockedField, NotFound, PhaseError, StaleEdit, ValidationFailed
from pb.services.paging import page_number, whole_number
from pb.staff.forms import FORM_INPUTS, ActionForm, PhaseMoveForm, RoundForm, StaffAccountForm, error_target

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _actor():
    return current_user._get_current_object()


def _round_or_404(round_id: int):
    try:
        return rounds_query.get_round(round_id)
    except NotFound:
        abort(404)


def _add_errors(form, errors: dict[str, str]) -> None:
    for service_field, message in errors.items():
        target = getattr(form, error_target(service_field), None) or form.title
        if message not in target.errors:
            target.errors = list(target.errors) + [message]


def _all_problems(values: dict, unreadable: dict[str, str], round_=None, locked=()) -> dict[str, str]:
    """Unreadable inputs plus every other problem with what could be read, so staff
    see all the messages at once rather than one batch per submit."""
    readable = {k: v for k, v in values.items() if k not in locked}
    others = round_settings.problems(readable, round_)
    return {**{k: m for k, m in others.items() if k not in unreadable}, **unreadable}


# ---------------------------------------------------------------- dashboard and round pages


@bp.route("/")
def dashboard():
    return render_template("staff/dashboard.html", dashboard=round_figures.dashboard_figures(),
                           suspicious=suspicious_registrations.summary_counts(),
                           letters_waiting=verification_letters.letter_queue_counts()[0])


@bp.route("/rounds/<int:round_id>")
def round_detail(round_id: int):
    try:
        figures = round_figures.round_figures(round_id)
    except NotFound:
        abort(404)
    round_ = figures.round
    next_phase = round_.phase_enum.next
    return render_template(
        "staff/round_detail.html",
        round=round_,
        figures=figures,
        next_phase=next_phase,
        next_problem=rounds_service.phase_move_problem(round_, next_phase) if next_phase else None,
        latest_count=figures.latest_count,
        **_form_labels(),
    )


def _form_labels() -> dict:
    """The settings' labels and the counting rules' names, in the page's language."""
    return {
        "field_labels": round_settings.field_labels(),
        "counting_rules": {rule: _(label) for rule, label in COUNTING_RULES.items()},
        "completions": {completion: _(label) for completion, label in COMPLETIONS.items()},
    }


def _new_round_defaults() -> dict:
    today = date.today()
    return {
        "min_age": "50",
        "min_ranks": "1",
        "max_ranks": "3",
        "counting_rule": "greedy",
        "completion": "add1u",
        "categories": "\n".join(DEFAULT_CATEGORIES),
        "age_reference_date": date(today.year, today.month, 1),
    }


@bp.route("/rounds/new", methods=["GET", "POST"])
def new_round():
    form = RoundForm()
    status = 200
    if request.method == "GET":
        form.fill_defaults(_new_round_defaults())
        form.form_token.data = secrets.token_urlsafe(24)
    elif form.validate_on_submit():
        values, errors = form.read_values()
        if errors:
            _add_errors(form, _all_problems(values, errors))
            status = 400
        else:
            try:
                round_ = rounds_service.create_round(_actor(), values, form.form_token.data or "")
            except rounds_service.AlreadyCreated as exc:
                flash(exc.message, "info")
                return redirect(url_for("staff.round_detail", round_id=exc.round_id))
            except ValidationFailed as exc:
                _add_errors(form, exc.errors or {"title": exc.message})
                status = 400
            else:
                flash(_("The round “%(title)s” was created as a draft. Residents cannot see it yet.", title=round_.title),
                      "success")
                return redirect(url_for("staff.round_detail", round_id=round_.id))
    else:
        status = 400
    return render_template("staff/round_form.html", form=form, round=None, locked=(), status_message=None,
                           **_form_labels()), status


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
def edit_round(round_id: int):
    round_ = _round_or_404(round_id)
    locked = round_settings.locked_fields(round_)
    form = RoundForm()
    status = 200
    stale_message = None
    if request.method == "GET":
        form.fill_from(round_)
    else:
        # Locked fields are shown as text, so they are not posted; one that is posted
        # anyway (by hand) goes to the service, which refuses any change to it.
        posted = set(request.form.keys())
        only = {
            name for name in round_settings.ROUND_FIELDS
            if name not in locked or any(i in posted for i in FORM_INPUTS[name])
        }
        if form.validate_on_submit():
            values, errors = form.read_values(only)
            version = int(form.version.data) if (form.version.data or "").isdigit() else None
            if errors:
                _add_errors(form, _all_problems(values, errors, round_, locked))
                status = 400
            else:
                try:
                    updated = rounds_service.update_round(round_.id, _actor(), version, values)
                except StaleEdit as exc:
                    stale_message = exc.message
                    round_ = _round_or_404(round_id)
                    locked = round_settings.locked_fields(round_)
                    form = RoundForm(formdata=None)
                    form.fill_from(round_)
                    status = 409
                except (ValidationFailed, LockedField) as exc:
                    _add_errors(form, exc.errors or {"title": exc.message})
                    status = 409 if isinstance(exc, LockedField) else 400
                else:
                    flash(_("Your changes to “%(title)s” were saved.", title=updated.title), "success")
                    return redirect(url_for("staff.round_detail", round_id=updated.id))
        else:
            status = 400
    return render_template("staff/round_form.html", form=form, round=round_, locked=locked,
                           status_message=stale_message, **_form_labels()), status


@bp.route("/rounds/<int:round_id>/phase/<target>", methods=["GET", "POST"])
def phase_move(round_id: int, target: str):
    round_ = _round_or_404(round_id)
    try:
        target_phase = Phase(target)
    except ValueError:
        abort(404)
    form = PhaseMoveForm()
    error = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                moved = rounds_service.move_phase(round_.id, _actor(), target_phase.value, form.expected_phase.data or None)
            except PhaseError as exc:
                error = exc.message
                status = 409
                round_ = _round_or_404(round_id)
            else:
                flash(_("“%(title)s” is now in the phase “%(phase)s”.", title=moved.title, phase=target_phase.label),
                      "success")
                return redirect(url_for("staff.round_detail", round_id=moved.id))
        else:
            status = 400
            error = _("This form has expired. Please try again.")
    # What stands in the way of the move, shown instead of the button.
    problem = None
    current = round_.phase_enum
    if current.next != target_phase:
        if current.is_at_least(target_phase):
            problem = _("This round is already in “%(phase)s”.", phase=current.label)
        elif current.next is None:
            problem = _("The results are published. This round cannot move any further.")
        else:
            problem = _(
                "A round only moves forward one phase at a time. From “%(phase)s” "
                "the next phase is “%(next)s”.", phase=current.label, next=current.next.label
            )
    else:
        problem = rounds_service.phase_move_problem(round_, target_phase)
    form.expected_phase.data = round_.phase
    return render_template(
        "staff/phase_move.html",
        round=round_,
        target=target_phase,
        effect=move_effect(target_phase),
        form=form,
        error=error,
        problem=problem if problem != error else None,
        notes=rounds_service.phase_move_notes(round_, target_phase) if not problem else [],
    ), status


# ---------------------------------------------------------------- audit log


@bp.route("/audit")
def audit_log():
    round_id = request.args.get("round", "")
    action = request.args.get("action", "")
    page_data = audit.audit_page(
        round_id=whole_number(round_id),
        action=action or None,
        page=page_number(request.args.get("page")),
    )
    all_rounds = rounds_query.all_rounds()
    round_titles = {r.id: r.title for r in all_rounds}
    return render_template(
        "staff/audit.html",
        page=page_data,
        entries=list(zip(page_data.items, audit_log_service.sentences(page_data.items, round_titles))),
        rounds=all_rounds,
        round_titles=round_titles,
        phase_labels={p.value: p.label for p in Phase},
        actions=audit_log_service.action_choices(audit.audit_actions()),
        selected_round=round_id if round_id.isdigit() else "",
        selected_action=action,
        field_labels=round_settings.field_labels(),
    )


# ---------------------------------------------------------------- staff accounts (administrators)


def _require_admin() -> None:
    if not current_user.is_admin:
        abort(403)


@bp.route("/accounts", methods=["GET", "POST"])
def accounts():
    _require_admin()
    form = StaffAccountForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                user = staff_accounts.create_staff(
                    actor=_actor(), email=form.email.data or "", name=form.name.data or "",
                    password=form.password.data or "", admin=bool(form.admin.data),
                )
            except ValidationFailed as exc:
                for name, message in (exc.errors or {"email": exc.message}).items():
                    field = getattr(form, name, form.email)
                    field.errors = list(field.errors) + [message]
                status = 400
            else:
                flash(_("%(name)s can now sign in with %(email)s.", name=user.name, email=user.email), "success")
                return redirect(url_for("staff.accounts"))
        else:
            status = 400
    return render_template("staff/accounts.html", form=form, staff=staff_accounts.list_staff(),
                           action_form=ActionForm()), status


def _account_action(user_id: int, action, done: str):
    """Switch a staff account off or on (administrators only), flash `done` (a message with %(name)s, translated
    here) and go back to the list."""
    _require_admin()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        user = action(actor=_actor(), user_id=user_id)
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_(done, name=user.name), "success")
    return redirect(url_for("staff.accounts"))


@bp.route("/accounts/<int:user_id>/deactivate", methods=["POST"])
def deactivate_account(user_id: int):
    return _account_action(user_id, staff_accounts.deactivate_staff,
                           N_("%(name)s's account is switched off and they have been signed out."))


@bp.route("/accounts/<int:user_id>/reactivate", methods=["POST"])
def reactivate_account(user_id: int):
    return _account_action(user_id, staff_accounts.reactivate_staff,
                           N_("%(name)s's account is switched on again. They can sign in with their password."))
