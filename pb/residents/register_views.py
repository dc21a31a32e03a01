"""Registering online, one short page at a time: /register (about you), /register/address (where you
live), /register/how (how you want to take part) and /register/check (check your answers, choose a
password, register); then /register/done says what happens next.

The answers so far live in the session, never in a URL, and never with a password: the password is
typed on the check page, with the button that registers. Opening a later step before an earlier one
goes back to the first step not answered. Someone whose date of birth and postcode leave them out of
every open round is told why at once (/register/cannot-take-part) and nothing is saved, unless they
ask to hear about future rounds (/register/future-rounds). Every page is no-store; the step that
creates the account is throttled as registration always was (registration_limits), the others per
address (registration_step_limits).
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from pb import i18n
from pb.domain.errors import DomainError, NotEligible
from pb.residents.register_forms import AboutYouForm, ChoosePasswordForm, FutureRoundsForm, HowForm, WhereYouLiveForm
from pb.residents.throttle import REGISTRATION_ANSWERS, registration_limits, registration_step_limits
from pb.services import future_rounds
from pb.services import registration_steps as steps
from pb.services import residents as residents_service
from pb.services import verification
from pb.services.eligibility import reason_words

bp = Blueprint("register", __name__, url_prefix="/register")

ENDPOINT = {steps.ABOUT: "register.about_you", steps.ADDRESS: "register.address", steps.HOW: "register.how",
            steps.CHECK: "register.check", steps.CANNOT: "register.cannot_take_part"}
# Which step a service error belongs to, for the check page's "Change" links.
STEP_OF_FIELD = {"name": steps.ABOUT, "date_of_birth": steps.ABOUT, "postcode": steps.ADDRESS,
                 "wants_letter": steps.ADDRESS, "address_line": steps.ADDRESS, "email": steps.HOW,
                 "phone": steps.HOW, "how": steps.HOW}
FUTURE_ROUNDS_DONE = "future_rounds_asked"


def _answers() -> dict:
    return dict(session.get(REGISTRATION_ANSWERS) or {})


def _keep(answers: dict) -> None:
    session[REGISTRATION_ANSWERS] = answers


def _changing() -> bool:
    """Came from a "Change" link on the check page: go back there afterwards."""
    return request.args.get("change") == "1"


def _step(step: str):
    """A registration page: for people not signed in, not cached, and only once the steps before it are answered."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            g.no_store = True  # personal details: not kept in the browser's cache on a shared computer
            if current_user.is_authenticated:
                flash(_("You are already signed in. Sign out first to register someone else."), "info")
                return redirect(url_for("staff.dashboard") if current_user.is_staff else url_for("residents.account"))
            answers = _answers()
            missing = steps.missing_before(answers, step)
            if missing == steps.CANNOT:
                return redirect(url_for(ENDPOINT[steps.CANNOT]))
            if missing:
                flash(_(steps.ANSWER_FIRST[missing]), "info")
                return redirect(url_for(ENDPOINT[missing]))
            return view(answers, *args, **kwargs)

        return wrapped

    return decorate


def _onward(answers: dict, step: str):
    """After a step is answered: the check page when changing an answer (if nothing else is missing), else the next step."""
    if _changing():
        missing = steps.missing_before(answers, steps.CHECK)
        return redirect(url_for(ENDPOINT[missing or steps.CHECK]))
    return redirect(url_for(ENDPOINT[steps.STEPS[steps.STEPS.index(step) + 1]]))


def _page(template: str, form, answers: dict, **context):
    return render_template(template, form=form, answers=answers, changing=_changing(), steps=steps,
                           **context), 400 if form.errors else 200


def _onward_or_why_not(answers: dict, step: str):
    """Once the date of birth and postcode are known they are checked: someone they leave out is told why."""
    answers = steps.reassessed(answers)
    _keep(answers)
    if answers.get("refused"):
        return redirect(url_for(ENDPOINT[steps.CANNOT]))
    return _onward(answers, step)


def _answer(step: str, form, answers: dict, check_answers, replaces: tuple[str, ...] = ()):
    """A step's page. On a good POST its answers, checked by `check_answers(form)`, replace the old
    ones (and those named in `replaces`, so only the chosen way's answer is kept) and the person moves on."""
    if form.validate_on_submit():
        try:
            kept = check_answers(form)
        except DomainError as exc:
            form.show_errors(exc.errors or {"form": exc.message})
        else:
            for key in replaces:
                answers.pop(key, None)
            answers.update(kept)
            return _onward_or_why_not(answers, step)
    return _page(f"residents/register/{step}.html", form, answers)


@bp.route("", methods=["GET", "POST"])
@registration_step_limits
@_step(steps.ABOUT)
def about_you(answers):
    return _answer(steps.ABOUT, AboutYouForm(data=answers), answers,
                   lambda f: steps.about_you(f.name.data, f.dob_day.data, f.dob_month.data, f.dob_year.data))


