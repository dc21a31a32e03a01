"""Staff console views (every /staff URL is staff-only, enforced for the whole prefix)."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from pb.extensions import db
from pb.models import Round

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
def dashboard():
    rounds = list(db.session.scalars(select(Round).order_by(Round.id.desc())))
    return render_template("staff/dashboard.html", rounds=rounds)
