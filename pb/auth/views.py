"""Sign in and sign out."""
from __future__ import annotations

from datetime import datetime, timezone

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from pb.auth.forms import SignInForm, SignOutForm
from pb.residents.throttle import sign_in_limits
from pb.services import auth as auth_service
from pb.web import STAFF_CLOCK

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, default: str) -> str:
    """Only follow `next` to a path on this site."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@sign_in_limits  # failed attempts only, per IP and per account (the email typed)
def sign_in():
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = auth_service.authenticate(form.email.data, form.password.data)
        except auth_service.SignInFailed as exc:
            form.password.errors.append(exc.message)
        else:
            session.clear()  # a fresh session at sign-in
            login_user(user)
            if user.is_staff:
                # The idle clock starts now, whatever page comes next (pb.web.staff_sessions_end_when_idle).
                session[STAFF_CLOCK] = datetime.now(timezone.utc).timestamp()
            flash(f"You are signed in as {user.name}.", "success")
            default = url_for("staff.dashboard") if user.is_staff else url_for("main.home")
            return redirect(safe_next(form.next.data, default))
    return render_template("auth/sign_in.html", form=form), 200 if not form.errors else 400


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    form = SignOutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        auth_service.sign_out(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("main.home"))