@bp.route("/address", methods=["GET", "POST"])
@registration_step_limits
@_step(steps.ADDRESS)
def address(answers):
    return _answer(steps.ADDRESS, WhereYouLiveForm(data=answers), answers,
                   lambda f: steps.where_you_live(f.postcode.data, f.wants_letter.data, f.address_line.data),
                   replaces=("address_line",))


@bp.route("/how", methods=["GET", "POST"])
@registration_step_limits
@_step(steps.HOW)
def how(answers):
    return _answer(steps.HOW, HowForm(data=answers), answers,
                   lambda f: steps.how_to_take_part(f.how.data, f.email.data, f.phone.data),
                   replaces=("how", "email", "phone"))


@bp.route("/check", methods=["GET", "POST"])
@registration_limits
@_step(steps.CHECK)
def check(answers):
    form = ChoosePasswordForm()
    problems: dict[str, str] = {}
    if form.validate_on_submit():
        online = answers.get("how") == steps.ONLINE
        try:
            outcome = residents_service.register(
                **steps.registration_inputs(answers),
                password=form.password.data if online else None,
                password_confirm=form.password_confirm.data if online else None,
                network_key=verification.network_key(request.remote_addr),
                language=i18n.page_language().code,
            )
        except NotEligible as exc:
            _keep({**answers, "refused": exc.message})  # the rounds changed since "where you live"
            return redirect(url_for(ENDPOINT[steps.CANNOT]))
        except DomainError as exc:
            errors = exc.errors or {"name": exc.message}
            form.show_errors({k: v for k, v in errors.items() if k in ("password", "password_confirm")})
            problems = {k: v for k, v in errors.items() if k not in ("password", "password_confirm")}
        else:
            return _registered(outcome)
    # A password is never sent back into the page.
    form.password.data = form.password_confirm.data = None
    rows_with_problems = {STEP_OF_FIELD.get(k, steps.ABOUT): v for k, v in problems.items()}
    return render_template("residents/register/check.html", form=form, answers=answers, born=steps.born(answers),
                           letter=steps.gets_letter(answers), problems=rows_with_problems,
                           ), 400 if (form.errors or problems) else 200


def _registered(outcome):
    session.clear()  # a fresh session for the new resident; the answers go with the old one
    if outcome.user.password_hash:
        login_user(outcome.user)
    session["registration"] = {
        "name": outcome.user.name,
        "status": outcome.status,
        "reason": outcome.reason,
        "code": outcome.wants_code,
        "signed_in": bool(outcome.user.password_hash),
        "verification": outcome.user.verification,
        "letter": bool(outcome.user.address_line) and not outcome.user.is_verified,
    }
    return redirect(url_for("register.done"))


@bp.route("/done")
def done():
    outcome = session.get("registration")
    if not outcome:
        return redirect(url_for("register.about_you"))
    g.no_store = True  # personal details: not kept in the browser's cache on a shared computer
    return render_template("residents/registered.html", outcome=dict(outcome, reason=reason_words(outcome["reason"])))


# ---------------------------------------------------------------- someone who cannot take part


def _refused_answers():
    answers = _answers()
    return answers if answers.get("refused") else None


@bp.route("/cannot-take-part")
def cannot_take_part():
    g.no_store = True
    answers = _refused_answers()
    if answers is None:
        return redirect(url_for("register.about_you"))
    return render_template("residents/register/cannot_take_part.html", answers=answers, born=steps.born(answers))


@bp.route("/future-rounds", methods=["GET", "POST"])
@registration_limits
def future_rounds_form():
    g.no_store = True
    answers = _refused_answers()
    if answers is None:
        return redirect(url_for("register.about_you"))
    form = FutureRoundsForm(data={"name": answers.get("name")})
    if form.validate_on_submit():
        try:
            future_rounds.ask_to_be_told(name=form.name.data, how=form.how.data, email=form.email.data,
                                         phone=form.phone.data)
        except DomainError as exc:
            form.show_errors(exc.errors or {"name": exc.message})
        else:
            session.pop(REGISTRATION_ANSWERS, None)  # what they typed to register is not needed any more
            session[FUTURE_ROUNDS_DONE] = form.how.data
            return redirect(url_for("register.future_rounds_done"))
    return render_template("residents/register/future_rounds.html", form=form), 400 if form.errors else 200


@bp.route("/future-rounds/done")
def future_rounds_done():
    g.no_store = True
    how = session.get(FUTURE_ROUNDS_DONE)
    if not how:
        return redirect(url_for("register.about_you"))
    return render_template("residents/register/future_rounds_done.html", how=how)
