"""Home, a round's public page, how it works, and the accessibility statement."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from pb.services import rounds_query
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
    return render_template("main/round.html", round=round_)


@bp.route("/how-it-works")
def about():
    return render_template("main/about.html")


@bp.route("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")
