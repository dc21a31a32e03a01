"""Residents' pages for verification letters: ask for a letter, and type the code from it.

The code page (/confirm-address) is the short address printed on the letter; the account
page includes the same form (templates/letters/_enter_code.html). Wrong codes are
throttled per address and per account (pb.residents.throttle.letter_code_limits).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pb.domain.errors import DomainError
from pb.residents.letter_forms import AskForLetterForm, LetterCodeForm
from pb.residents.throttle import letter_code_limits
from pb.services import resident_data
from pb.services import verification_letters as letters

bp = Blueprint("letters", __name__)

def _user():
    return current_user._get_current_object()


@bp.route("/confirm-address", methods=["GET", "POST"])
@letter_code_limits
@login_required
def enter_code():
    g.no_store = True
    user = _user()
    form = LetterCodeForm()
    if form.validate_on_submit():
        try:
            letters.enter_letter_code(user, form.code.data)
        except DomainError as exc:
            # Shown again as typed, so a slip can be spotted and corrected.
            form.show_errors(exc.errors or {"code": exc.message})
        else:
            return redirect(url_for("letters.confirmed"))
    return render_template("letters/enter_code.html", form=form, user=user,
                           status=letters.letter_status(user)), 400 if form.errors else 200


@bp.route("/confirm-address/done")
@login_required
def confirmed():
    user = _user()
    if user.verification != "letter":
        return redirect(url_for("letters.enter_code"))
    to_vote = [r for r, reason, voted in resident_data.rounds_to_take_part_in(user)
               if r.phase == "voting_open" and not reason and not voted]
    return render_template("letters/confirmed.html", user=user, to_vote=to_vote)


@bp.route("/account/letter", methods=["GET", "POST"])
@login_required
def ask():
    g.no_store = True
    user = _user()
    if user.is_staff:
        abort(403)
    form = AskForLetterForm()
    if not form.is_submitted():
        form.address_line.data = user.address_line
    if form.validate_on_submit():
        try:
            letters.ask_for_letter(user, form.address_line.data)
        except DomainError as exc:
            form.show_errors(exc.errors or {"address_line": exc.message})
        else:
            address = ", ".join(p for p in (letters.check_address_line(form.address_line.data), user.postcode) if p)
            flash(_("Thank you. We will post a letter to %(address)s. When it comes, type the code from it "
                    "on your account page to confirm your address.", address=address), "success")
            return redirect(url_for("residents.account"))
    return render_template("letters/ask.html", form=form, user=user,
                           status=letters.letter_status(user)), 400 if form.errors else 200
