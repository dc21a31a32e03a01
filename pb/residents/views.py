"""Residents' pages: vote with a code, and their own account (registering is in pb.residents.register_views)."""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user, login_required

from pb import i18n
from pb.residents.forms import ConfirmForm, VotingCodeForm
from pb.residents.throttle import code_limits
from pb.services import residents as residents_service
from pb.services import verification, verification_letters, voting_codes
from pb.domain.errors import DomainError
from pb.services import resident_data
from pb.services.eligibility import reason_words, who_can_take_part
from pb.services import proposals

bp = Blueprint("residents", __name__)


@bp.route("/vote-with-code", methods=["GET", "POST"])
@code_limits
def vote_with_code():
    form = VotingCodeForm()
    if form.validate_on_submit():
        try:
            code = voting_codes.find_usable_code(form.code.data)
        except voting_codes.CodeNotRecognised as exc:
            # Shown again as typed, so a slip ("O" for "0") can be spotted and corrected.
            form.show_errors(exc.errors or {"code": exc.message})
        except DomainError as exc:
            form.show_errors(exc.errors or {"code": exc.message})
            form.code.data = None  # a real code is not put back into the page
        else:
            session["code_voter"] = {"code_id": code.id, "round_id": code.round_id}
            if current_app.view_functions.get("voting.ballot"):
                return redirect(url_for("voting.ballot", round_id=code.round_id))
            return redirect(url_for("main.round_page", round_id=code.round_id))
    return render_template("residents/vote_with_code.html", form=form), 400 if form.errors else 200


@bp.route("/account")
@login_required
def account():
    user = current_user._get_current_object()
    rounds = resident_data.rounds_to_take_part_in(user)
    return render_template(
        "residents/account.html",
        user=user,
        ways=verification_letters.ways_to_verify(user),
        must_verify={r.id: verification.not_verified_message(r) for r, _, _ in rounds
                     if verification.must_verify_first(user, r)},
        voted=resident_data.rounds_voted_in(user),
        proposals=proposals.proposals_of(user),
        status_label=residents_service.status_label(user.eligibility_status),
        reason_words=reason_words,
        rounds=rounds,
        who={r.id: who_can_take_part(r) for r, _, _ in rounds},
    )


@bp.route("/account/language", methods=["POST"])
@login_required
def set_language():
    """The resident's own language: for their pages from now on (on this browser too), and their letters."""
    user = current_user._get_current_object()
    try:
        residents_service.set_language(user, request.form.get("language"), i18n.languages(current_app))
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("residents.account") + "#language")
    i18n.remember_language(user.language)
    with force_locale(user.language):
        flash(_("Your language is saved."), "success")
    return redirect(url_for("residents.account"))


@bp.route("/account/export.json")
@login_required
def export():
    data = resident_data.export_data(current_user._get_current_object())
    body = json.dumps(data, indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-pb-data.json"', "Cache-Control": "no-store"},
    )


@bp.route("/account/delete-request", methods=["GET", "POST"])
@login_required
def delete_request():
    form = ConfirmForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        resident_data.request_deletion(user)
        flash(
            _("We have your request. A member of staff will delete your details within one month. "
              "Until then you can still sign in."),
            "success",
        )
        return redirect(url_for("residents.account"))
    return render_template("residents/delete_request.html", user=user, form=form)
