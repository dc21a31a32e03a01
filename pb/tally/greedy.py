"""Greedy counting: fund projects from the highest score down while the money lasts.

Projects are taken by score, highest first; equal scores go to the cheaper project, then to the
lower project id (natural order). A project that does not fit in the money left is skipped
(or, with ``no_skip``, the count stops there). A project scoring below ``threshold`` is not funded,
and a project nobody voted for is never funded. The same pass fills what equal shares leaves (add1u).
"""
from __future__ import annotations

from typing import Any

from pb.tally.profile import Profile
from pb.tally.types import Money, money_json


def score_order(profile: Profile) -> list[int]:
    """Project numbers by score (highest first), equal scores in the profile's tie-break order."""
    return sorted(range(profile.size), key=lambda c: (-profile.scores[c], profile.tie_rank[c]))


def greedy_pass(
    profile: Profile,
    *,
    already_funded: list[int] | None = None,
    threshold: int = 0,
    no_skip: bool = False,
    phase: str = "greedy",
) -> tuple[list[int], list[dict[str, Any]]]:
    """Consider every project not yet funded, in score order; return the newly funded and the steps."""
    done = set(already_funded or ())
    money_left: Money = profile.budget - sum(profile.costs[c] for c in done)
    funded: list[int] = []
    steps: list[dict[str, Any]] = []
    stopped = False
    for c in score_order(profile):
        if c in done:
            continue
        score, cost = profile.scores[c], profile.costs[c]
        step: dict[str, Any] = {"phase": phase, "project": profile.ids[c], "score": score, "cost": cost}
        reason = None
        if score == 0:
            reason = "no_support"
        elif score < threshold:
            reason = "below_threshold"
        elif stopped:
            reason = "stopped_no_skip"
        elif cost > money_left:
            reason = "not_enough_money"
            step["money_left_before"] = money_json(money_left)
            stopped = no_skip
        if reason is None:
            money_left -= cost
            funded.append(c)
        step.update(
            money_left=money_json(money_left),
            decision="skipped" if reason else "funded",
            reason=reason,
        )
        steps.append(step)
    return funded, steps
