"""Paper and assisted voting: staff find the resident, check who they are, and key their paper ballot.

Every URL here is under /staff, so only signed-in staff reach it (web.deny_by_default).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from pb import i18n
from pb.content_text import render_in_language
from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import Round, User
from pb.services import ballots, rounds_query
from pb.domain.errors import AlreadyVoted, DomainError, InvalidRanking, NotAllowed, NotEligible, NotFound, PaperEntriesDisagree, VotingClosed
from pb.voting.forms import ResidentSearchForm, rank_fields
from pb.services import turnout
from pb.services import residents
from pb.services import paper_ballots
from pb.services import eligibility
from pb.domain.ranking import choices_to_refill, read_ranking

bp = Blueprint("voting_staff", __name__, url_prefix="/staff")

PAPER_RECEIPT_KEY = "paper_receipt"


def _round(round_id: int) -> Round:
    try:
        return rounds_query.get_round(round_id)
    except NotFound:
        abort(404)


def _resident(user_id: int):
    try:
        return residents.get_resident(user_id)
    except NotFound:
        abort(404)


def _closed_page(round_: Round):
    return render_template("voting_staff/closed.html", round=round_,
                           unfinished=paper_ballots.unfinished_paper_count(round_.id)), 409


@bp.route("/rounds/<int:round_id>/paper/unfinished/discard", methods=["POST"])
def paper_discard_unfinished(round_id: int):
    """After voting closes: remove paper ballots that were keyed only once (they were never counted)."""
    return _discard(round_id, lambda actor: paper_ballots.discard_unfinished_paper_entries(round_id, actor),
                    lambda n: ngettext("%(num)s unfinished paper ballot was removed.",
                                       "%(num)s unfinished paper ballots were removed.", n),
                    missing_is_404=True)


def _discard(round_id: int, action, done, missing_is_404: bool = False) -> object:
    """Run a discard as the signed-in member of staff, say what happened, and go back to paper voting."""
    try:
        result = action(current_user._get_current_object())
    except NotFound as exc:
        if missing_is_404:
            abort(404)
        flash(exc.message, "error")
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(done(result), "success")
    return redirect(url_for("voting_staff.paper", round_id=round_id))


@bp.route("/rounds/<int:round_id>/paper")
def paper(round_id: int):
    """Find the resident whose paper ballot you are entering, and see first keyings waiting for a second."""
    round_ = _round(round_id)
    if round_.phase != Phase.VOTING_OPEN:
        return _closed_page(round_)
    form = ResidentSearchForm(request.args)
    matches = None
    if form.has_query and form.validate():
        dob = form.date_of_birth()
        if not form.errors and not form.dob_day.errors:
            matches = paper_ballots.find_residents(round_, form.name.data, form.postcode.data, dob)
    return render_template(
        "voting_staff/paper.html",
        round=round_,
        form=form,
        matches=matches,
        pending=paper_ballots.pending_paper_entries(round_id) if round_.paper_double_entry else [],
        turnout=turnout.ballots_by_channel(round_id),
    )


@bp.route("/rounds/<int:round_id>/paper/print")
def paper_print(round_id: int):
    """A blank paper ballot to print, in the language the resident reads (?language=CODE).

    The ballot is rendered in that language; the page around it stays in the staff's own. The projects
    are in the order of the printed paper ballot, by title, as the online ballot lists them in a round
    with a fixed order (and as the paper entry page lists them for keying). An unknown language is
    answered with the form and a message, never a ballot.
    """
    round_ = _round(round_id)
    known = i18n.languages(current_app)
    asked = (request.args.get("language") or "").strip().lower()
    language = known.get(asked) if asked else None
    errors: dict[str, str] = {}
    if asked and language is None:
        errors["language"] = _("There is no ballot in that language. Choose a language from the list.")
    projects = ballots.ballot_projects(round_)
    ready = len(projects) >= max(1, round_.min_ranks)
    ballot_html, untranslated = None, False
    if language is not None and ready:
        ballot_html, untranslated = render_in_language(
            language.code, "voting_staff/_paper_ballot.html", round=round_, projects=projects, language=language,
            choices=min(round_.max_ranks, len(projects)),
        )
    return render_template(
        "voting_staff/paper_print.html",
        round=round_,
        ballot_languages=list(known.values()),
        language=language,
        chosen=language.code if language else "en",
        errors=errors,
        ready=ready,
        ballot=ballot_html,
        untranslated=untranslated,
    )


def _entry_page(round_: Round, resident, values=None, errors=None, identity_checked=False, status=200):
    entry = paper_ballots.pending_paper_entry(round_.id, resident.id) if round_.paper_double_entry else None
    return render_template(
        "voting_staff/paper_entry.html",
        round=round_,
        resident=resident,
        projects=ballots.ballot_projects(round_),
        fields=rank_fields(round_, for_staff=True),
        values=values or {},
        errors=errors or {},
        identity_checked=identity_checked,
        entry=entry,
        first_keyer=db.session.get(User, entry.entered_by_id) if entry and entry.entered_by_id else None,
        mismatches=paper_ballots.paper_mismatch_for(entry) if entry else [],
        voted_channel=ballots.voted_channel(round_.id, resident.id),
        problem=eligibility.why_cannot_take_part(resident, round_),
    ), status


def _identity_checked() -> bool:
    return request.form.get("identity_checked") in ("y", "yes", "on", "1", "true")


@bp.route("/rounds/<int:round_id>/paper/residents/<int:user_id>", methods=["GET", "POST"])
def paper_entry(round_id: int, user_id: int):
    """Key a resident's paper ballot. A POST here is "Change" from the check page: the form comes back filled in."""
    round_ = _round(round_id)
    if round_.phase != Phase.VOTING_OPEN:
        return _closed_page(round_)
    resident = _resident(user_id)
    values = choices_to_refill(request.form) if request.method == "POST" else {}
    return _entry_page(round_, resident, values=values, identity_checked=_identity_checked())


