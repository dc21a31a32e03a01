"""The resident's ballot: choose, review, cast, and the receipt.

The ranking travels from the ballot to the review page and back in form fields, never
in a URL (so it cannot end up in a web server's access log), and is checked again on
the server when the vote is cast: a hidden field changed in between is refused.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.domain.phases import Phase
from pb.extensions import limiter
from pb.models import Channel, Round, User, VotingCode
from pb.services import ballots, receipts, rounds_query, verification, verification_letters
from pb.services.eligibility import why_cannot_take_part
from pb.services.voting_codes import get_code_voter
from pb.domain.errors import (
    AlreadyVoted,
    DomainError,
    InvalidRanking,
    NotEligible,
    NotFound,
    NotSignedIn,
    NotVerified,
    VotingClosed,
)
from pb.templating import LOGIN_SESSION_KEY
from pb.voting.forms import rank_fields
from pb.domain.ranking import next_ballot_step, read_ranking

bp = Blueprint("voting", __name__)

RECEIPT_KEY = "voting_receipt"


@bp.before_request
def _never_cached():
    """Choices and receipts stay out of browser caches, also for code voters who are not signed in."""
    g.no_store = True


class NoVoter(Exception):
    """Nobody is signed in and no voting code was entered for this round."""


def _public_round(round_id: int) -> Round:
    try:
        return rounds_query.get_public_round(round_id)
    except NotFound:
        abort(404)


def _code_entry(round_id: int) -> dict | None:
    """The voting code entered for this round in this session, if any."""
    entry = session.get("code_voter")
    return entry if isinstance(entry, dict) and entry.get("round_id") == round_id else None


def _current_voter(round_id: int) -> tuple[User, VotingCode | None]:
    """Who is voting in this round: the holder of a voting code entered for it, or the signed-in resident."""
    entry = _code_entry(round_id)
    if entry is not None:
        try:
            code, user = get_code_voter(entry.get("code_id"), round_id)
        except DomainError:
            session.pop("code_voter", None)
            raise
        return user, code
    if current_user.is_authenticated:
        return current_user._get_current_object(), None
    raise NoVoter()


def _casting_voter(round_id: int) -> tuple[User | ballots.SignedInVoter, VotingCode | None]:
    """Who is casting: a voting code's holder, or the resident the session says is signed in.

    A signed-in resident is not looked up here: cast_ballot checks the session's token
    against their account in the same statement that reads their eligibility.
    """
    login = User.parse_login_id(session.get(LOGIN_SESSION_KEY))
    if _code_entry(round_id) is not None or login is None:
        return _current_voter(round_id)
    return ballots.SignedInVoter(*login), None


def _sign_in_first(round_id: int):
    flash(_("Please sign in to vote. If you have a voting code from a letter, use that instead."), "info")
    target = url_for("voting.ballot", round_id=round_id)
    return redirect(url_for("auth.sign_in", next=target))


def _projects_by_id(projects) -> dict[int, object]:
    return {p.id: p for p in projects}


def _ballot_page(round_: Round, step: int = 1, values: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None, status: int = 200, code_voter: bool = False,
                 voter_key: str | None = None, projects=None):
    """One page of the ballot: the choices so far, and every project with a radio button for the next.

    `projects`: the voter's ballot_projects when the caller has them already.
    """
    projects = ballots.ballot_projects(round_, voter_key) if projects is None else projects
    fields = rank_fields(round_)[: len(projects)]  # no more choices than there are projects
    values = values or {}
    step = max(1, min(step, len(fields) or 1))
    by_id = _projects_by_id(projects)
    so_far = [(n, by_id[int(values[f"rank{n}"])]) for n in range(1, step)
              if values.get(f"rank{n}", "").isdigit() and int(values[f"rank{n}"]) in by_id]
    return render_template(
        "voting/ballot.html",
        round=round_,
        projects=projects,
        fields=fields,
        field=fields[step - 1] if fields else None,
        step=step,
        so_far=so_far,
        chosen_at={p.id: n for n, p in so_far},
        values=values,
        carried={k: v for k, v in values.items() if k != f"rank{step}"},
        categories=sorted({p.category for p in projects if p.category}),
        errors=errors or {},
        code_voter=code_voter,
    ), status


def _step_of(errors: dict[str, str]) -> int:
    """The ballot page an error belongs on: rank2's error goes on the 2nd choice's page."""
    numbers = [int(name[4:]) for name in errors if name.startswith("rank") and name[4:].isdigit()]
    return min(numbers) if numbers else 1


def _review_page(round_: Round, voter, code: VotingCode | None, chosen):
    """Check your choices: the ranking in plain English, then "Cast my vote" (or the ballot with its error)."""
    try:
        ranking = ballots.check_ranking(round_, chosen)
    except InvalidRanking as exc:
        return _ballot_page(round_, step=_step_of(exc.errors), values=chosen.values, errors=exc.errors,
                            status=400, code_voter=code is not None, voter_key=_voter_key(round_.id, voter))
    by_id = _projects_by_id(ballots.ballot_projects(round_))
    choices = [by_id[pid] for pid in ranking]
    return render_template("voting/review.html", round=round_, choices=choices, voter=voter,
                           values={f"rank{n}": str(p.id) for n, p in enumerate(choices, start=1)},
                           projects_count=len(by_id), code_voter=code is not None,
                           ballot_token=receipts.issue_ballot_token())


def _refusal(round_: Round, exc: DomainError, voter: User | None = None):
    """The page for a ballot that cannot be taken: voting not open, already voted, not eligible."""
    if isinstance(exc, VotingClosed):
        return render_template("voting/closed.html", round=round_, message=exc.message), 409
    if isinstance(exc, AlreadyVoted):
        return render_template("voting/already_voted.html", round=round_, message=exc.message), 409
    if isinstance(exc, NotVerified) and isinstance(voter, User):
        # Nothing of the ballot is kept: the resident is told how to get checked, and comes back.
        return render_template("voting/verify_first.html", round=round_, message=exc.message, voter=voter,
                               ways=verification_letters.ways_to_verify(voter)), 403
    if isinstance(exc, NotEligible):
        return render_template("voting/not_eligible.html", round=round_, message=exc.message, voter=voter), 403
    return render_template("voting/problem.html", round=round_, message=exc.message), exc.status_code


def _why_not(round_: Round, voter: User, code: VotingCode | None) -> DomainError | None:
    """The reason this voter cannot see a ballot now, checked before showing one (casting checks again)."""
    if round_.phase != Phase.VOTING_OPEN:
        return VotingClosed(ballots.closed_message(round_))
    reason = why_cannot_take_part(voter, round_)
    if reason:
        return NotEligible(reason)
    if ballots.has_voted(round_.id, voter.id):
        return AlreadyVoted(_(ballots.ALREADY_VOTED))
    if ballots.paper_ballot_waiting(round_.id, voter.id):
        return AlreadyVoted(_(ballots.ALREADY_VOTED_ON_PAPER))
    if code is None and verification.must_verify_first(voter, round_):
        return NotVerified(verification.not_verified_message(round_))
    return None


def _start(round_id: int):
    """(round, voter, code, refusal response or None) for every step of the ballot."""
    round_ = _public_round(round_id)
    try:
        voter, code = _current_voter(round_id)
    except NoVoter:
        if round_.phase != Phase.VOTING_OPEN:
            return round_, None, None, _page_for(_refusal(round_, VotingClosed(ballots.closed_message(round_))))
        return round_, None, None, _sign_in_first(round_id)
    except DomainError as exc:  # a voting code that no longer works: its own status
        return round_, None, None, _refusal(round_, exc)
    problem = _why_not(round_, voter, code)
    if problem is not None:
        return round_, voter, code, _page_for(_refusal(round_, problem, voter))
    return round_, voter, code, None


def _page_for(refusal):
    """Opening the ballot and being told why not is a page like any other (200); a refused form post keeps its status."""
    response, status = refusal
    return response, 200 if request.method in ("GET", "HEAD") else status


@bp.route("/rounds/<int:round_id>/vote", methods=["GET", "POST"])
def ballot(round_id: int):
    """The ballot, one choice per page. Each page posts back here; after the last choice, the check page."""
    round_, voter, code, refusal = _start(round_id)
    if refusal is not None:
        return refusal
    voter_key = _voter_key(round_id, voter)
    if request.method == "GET":
        return _ballot_page(round_, code_voter=code is not None, voter_key=voter_key)
    projects = ballots.ballot_projects(round_, voter_key)
    steps = min(round_.max_ranks, len(projects))
    outcome = next_ballot_step(request.form, steps=steps, min_ranks=round_.min_ranks,
                               titles={p.id: p.title for p in projects})
    if outcome.step is None:
        return _review_page(round_, voter, code, outcome.ranking)
    return _ballot_page(round_, step=outcome.step, values=outcome.values, errors=outcome.errors,
                        status=400 if outcome.errors else 200, code_voter=code is not None, voter_key=voter_key,
                        projects=projects)


@bp.route("/rounds/<int:round_id>/vote/review", methods=["GET", "POST"])
def review(round_id: int):
    """Check your choices, for a ballot sent with all its choices at once."""
    if request.method == "GET":
        return redirect(url_for("voting.ballot", round_id=round_id))
    round_, voter, code, refusal = _start(round_id)
    if refusal is not None:
        return refusal
    try:
        chosen = read_ranking(request.form)
    except InvalidRanking as exc:
        return _ballot_page(round_, errors=exc.errors, status=400, code_voter=code is not None,
                            voter_key=_voter_key(round_id, voter))
    return _review_page(round_, voter, code, chosen)


def _voter_key(round_id: int, voter) -> str:
    """Who the ballot form's token is bound to: the voting code entered, or the signed-in account."""
    entry = _code_entry(round_id)
    if entry is not None:
        return ballots.code_voter_key(entry.get("code_id"))
    return f"user:{voter.user_id if isinstance(voter, ballots.SignedInVoter) else voter.id}"


