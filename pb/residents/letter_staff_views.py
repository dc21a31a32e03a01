"""Staff pages for verification letters: the letters to send, printing a batch, marking it sent.

Printing answers with the printable letters themselves: each letter's new code appears on
that page only (never stored, never shown again, not cached). Every /staff URL is
staff-only (deny_by_default in pb.web).
"""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from pb.domain.errors import DomainError
from pb.residents.letter_forms import LetterBatchForm
from pb.templating import public_address
from pb.services import verification_letters as letters

bp = Blueprint("letters_staff", __name__, url_prefix="/staff/letters")


def _actor():
    return current_user._get_current_object()


def _queue_page(problem: str | None = None, status: int = 200):
    return render_template("letters/queue.html", queue=letters.letter_queue(), form=LetterBatchForm(formdata=None),
                           problem=problem, batch_limit=letters.BATCH_LIMIT), status


@bp.route("")
def queue():
    return _queue_page()


@bp.route("/print", methods=["POST"])
def print_letters():
    form = LetterBatchForm()
    if not form.validate_on_submit():
        return _queue_page(_("Choose the letters to print, then try again."), 400)
    try:
        # First, so that without PB_PUBLIC_URL in production nothing is printed (409, the message says what to set).
        address = public_address("letters.enter_code")
        printed = letters.print_letters(_actor(), form.letter_id.data, reprint=bool(form.reprint.data))
    except DomainError as exc:
        return _queue_page(exc.message, exc.status_code if exc.status_code in (400, 409) else 400)
    # The letters are the response to this POST: their codes are never stored or shown again.
    g.no_store = True
    return render_template(
        "letters/print.html",
        printed=printed,
        form=LetterBatchForm(formdata=None),
        address=address,
        reprint=bool(form.reprint.data),
    )


@bp.route("/sent", methods=["POST"])
def mark_sent():
    form = LetterBatchForm()
    if not form.validate_on_submit():
        return _queue_page(_("Choose the letters you have posted, then try again."), 400)
    try:
        outcome = letters.mark_sent(_actor(), form.letter_id.data)
    except DomainError as exc:
        return _queue_page(exc.message, exc.status_code if exc.status_code in (400, 409) else 400)
    if outcome.marked:
        flash(ngettext("%(num)s letter marked as sent.", "%(num)s letters marked as sent.", outcome.marked), "success")
    if outcome.not_needed:
        flash(_("Do not post the letter to %(names)s: their address has been confirmed another way since it was "
                "printed, so its code no longer works.", names=", ".join(outcome.not_needed)), "info")
    return redirect(url_for("letters_staff.queue"))
