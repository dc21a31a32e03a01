"""Published results: the results page, a printable version, the open data page and its downloads, and
the receipt checker.

The results page is for residents: what was funded, how many voted, the receipt check. The scores
chart, how voters were known, every step of the count, the downloads, the fingerprints and how to
count again are on the open data page it links to.

Nothing here shows anything before a round's results are published: a draft round is a plain
404, any other unpublished round a 404 page that says the results are not published yet.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, render_template, request
from flask_babel import gettext as _

from pb import i18n
from pb.content_text import content_text
from pb.domain.phases import Phase
from pb.models import Round
from pb.results.charts import Bar, score_bar_chart
from pb.extensions import csrf
from pb.results.forms import ReceiptForm
from pb.results import explain
from pb.services import counts, open_data, receipts, rounds_query, turnout, verification
from pb.domain.errors import NotFound, ValidationFailed

bp = Blueprint("results", __name__)


def _published_round(round_id: int) -> tuple[Round, object]:
    """The round and its published count, or a 404 (saying results are not out yet when the round is public)."""
    try:
        round_ = rounds_query.get_public_round(round_id)
    except NotFound:
        abort(404)
    result = counts.published_count(round_)
    if result is None:
        abort(_not_published(round_))
    return round_, result


def _not_published(round_: Round):
    body = render_template("results/not_published.html", round=round_)
    return Response(body, status=404)


def _download(text: str | bytes, filename: str, mimetype: str, etag: str | None = None) -> Response:
    response = Response(text, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if etag is not None:  # the file's SHA-256: a repeat download of the same file is answered 304
        response.set_etag(etag)
        response.make_conditional(request)
    return response


def _page_context(round_: Round, result, *, with_chart: bool = False) -> dict:
    explanation = explain.explain(round_, result)
    context = {
        "round": round_,
        "result": result,
        "explanation": explanation,
        "turnout": turnout.turnout(round_, result),
        "by_verification": verification.ballots_by_verification(round_.id),
    }
    if with_chart:  # only the open data page draws the scores chart
        context["chart"] = score_bar_chart(
            [Bar(content_text(r.proposal, "title")[0], r.score, r.funded) for r in explanation.projects_by_score],
            title=_("Scores of the projects in %(title)s", title=content_text(round_, "title")[0]),
            direction=i18n.page_language().direction,
        )
    return context


@bp.route("/rounds/<int:round_id>/results")
def results(round_id: int):
    round_, result = _published_round(round_id)
    return render_template("results/results.html", **_page_context(round_, result))


@bp.route("/rounds/<int:round_id>/results/open-data", endpoint="open_data")
def open_data_page(round_id: int):
    round_, result = _published_round(round_id)
    return render_template("results/open_data.html", **_page_context(round_, result, with_chart=True))


@bp.route("/rounds/<int:round_id>/results/print")
def printable(round_id: int):
    round_, result = _published_round(round_id)
    return render_template("results/print.html", **_page_context(round_, result))


@bp.route("/rounds/<int:round_id>/results/ballots.csv")
def ballots_csv(round_id: int):
    round_, result = _published_round(round_id)
    file = open_data.published_ballots_file(round_, result)
    return _download(file.data, f"round-{round_.id}-ballots.csv", "text/csv", etag=file.etag)


@bp.route("/rounds/<int:round_id>/results/ballots.pb")
def ballots_pb(round_id: int):
    round_, result = _published_round(round_id)
    file = open_data.published_pabulib_file(round_, result)
    return _download(file.data, f"round-{round_.id}.pb", "text/plain", etag=file.etag)


@bp.route("/rounds/<int:round_id>/results/results.csv")
def results_csv(round_id: int):
    round_, result = _published_round(round_id)
    return _download(explain.results_csv(round_, result), f"round-{round_.id}-results.csv", "text/csv")


@bp.route("/rounds/<int:round_id>/results/steps.json")
def steps_json(round_id: int):
    round_, result = _published_round(round_id)
    return _download(explain.steps_json(round_, result), f"round-{round_.id}-steps.json", "application/json")


@bp.route("/receipt", methods=["GET", "POST"])
@bp.route("/rounds/<int:round_id>/receipt", methods=["GET", "POST"])
@csrf.exempt  # it changes nothing; see ReceiptForm
def receipt_check(round_id: int | None = None):
    """Is my ballot among the counted ones? The code is sent by POST and the answer is never cached."""
    g.no_store = True
    if request.args:  # an old link with ?code=…: answer from a clean address, never from one holding a code
        return redirect(request.path, code=303)
    round_ = None
    if round_id is not None:
        try:
            round_ = rounds_query.get_public_round(round_id)
        except NotFound:
            abort(404)
        if round_.phase != Phase.RESULTS_PUBLISHED:
            return _not_published(round_)
    form = ReceiptForm(request.form)
    check = None
    status = 200
    if request.method == "POST":
        try:
            if round_ is None:
                code, found_round = receipts.find_receipt_round(form.code.data)
                if found_round is not None and found_round.phase == Phase.DRAFT:
                    found_round = None
                if found_round is not None and found_round.phase != Phase.RESULTS_PUBLISHED:
                    return _not_published(found_round)
                if found_round is None:
                    check = receipts.ReceiptCheck(code, False, [])
                else:
                    round_ = found_round
            if check is None:
                check = receipts.check_receipt(round_, form.code.data)
        except ValidationFailed as exc:
            form.code.errors = [exc.message]
            status = 400
    return render_template("results/receipt.html", form=form, round=round_, check=check), status