@bp.route("/rounds/<int:round_id>/paper/residents/<int:user_id>/check", methods=["POST"])
def paper_review(round_id: int, user_id: int):
    """Check the keyed ranking against the paper form before storing it."""
    round_ = _round(round_id)
    if round_.phase != Phase.VOTING_OPEN:
        return _closed_page(round_)
    resident = _resident(user_id)
    entry = paper_ballots.pending_paper_entry(round_id, resident.id) if round_.paper_double_entry else None
    identity = _identity_checked()
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    ranking: list[int] = []
    try:
        chosen = read_ranking(request.form)
        values = chosen.values
        ranking = ballots.check_ranking(round_, chosen, for_staff=True)
    except InvalidRanking as exc:
        errors.update(exc.errors)
    if entry is None and not identity:
        errors["identity_checked"] = _("Tick the box to confirm you have checked this person's identity.")
    if errors:
        return _entry_page(round_, resident, values=values, errors=errors, identity_checked=identity, status=400)
    by_id = {p.id: p for p in ballots.ballot_projects(round_)}
    return render_template(
        "voting_staff/paper_review.html",
        round=round_,
        resident=resident,
        choices=[by_id[pid] for pid in ranking],
        identity_checked=identity,
        entry=entry,
    )


@bp.route("/rounds/<int:round_id>/paper/residents/<int:user_id>/store", methods=["POST"])
def paper_store(round_id: int, user_id: int):
    """Store the paper ballot (or, with double entry, the first keying, or cast it when two keyings agree)."""
    round_ = _round(round_id)
    resident = _resident(user_id)
    identity = _identity_checked()
    values: dict[str, str] = {}
    try:
        chosen = read_ranking(request.form)
        values = chosen.values
        result = paper_ballots.enter_paper_ballot(round_id, resident.id, chosen.ranking, current_user._get_current_object(),
                                            identity_checked=identity, fields=chosen)
    except VotingClosed:
        return _closed_page(round_)
    except InvalidRanking as exc:
        return _entry_page(round_, resident, values=values, errors=exc.errors, identity_checked=identity, status=400)
    except PaperEntriesDisagree as exc:
        flash(exc.message, "error")
        return _entry_page(round_, resident, errors={}, identity_checked=identity, status=409)
    except (AlreadyVoted, NotEligible, NotAllowed) as exc:
        flash(exc.message, "error")
        return redirect(url_for("voting_staff.paper", round_id=round_id))
    if result.waiting_for_second:
        flash(
            _("The first entry of %(name)s's paper ballot is saved. It will be counted once a different "
              "member of staff keys the same paper form again and both entries agree.", name=resident.name),
            "success",
        )
        return redirect(url_for("voting_staff.paper", round_id=round_id))
    session[PAPER_RECEIPT_KEY] = {"round_id": round_id, "receipt": result.receipt, "name": resident.name}
    return redirect(url_for("voting_staff.paper_receipt", round_id=round_id), code=303)


@bp.route("/rounds/<int:round_id>/paper/residents/<int:user_id>/discard", methods=["POST"])
def paper_discard(round_id: int, user_id: int):
    """Throw away a first keying so the paper form can be keyed afresh."""
    resident = _resident(user_id)
    return _discard(round_id, lambda actor: paper_ballots.discard_paper_entry(round_id, resident.id, actor),
                    lambda _result: _("The first entry of %(name)s's paper ballot was discarded. Key the paper form again.",
                                      name=resident.name))


@bp.route("/rounds/<int:round_id>/paper/receipt")
def paper_receipt(round_id: int):
    """The stored paper ballot's receipt code, printable as a slip for the voter."""
    round_ = _round(round_id)
    data = session.get(PAPER_RECEIPT_KEY)
    if not isinstance(data, dict) or data.get("round_id") != round_id:
        return redirect(url_for("voting_staff.paper", round_id=round_id))
    return render_template("voting_staff/paper_receipt.html", round=round_, receipt=data["receipt"], name=data["name"])
