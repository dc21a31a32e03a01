"""Staff pages for residents: search, the review queue, registering someone in person,
voting-code letters, letting a resident try signing in again, deleting a resident's data, and the
people who could not take part but asked to hear about future rounds.
Every /staff URL is staff-only (enforced once for the whole prefix by deny_by_default in pb.web)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from pb import i18n
from pb.residents.forms import (
    ApproveForm,
    ConfirmForm,
    InPersonForm,
    IssueCodeForm,
    RefuseForm,
    StaffVerifyForm,
    round_choice,
)
from pb.residents.throttle import lift_sign_in_pause, sign_in_paused_until
from pb.templating import public_address, render_error
from pb.services import residents as residents_service
from pb.services import verification, voting_codes, voting_letters
from pb.domain.errors import DomainError, NotConfigured, NotFound
from pb.services.paging import page_number
from pb.services import resident_review
from pb.services import resident_data
from pb.services import proposals
from pb.services import future_rounds
from pb.services.eligibility import reason_words

bp = Blueprint("residents_staff", __name__, url_prefix="/staff/residents")


def _actor():
    return current_user._get_current_object()


def _resident_or_404(user_id: int):
    try:
        return residents_service.get_resident(user_id)
    except NotFound:
        abort(404)


@bp.route("/")
def search():
    query = (request.args.get("q") or "").strip()[:120]
    results = resident_review.search(query)
    return render_template(
        "residents_staff/search.html",
        query=query,
        results=results,
        pending_count=resident_review.pending_count(),
        deletion_count=resident_review.deletion_count(),
        future_count=future_rounds.contact_count(),
        status_label=residents_service.status_label,
    )


@bp.route("/pending")
def pending():
    return render_template(
        "residents_staff/pending.html",
        page=resident_review.pending_page(page_number(request.args.get("page"))),
        waiting=resident_review.waiting_count(),
        has_open_round=bool(residents_service.open_rounds()),
        deletions=resident_review.deletion_requests(),
        form=ConfirmForm(),
        reason_words=reason_words,
    )


@bp.route("/pending/reassess", methods=["POST"])
def reassess():
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            counts = resident_review.reassess_waiting(_actor())
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(
                _("Checked again: %(eligible)s can take part, %(pending)s need you to review them, "
                  "%(refused)s cannot take part.", eligible=counts["eligible"], pending=counts["pending"],
                  refused=counts["refused"]),
                "success",
            )
    return redirect(url_for("residents_staff.pending"))


@bp.route("/<int:user_id>")
def resident(user_id: int):
    user = _resident_or_404(user_id)
    return _render_resident(user)


def _render_resident(user, approve_form=None, refuse_form=None, verify_form=None, status=200):
    return (
        render_template(
            "residents_staff/resident.html",
            user=user,
            status_label=residents_service.status_label(user.eligibility_status),
            reason_words=reason_words,
            voted=resident_data.rounds_voted_in(user),
            codes=resident_data.codes_of(user),
            proposals=proposals.proposals_of(user),
            approve_form=approve_form or ApproveForm(formdata=None),
            refuse_form=refuse_form or RefuseForm(formdata=None),
            verify_form=verify_form or StaffVerifyForm(formdata=None),
            action_form=ConfirmForm(formdata=None),
            verified_by=resident_data.verified_by(user),
            sign_in_paused_until=sign_in_paused_until(user) if user.email and user.password_hash else None,
        ),
        status,
    )


@bp.route("/<int:user_id>/approve", methods=["POST"])
def approve(user_id: int):
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        user = resident_review.approve(_actor(), user_id, form.note.data)
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("residents_staff.resident", user_id=user_id))
    flash(_("%(name)s can now take part.", name=user.name), "success")
    return redirect(url_for("residents_staff.resident", user_id=user_id))


@bp.route("/<int:user_id>/refuse", methods=["POST"])
def refuse(user_id: int):
    form = RefuseForm()
    user = _resident_or_404(user_id)
    if form.validate_on_submit():
        try:
            user = resident_review.refuse(_actor(), user_id, form.reason.data)
        except DomainError as exc:
            if exc.field == "reason":
                form.show_errors(exc.errors)
                return _render_resident(user, refuse_form=form, status=400)
            flash(exc.message, "error")
            return redirect(url_for("residents_staff.resident", user_id=user_id))
        flash(_("%(name)s is now marked as not able to take part. They will see the reason you gave.", name=user.name), "success")
        return redirect(url_for("residents_staff.resident", user_id=user_id))
    return _render_resident(user, refuse_form=form, status=400)


@bp.route("/<int:user_id>/verify", methods=["POST"])
def verify(user_id: int):
    """Staff verify a resident they saw in person with proof, or checked on the phone."""
    user = _resident_or_404(user_id)
    form = StaffVerifyForm()
    if form.validate_on_submit():
        try:
            user = verification.verify_by_staff(_actor(), user_id, form.how.data, form.note.data)
        except DomainError as exc:
            if exc.errors:
                form.show_errors(exc.errors)
                return _render_resident(user, verify_form=form, status=400)
            flash(exc.message, "error")
            return redirect(url_for("residents_staff.resident", user_id=user_id))
        flash(_("%(name)s is now verified: checked by staff.", name=user.name), "success")
        return redirect(url_for("residents_staff.resident", user_id=user_id))
    return _render_resident(user, verify_form=form, status=400)


@bp.route("/<int:user_id>/ask-to-verify", methods=["POST"])
def ask_to_verify(user_id: int):
    """Staff ask a self-declared resident to be verified before they vote, in any round."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        user = verification.request_verification(_actor(), user_id)
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("%(name)s must now be verified before they can vote online.", name=user.name), "success")
    return redirect(url_for("residents_staff.resident", user_id=user_id))


