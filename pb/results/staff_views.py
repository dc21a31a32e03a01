"""Staff: count a closed round, check the preview, compare the two rules, then go on to publish.

Every /staff URL is staff-only (enforced for the whole prefix). While voting is open nobody,
staff included, sees counts: the page refuses with 403 and says why.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from pb.domain.phases import Phase
from pb.results.charts import Bar, score_bar_chart
from pb.results.forms import CountForm
from pb.results import explain
from pb.services import counting, counts, rounds_query, turnout
from pb.services.proposals import shortlisted_proposals
from pb.domain.errors import DomainError, NotFound

bp = Blueprint("results_staff", __name__, url_prefix="/staff")


@bp.route("/rounds/<int:round_id>/count", methods=["GET", "POST"])
def count(round_id: int):
    try:
        round_ = rounds_query.get_round(round_id)
    except NotFound:
        abort(404)
    if not round_.phase_enum.is_at_least(Phase.VOTING_CLOSED):
        body = render_template("results_staff/not_yet.html", round=round_)
        return body, 403
    form = CountForm()
    if form.validate_on_submit():
        try:
            result = counting.count_round(round_, current_user._get_current_object())
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(ngettext("The votes were counted: %(num)s project funded from %(ballots)s.",
                           "The votes were counted: %(num)s projects funded from %(ballots)s.", len(result.funded),
                           ballots=ngettext("%(count)s ballot", "%(count)s ballots", result.ballot_count,
                                            count=format(result.ballot_count, ","))), "success")
        return redirect(url_for("results_staff.count", round_id=round_id))

    result = counts.published_count(round_) or counts.latest_count(round_)
    explanation = comparison = chart = None
    problem = None
    if result is not None:
        explanation = explain.explain(round_, result)
        chart = score_bar_chart(
            [Bar(r.proposal.title, r.score, r.funded) for r in explanation.projects_by_score],
            title=_("Scores of the projects in %(title)s", title=round_.title),
        )
        try:
            comparison = counting.compare_rules(round_, result)
        except DomainError as exc:
            problem = exc.message
    proposals = {p.id: p for p in shortlisted_proposals(round_)}
    return render_template(
        "results_staff/count.html",
        round=round_,
        form=form,
        result=result,
        explanation=explanation,
        comparison=comparison,
        comparison_problem=problem,
        proposals=proposals,
        turnout=turnout.turnout(round_, result),
        chart=chart,
        published=round_.phase == Phase.RESULTS_PUBLISHED,
    )