def _show_receipt(round_id: int, receipt: str, recovered: bool = False):
    session.pop("code_voter", None)
    session[RECEIPT_KEY] = {"round_id": round_id, "receipt": receipt, "recovered": recovered}
    return redirect(url_for("voting.receipt", round_id=round_id), code=303)


def _recovered(round_id: int, token: receipts.BallotToken | None, voter_key: str | None):
    """The receipt page again, for a voter who sent the same form twice and whose ballot is stored."""
    if token is None or voter_key is None or not token.can_recover:
        return None
    code = receipts.token_receipt_code(round_id, voter_key, token)
    return _show_receipt(round_id, code, recovered=True) if ballots.receipt_cast(round_id, code) else None


@bp.route("/rounds/<int:round_id>/vote/cast", methods=["POST"])
@limiter.exempt  # a community centre's residents share one address; each can vote only once anyway
def cast(round_id: int):
    """Cast the vote. Everything is checked again here, inside the transaction that stores it.

    The same form sent again (its answer was lost, or the voter pressed the button twice) shows the
    receipt of the ballot it cast, for a while (pb.services.receipts).
    """
    token = receipts.read_ballot_token(request.form.get("ballot_token"))
    entry = _code_entry(round_id)  # read first: a code that no longer works is taken out of the session
    try:
        voter, code = _casting_voter(round_id)
    except NoVoter:
        return _sign_in_first(round_id)
    except DomainError as exc:  # e.g. the voting code, used by this very form a moment ago
        return (_recovered(round_id, token, f"code:{entry.get('code_id')}" if entry else None)
                or _refusal(_public_round(round_id), exc))
    voter_key = _voter_key(round_id, voter)
    values: dict[str, str] = {}
    try:
        chosen = read_ranking(request.form)
        values = chosen.values
        receipt = ballots.cast_ballot(
            round_id, voter, chosen.ranking, Channel.ONLINE, voting_code=code, fields=chosen,
            receipt_code=receipts.token_receipt_code(round_id, voter_key, token) if token else None)
    except InvalidRanking as exc:
        return _ballot_page(_public_round(round_id), step=_step_of(exc.errors), values=values, errors=exc.errors,
                            status=400, code_voter=code is not None, voter_key=voter_key)
    except NotFound:
        abort(404)
    except NotSignedIn:
        return _sign_in_first(round_id)
    except (AlreadyVoted, VotingClosed, NotEligible) as exc:
        recovered = _recovered(round_id, token, voter_key) if isinstance(exc, (AlreadyVoted, VotingClosed)) else None
        return recovered or _refusal(
            _public_round(round_id), exc,
            current_user._get_current_object() if code is None and current_user.is_authenticated else voter)
    return _show_receipt(round_id, receipt)


@bp.route("/rounds/<int:round_id>/vote/receipt")
def receipt(round_id: int):
    """Your vote has been cast: the receipt code, what it is for, and what happens next."""
    round_ = _public_round(round_id)
    data = session.get(RECEIPT_KEY)
    if not isinstance(data, dict) or data.get("round_id") != round_id:
        if current_user.is_authenticated and ballots.has_voted(round_id, current_user.id):
            return render_template("voting/already_voted.html", round=round_, message=_(ballots.ALREADY_VOTED))
        return redirect(url_for("voting.ballot", round_id=round_id))
    return render_template("voting/receipt.html", round=round_, receipt=data["receipt"],
                           recovered=bool(data.get("recovered")))