@bp.route("/<int:user_id>/let-sign-in-again", methods=["POST"])
def let_sign_in_again(user_id: int):
    """Staff clear the count of attempts to sign in to this account (too many wrong passwords,
    perhaps someone else's), so the resident can try again at once. Audited."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    user = _resident_or_404(user_id)
    lift_sign_in_pause(_actor(), user)
    flash(_("%(name)s can try signing in again now.", name=user.name), "success")
    return redirect(url_for("residents_staff.resident", user_id=user_id))


@bp.route("/register", methods=["GET", "POST"])
def register_in_person():
    form = InPersonForm()
    form.offer_languages(i18n.languages(current_app).values())
    if form.validate_on_submit():
        try:
            outcome = residents_service.register_in_person(
                actor=_actor(), checked_id=form.checked_id.data, details=form.person_details(),
                languages=i18n.languages(current_app),
            )
        except DomainError as exc:
            form.show_errors(exc.errors or {"name": exc.message})
        else:
            label = residents_service.status_label(outcome.status)
            flash(_("%(name)s is registered. %(status)s: %(reason)s", name=outcome.user.name, status=label,
                    reason=reason_words(outcome.reason)), "success" if outcome.status == "eligible" else "info")
            return redirect(url_for("residents_staff.resident", user_id=outcome.user.id))
    return render_template("residents_staff/register.html", form=form), 400 if form.errors else 200


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
def edit(user_id: int):
    user = _resident_or_404(user_id)
    form = InPersonForm()
    form.offer_languages(i18n.languages(current_app).values())
    if request.method == "GET":
        form.name.data, form.postcode.data = user.name, user.postcode
        form.phone.data, form.email.data = user.phone, user.email
        form.language.data = user.language or ""
        if user.date_of_birth:
            born = user.date_of_birth
            form.dob_day.data, form.dob_month.data, form.dob_year.data = str(born.day), str(born.month), str(born.year)
    if form.validate_on_submit():
        try:
            outcome = residents_service.update_details(
                actor=_actor(), user_id=user_id, checked_id=form.checked_id.data, details=form.person_details(),
                languages=i18n.languages(current_app),
            )
        except DomainError as exc:
            form.show_errors(exc.errors or {"name": exc.message})
        else:
            label = residents_service.status_label(outcome.status)
            flash(_("%(name)s's details are saved. %(status)s.", name=outcome.user.name, status=label), "success")
            return redirect(url_for("residents_staff.resident", user_id=user_id))
    return render_template("residents_staff/edit.html", user=user, form=form), 400 if form.errors else 200


@bp.route("/<int:user_id>/code", methods=["GET", "POST"])
def issue_code(user_id: int):
    user = _resident_or_404(user_id)
    rounds = voting_codes.issuable_rounds()
    form = IssueCodeForm()
    form.round_id.choices = [round_choice(r.id, _("%(round)s (%(phase)s)", round=r.title, phase=r.phase_enum.label))
                            for r in rounds]
    if request.method == "GET":
        form.issued_count.data = str(voting_codes.codes_issued_count(user))
    if form.validate_on_submit():
        round_ = next((r for r in rounds if r.id == form.round_id.data), None)
        if round_ is None:
            form.round_id.errors.append(_("Choose a round that is not yet closed for voting"))
        else:
            try:
                # First, so that without PB_PUBLIC_URL in production nothing is issued (a 409 page for staff).
                address = public_address("residents.vote_with_code")
                round_address = public_address("main.round_page", round_id=round_.id)
            except NotConfigured as exc:
                return render_error(exc.status_code, _("The letter cannot be printed yet"), exc.message)
            try:
                expected = int(form.issued_count.data) if (form.issued_count.data or "").isdigit() else None
                letter = voting_letters.issue_letter(_actor(), user, round_, expected_count=expected)
            except DomainError as exc:
                form.show_errors(exc.errors or {"round_id": exc.message})
            else:
                # The letter is the response to this POST: shown once, never stored or retrievable.
                g.no_store = True
                return render_template(
                    "residents_staff/letter.html",
                    user=user,
                    round=round_,
                    letter=letter,
                    address=address,
                    round_address=round_address,
                )
    return render_template("residents_staff/issue_code.html", user=user, form=form, rounds=rounds), 400 if form.errors else 200


@bp.route("/<int:user_id>/delete", methods=["GET", "POST"])
def delete(user_id: int):
    user = _resident_or_404(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = user.name
        try:
            kept = resident_review.delete_resident(_actor(), user_id)
        except NotFound:
            abort(404)
        flash(
            # TRANSLATORS: staff; "entries" and "proposals" are "3 voter-roll entries" and "2 proposals".
            _("%(name)s's details have been deleted. %(entries)s and %(proposals)s were kept without their name, "
              "so the counts still add up.", name=name,
              entries=ngettext("%(num)s voter-roll entry", "%(num)s voter-roll entries", kept["voter_roll_rows_kept"]),
              proposals=ngettext("%(num)s proposal", "%(num)s proposals", kept["proposals_kept"])),
            "success",
        )
        return redirect(url_for("residents_staff.search"))
    return render_template(
        "residents_staff/delete.html",
        user=user,
        form=form,
        voted=resident_data.rounds_voted_in(user),
        proposals=proposals.proposals_of(user),
    )


@bp.route("/future-rounds")
def future_round_contacts():
    return render_template("residents_staff/future_rounds.html", contacts=future_rounds.contacts(), form=ConfirmForm())


@bp.route("/future-rounds/<int:contact_id>/delete", methods=["POST"])
def delete_future_round_contact(contact_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            future_rounds.delete_contact(_actor(), contact_id)
        except NotFound as exc:
            flash(exc.message, "info")
        else:
            flash(_("Their name and contact details have been deleted."), "success")
    return redirect(url_for("residents_staff.future_round_contacts"))
