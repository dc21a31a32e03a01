"""Home, a round's public page, how it works, the accessibility statement, and the favicon."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, send_from_directory
from flask_login import current_user

from pb.domain.phases import round_timeline
from pb.services import ballots, rounds_query
from pb.domain.errors import NotFound

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    return render_template("main/home.html", rounds=rounds_query.public_rounds())


@bp.route("/rounds/<int:round_id>")
def round_page(round_id: int):
    try:
        round_ = rounds_query.get_public_round(round_id)
    except NotFound:
        abort(404)
    return render_template("main/round.html", round=round_, your_vote=_your_vote(round_.id),
                           timeline=round_timeline(round_.phase_enum, {
                               name: getattr(round_, name) for name in (
                                   "proposals_open_on", "proposals_close_on", "voting_open_on", "voting_close_on",
                                   "results_on")}))


def _your_vote(round_id: int) -> str | None:
    """How the signed-in resident voted in this round (a channel, never a choice), "waiting" for a paper
    ballot keyed once, or None."""
    if not current_user.is_authenticated:
        return None
    if ballots.paper_ballot_waiting(round_id, current_user.id):
        return "waiting"
    return ballots.voted_channel(round_id, current_user.id)


@bp.route("/how-it-works")
def about():
    return render_template("main/about.html")


@bp.route("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: give them the SVG icon rather than a 404."""
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
