"""Staff review of suspicious registrations: the groups to check, staff's actions on them, and the
administrator's settings. Every /staff URL is staff-only (deny_by_default in pb.web); the
settings page also checks that the member of staff is an administrator."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from pb.domain import suspicion
from pb.domain.errors import DomainError
from pb.residents.suspicious_forms import AskToVerifyForm, CheckGroupForm, RefuseGroupForm, SuspicionSettingsForm
from pb.services import residents as residents_service
from pb.services import site_settings
from pb.services import suspicious_registrations as service

bp = Blueprint("suspicious_staff", __name__, url_prefix="/staff/suspicious-registrations")

FORMS = {"check": CheckGroupForm, "verify": AskToVerifyForm, "refuse": RefuseGroupForm}


def _actor():
    return current_user._get_current_object()


def _slug(group: suspicion.Group) -> str:
    return f"{group.kind}-{group.group_key}"


def _forms_for(group: suspicion.Group, failed: tuple[str, str, str, object] | None) -> dict[str, object]:
    """The group's three action forms, empty, except the one that was just posted with errors."""
    forms = {}
    for action, form_class in FORMS.items():
        if failed and failed[:3] == (group.kind, group.group_key, action):
            form = failed[3]
        else:
            form = form_class(formdata=None)
            form.members_seen.data = suspicion.members_text(group.member_ids)
        forms[action] = form.for_group(_slug(group))
    return forms


def _overview(failed=None, status: int = 200):
    review = service.review()
    return render_template(
        "suspicious/overview.html",
        review=review,
        kinds=suspicion.KINDS,
        kind_labels=suspicion.KIND_LABELS,
        shared_address_limit=suspicion.SHARED_ADDRESS_LIMIT,
        forms={_slug(g): _forms_for(g, failed) for g in review.groups},
        failed_form=failed[3] if failed else None,
        status_label=residents_service.status_label,
    ), status


@bp.route("/")
def overview():
    return _overview()


def _group_action(kind: str, group_key: str, action: str, run, done):
    """Post an action on a group: the service re-reads it; an error is shown next to the form that was posted."""
    if kind not in suspicion.KINDS:
        abort(404)
    form = FORMS[action]()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = run(form)
    except DomainError as exc:
        if exc.field and form.has_visible(exc.field):
            form.show_errors(exc.errors)
            return _overview(failed=(kind, group_key, action, form), status=400)
        # The group is gone or has changed: the list, read again, shows it as it is now.
        flash(exc.message, "error")
        return redirect(url_for("suspicious_staff.overview"))
    flash(done(result), "success")
    return redirect(url_for("suspicious_staff.overview"))


@bp.route("/<kind>/<group_key>/check", methods=["POST"])
def check(kind: str, group_key: str):
    return _group_action(
        kind, group_key, "check",
        lambda form: service.mark_checked(_actor(), kind, group_key, form.note.data, form.members_seen.data),
        lambda group: ngettext("Marked as checked: %(num)s resident. The group will show again if anyone new joins it.",
                               "Marked as checked: %(num)s residents. The group will show again if anyone new joins it.", group.size),
    )


@bp.route("/<kind>/<group_key>/ask-to-verify", methods=["POST"])
def ask_to_verify(kind: str, group_key: str):
    return _group_action(
        kind, group_key, "verify",
        lambda form: service.ask_to_verify(_actor(), kind, group_key, form.members_seen.data),
        lambda n: ngettext("%(num)s resident must now be verified before they can vote.",
                           "%(num)s residents must now be verified before they can vote.", n),
    )


@bp.route("/<kind>/<group_key>/refuse", methods=["POST"])
def refuse(kind: str, group_key: str):
    return _group_action(
        kind, group_key, "refuse",
        lambda form: service.refuse_group(_actor(), kind, group_key, form.reason.data, form.members_seen.data),
        lambda n: ngettext("%(num)s resident can no longer take part. Each of them will see the reason you gave.",
                           "%(num)s residents can no longer take part. Each of them will see the reason you gave.", n),
    )


# ---------------------------------------------------------------- settings (administrators)


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    if not current_user.is_admin:
        abort(403)
    form = SuspicionSettingsForm()
    status = 200
    if request.method == "GET":
        for key in form.KEYS:
            getattr(form, key).data = site_settings.get_setting(key)
    elif form.validate_on_submit():
        try:
            changed = site_settings.update_settings(_actor(), form.values())
        except DomainError as exc:
            form.show_errors(exc.errors or {"suspicious_postcode_threshold": exc.message})
            status = 400
        else:
            flash(_("Settings saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("suspicious_staff.settings"))
    else:
        status = 400
    return render_template("suspicious/settings.html", form=form), status
