"""Sign in and sign out."""
from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import Blueprint, g, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, get_locale, gettext as _
from flask_login import current_user, login_user, logout_user

from pb import i18n
from pb.auth.forms import SignInForm, SignOutForm
from pb.residents.throttle import SignInAttempt, count_sign_in_attempt, remember_device
from pb.services import auth as auth_service
from pb.templating import to_london
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


def too_many_attempts(attempt: SignInAttempt):
    """The page for an attempt the limits refused: plain words, when to try again, and who can help."""
    g.no_store = True
    wait = attempt.retry_after_seconds
    local = to_london(attempt.retry_at_datetime)
    clock = _clock(local)
    if local.date() != to_london(datetime.now(timezone.utc)).date():
        # TRANSLATORS: when signing in opens again on another day: "4:05pm on 12 March".
        clock = _("%(time)s on %(day)s", time=clock, day=_day_and_month(local))
    body = render_template("auth/too_many_attempts.html", clock=clock, a_few_minutes=wait <= 10 * 60)
    return body, 429, {"Retry-After": str(wait)}


def _clock(local: datetime) -> str:
    """A time of day in the page's language: "4:05pm" in English."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        hour = local.strftime("%I").lstrip("0") or "12"
        return f"{hour}:{local:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")
    from babel.dates import format_time
    return format_time(local, "short", locale=locale)


def _day_and_month(local: datetime) -> str:
    """A day of the year in the page's language: "12 March" in English."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        return f"{local.day} {local:%B}"
    from babel.dates import format_skeleton
    return format_skeleton("MMMMd", local, locale=locale)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        # Counted before the password is checked (pb.residents.throttle), so a burst of guesses
        # cannot slip past the limits; the right password gives its attempt back.
        attempt = count_sign_in_attempt(form.email.data)
        if attempt.refused:
            return too_many_attempts(attempt)
        try:
            user = auth_service.authenticate(form.email.data, form.password.data)
        except auth_service.SignInFailed as exc:
            form.password.errors.append(exc.message)
        else:
            attempt.succeeded()
            session.clear()  # a fresh session at sign-in
            login_user(user)
            if user.is_staff:
                # The idle clock starts now, whatever page comes next (pb.web.staff_sessions_end_when_idle).
                session[STAFF_CLOCK] = datetime.now(timezone.utc).timestamp()
            # A resident who chose a language for their account reads pb in it from now on, on this browser too.
            language = getattr(user, "language", None)
            with force_locale(language) if i18n.remember_language(language) else nullcontext():
                flash(_("You are signed in as %(name)s.", name=user.name), "success")
            default = url_for("staff.dashboard") if user.is_staff else url_for("main.home")
            response = redirect(safe_next(form.next.data, default))
            remember_device(response, user)  # this browser's attempts on the account now count apart from strangers'
            return response
    return render_template("auth/sign_in.html", form=form), 200 if not form.errors else 400


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    form = SignOutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        auth_service.sign_out(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("main.home"))
