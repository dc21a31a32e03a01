"""Counting a closed round's ballots with pb.tally: the stored count (a preview until published) and the rule comparison.

This module is the only adapter between the database and the counting engine. Counting is
repeatable: the same ballots give the same result. Once results are published the count is final
and cannot be run again. Every stored count records its rule, options, points per rank
(the satisfaction) and tie-break, so a recount years later means the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pb.domain.counting_rules import TIE_BREAK, rule_label, rule_options
from pb.domain.errors import CountingError, PhaseError
from pb.domain.words import _
from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import CountResult, Proposal, Round, User
from pb.services import audit
from pb.services.count_cache import count_cache, shortlist_key
from pb.services.elections import ballot_rankings, round_ballots, round_election
from pb.services.open_data import ballots_csv, sha256_hex
from pb.services.proposals import shortlisted_proposals
from pb.services.transaction import lock_round, transaction
from pb.services.turnout import eligible_for_round
from pb.tally import Election, Outcome, RankPoints, Satisfaction, TallyError, count


def run_count(election: Election, rule: str, options: dict[str, Any], satisfaction: Satisfaction,
              tie_break: str = TIE_BREAK) -> Outcome:
    """Count with `rule` and its options, the points per rank (satisfaction) and the tie-break, all named in the call."""
    try:
        return count(election, rule, satisfaction=satisfaction, tie_break=tie_break, **options)
    except TallyError as exc:
        raise CountingError(_("The ballots could not be counted: %(problem)s.", problem=exc)) from exc


def _run(round_: Round, proposals: list[Proposal], rankings: list[list[str]], rule: str | None = None):
    election = round_election(round_, proposals, rankings)
    name, options = rule_options(round_.counting_rule, round_.completion, round_.score_threshold, rule)
    return run_count(election, name, options, RankPoints(tuple(round_.points))), options


def count_round(round_: Round, actor: User | None) -> CountResult:
    """Count a closed round's ballots with its rule and store the result (audited as ``round.counted``)."""
    with transaction():
        # Read the phase inside the write transaction, under a shared row lock on PostgreSQL,
        # so a count cannot race the publication (which takes the row FOR UPDATE).
        round_ = lock_round(round_.id, for_update=False)
        if round_.phase == Phase.RESULTS_PUBLISHED:
            raise PhaseError(_("The results of this round are published, so its count is final and cannot be run again."))
        if round_.phase != Phase.VOTING_CLOSED:
            raise PhaseError(_("Votes can only be counted after voting has closed. Nobody can see counts while voting is open."))
        proposals = shortlisted_proposals(round_)
        ballots = round_ballots(round_)
        data = ballots_csv(round_, ballots)
        outcome, options = _run(round_, proposals, ballot_rankings(ballots))
        params = {
            **outcome.params,
            **{k: v for k, v in options.items() if k not in outcome.params},
            "points": list(round_.points),
            "min_ranks": round_.min_ranks,
            "max_ranks": round_.max_ranks,
            "budget_pence": int(round_.budget_pence),
        }
        result = CountResult(
            round_id=round_.id,
            rule=outcome.rule,
            params=params,
            funded=[int(pid) for pid in outcome.funded],
            total_cost_pence=int(outcome.cost),
            scores={str(k): int(v) for k, v in outcome.scores.items()},
            steps=[dict(step) for step in outcome.steps],
            ballot_count=len(ballots),
            eligible_residents=eligible_for_round(round_),
            ballots_sha256=sha256_hex(data),
            is_published=False,
            created_by_id=actor.id if actor is not None else None,
        )
        db.session.add(result)
        db.session.flush()
        audit.record(actor, "round.counted", round=round_, count_id=result.id, rule=result.rule, params=params,
                     funded=result.funded, total_cost_pence=result.total_cost_pence,
                     ballot_count=result.ballot_count, ballots_sha256=result.ballots_sha256)
    return result


# ---- comparing the two rules -------------------------------------------------------------------


@dataclass
class RuleRun:
    rule: str
    params: dict
    funded: list[int]
    cost: int

    @property
    def label(self) -> str:
        """The rule in words, in the page's language (worked out when shown: a comparison is kept for every page)."""
        return rule_label(self.rule, self.params)


@dataclass
class Comparison:
    current: RuleRun
    other: RuleRun
    only_current: list[int]
    only_other: list[int]

    @property
    def same(self) -> bool:
        return not self.only_current and not self.only_other


def compare_rules(round_: Round, result: CountResult | None = None) -> Comparison:
    """Run the round's rule and the other rule on the same ballots (nothing is stored).

    With the round's `result`, the comparison is kept with that count and worked out once.
    """
    if not round_.phase_enum.is_at_least(Phase.VOTING_CLOSED):
        raise PhaseError(_("Counts can only be seen after voting has closed."))
    proposals = shortlisted_proposals(round_)
    if result is not None:
        return count_cache.get("comparison", result, (round_.version, shortlist_key(proposals)),
                               lambda: _compare_rules(round_, proposals))
    return _compare_rules(round_, proposals)


def _compare_rules(round_: Round, proposals: list[Proposal]) -> Comparison:
    rankings = ballot_rankings(round_ballots(round_))
    other_rule = "equal-shares" if round_.counting_rule == "greedy" else "greedy"
    runs = []
    for rule in (round_.counting_rule, other_rule):
        outcome, options = _run(round_, proposals, rankings, rule)
        runs.append(RuleRun(outcome.rule, {**options, **outcome.params},
                            [int(p) for p in outcome.funded], int(outcome.cost)))
    a, b = runs
    return Comparison(
        current=a,
        other=b,
        only_current=[p for p in a.funded if p not in set(b.funded)],
        only_other=[p for p in b.funded if p not in set(a.funded)],
    )
