"""A count explained for the results pages: every project with its score and reason, the rule and steps in
plain English, and the two downloads made of that text (results CSV, steps JSON)."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale

from pb.domain.count_words import funding_reason, rule_summary, step_lines
from pb.domain.counting_rules import rule_label
from pb.domain.ranking import place
from pb.domain.spreadsheet import safe_cell
from pb.content_text import content_text
from pb.models import CountResult, Proposal, Round
from pb.services.verification import ballots_by_verification
from pb.services.count_cache import count_cache
from pb.services.open_data import first_preferences
from pb.services.proposals import shortlisted_proposals


@dataclass
class ProjectResult:
    proposal: Proposal
    score: int
    funded: bool
    order: int | None  # funding order (1 = funded first), None when not funded
    reason: str
    first_preferences: int = 0

    @property
    def order_place(self) -> str:
        """The funding order as a place in the page's language ("2nd"); empty when not funded."""
        return place(self.order) if self.order else ""


@dataclass
class Explanation:
    count: CountResult
    rule_label: str
    rule_summary: str
    funded: list[ProjectResult]
    not_funded: list[ProjectResult]
    step_lines: list[str]
    budget_pence: int
    allocated_pence: int
    max_score: int
    projects_by_score: list[ProjectResult] = field(default_factory=list)

    @property
    def left_over_pence(self) -> int:
        return self.budget_pence - self.allocated_pence


def explain(round_: Round, result: CountResult) -> Explanation:
    """Each shortlisted project with its score and a one-line reason, and every step in plain English."""
    proposals = shortlisted_proposals(round_)
    # The steps name projects in the page's language where a translation is approved.
    titles = {str(p.id): content_text(p, "title")[0] for p in proposals}
    by_project: dict[str, list[dict[str, Any]]] = {}
    for step in result.steps:
        if "project" in step:
            by_project.setdefault(str(step["project"]), []).append(step)
    scores = {str(k): int(v) for k, v in (result.scores or {}).items()}
    firsts = count_cache.get("first_preferences", result, (), lambda: first_preferences(round_))
    by_score = sorted(proposals, key=lambda p: (-scores.get(str(p.id), 0), p.cost_pence, p.id))
    rank_of = {p.id: i for i, p in enumerate(by_score, start=1)}
    order = {pid: i for i, pid in enumerate(result.funded, start=1)}
    params = result.params or {}
    rows: dict[int, ProjectResult] = {}
    for p in proposals:
        steps = by_project.get(str(p.id)) or [{"phase": "greedy", "decision": "skipped", "reason": "no_support",
                                                 "cost": p.cost_pence, "score": 0}]
        rows[p.id] = ProjectResult(
            proposal=p,
            score=scores.get(str(p.id), 0),
            funded=p.id in order,
            order=order.get(p.id),
            reason=funding_reason(steps, result.rule, params, rank_of[p.id]),
            first_preferences=firsts.get(p.id, 0),
        )
    funded = [rows[pid] for pid in result.funded if pid in rows]
    not_funded = [rows[p.id] for p in by_score if p.id not in order]
    return Explanation(
        count=result,
        rule_label=rule_label(result.rule, params),
        rule_summary=rule_summary(result.rule, params),
        funded=funded,
        not_funded=not_funded,
        step_lines=step_lines(result.steps, titles),
        budget_pence=int(round_.budget_pence),
        allocated_pence=int(result.total_cost_pence),
        max_score=max(scores.values(), default=0),
        projects_by_score=[rows[p.id] for p in by_score],
    )


def results_csv(round_: Round, result: CountResult) -> str:
    """One row per shortlisted project: id, title, cost, score, first preferences, funded, order, reason.

    The text columns (title, reason) go through `safe_cell`, so a title a spreadsheet would take for a
    formula starts with ``'``; the number columns are written as numbers. The file is in English
    whatever the page's language: open data keeps one form.
    """
    with force_locale("en"):
        explanation = explain(round_, result)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["project_id", "title", "cost_pounds", "score", "first_preferences", "funded",
                     "funding_order", "reason"])
    for row in explanation.funded + explanation.not_funded:
        p = row.proposal
        writer.writerow([p.id, safe_cell(p.title), f"{p.cost_pence / 100:.2f}", row.score, row.first_preferences,
                         "yes" if row.funded else "no", row.order or "", safe_cell(row.reason)])
    return out.getvalue()


def steps_json(round_: Round, result: CountResult) -> str:
    """The count as JSON: rule, parameters, funded ids, scores, and the engine's steps (money in pence)."""
    titles = {str(p.id): p.title for p in shortlisted_proposals(round_)}
    with force_locale("en"):  # open data keeps one form, in English, whatever the page's language
        explanation = step_lines(result.steps, titles)
    data = {
        "round": {"id": round_.id, "title": round_.title, "budget_pence": int(round_.budget_pence)},
        "rule": result.rule,
        "params": result.params,
        "funded": [str(p) for p in result.funded],
        "total_cost_pence": int(result.total_cost_pence),
        "ballot_count": result.ballot_count,
        "ballots_sha256": result.ballots_sha256,
        # Counts only, never names: how each voter was known (pb.domain.verification.BALLOT_WAYS).
        "voter_roll": {"verified_residents_only": bool(round_.verified_only),
                       "ballots_by_verification": ballots_by_verification(round_.id)},
        "scores": result.scores,
        "projects": titles,
        "steps": result.steps,
        "explanation": explanation,
    }
    return json.dumps(data, indent=2, ensure_ascii=False)
