"""`count`: the one entry point the results service calls."""
from __future__ import annotations

from pb.tally.equal_shares import equal_shares
from pb.tally.greedy import greedy_pass
from pb.tally.profile import TIE_BREAKS, Profile, build_profile, check_tie_break
from pb.tally.satisfaction import SATISFACTIONS, Satisfaction
from pb.tally.types import Election, Money, Outcome, TallyError, money_json

RULES = ("greedy", "equal-shares")
COMPLETIONS = ("none", "add1", "add1u")

__all__ = ["COMPLETIONS", "RULES", "TIE_BREAKS", "count", "profile_of"]


def profile_of(election: Election, satisfaction: Satisfaction, tie_break: str) -> Profile:
    """The election's numeric form under a satisfaction and tie-break.

    Built once per (satisfaction, tie-break) and kept with the (immutable) election, so counting it
    with several rules builds the arrays once.
    """
    profiles: dict[tuple[Satisfaction, str], Profile] | None = election.__dict__.get("_profiles")
    if profiles is None:
        profiles = {}
        object.__setattr__(election, "_profiles", profiles)
    key = (satisfaction, tie_break)
    cached = profiles.get(key)
    if cached is None:
        cached = profiles[key] = build_profile(election, satisfaction, tie_break)
    return cached


def count(
    election: Election,
    rule: str,
    *,
    satisfaction: Satisfaction,
    tie_break: str,
    threshold: int = 0,
    no_skip: bool = False,
    completion: str = "add1u",
    unit: Money = 1,
) -> Outcome:
    """Count an election with "greedy" or "equal-shares" and return what was funded and why.

    ``satisfaction`` says what a ballot gives each project (`RankPoints` for ranked ballots,
    `ApprovalPoints` for approval) and ``tie_break`` names an order from TIE_BREAKS; both are
    recorded in the outcome's params, so a stored count says what it meant.

    greedy: ``threshold`` (projects scoring below it are not funded) and ``no_skip`` (stop at the
    first project that does not fit). equal-shares: ``completion`` is "none", "add1" (raise each
    voter's share by ``unit`` until the budget is exhausted) or "add1u" (add1, then fill greedily);
    the app stores pence and passes unit=100 to step by one pound.
    """
    if not isinstance(election, Election):
        raise TallyError("count needs an Election")
    rule = rule.replace("_", "-") if isinstance(rule, str) else rule
    if rule not in RULES:
        raise TallyError(f"unknown rule {rule!r}: use 'greedy' or 'equal-shares'")
    if not isinstance(satisfaction, SATISFACTIONS):
        raise TallyError(f"satisfaction must be RankPoints or ApprovalPoints, got {satisfaction!r}")
    satisfaction.points_for(election)  # refuses a satisfaction that does not suit these ballots
    check_tie_break(tie_break)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise TallyError(f"threshold must be a whole number >= 0, got {threshold!r}")
    meant = {"satisfaction": satisfaction.to_json(), "tie_break": tie_break}
    if rule == "greedy":
        profile = profile_of(election, satisfaction, tie_break)
        funded, steps = greedy_pass(profile, threshold=threshold, no_skip=bool(no_skip))
        params = {**meant, "threshold": threshold, "no_skip": bool(no_skip)}
    else:
        if threshold or no_skip:
            raise TallyError("threshold and no_skip belong to the greedy rule, not equal-shares")
        if completion not in COMPLETIONS:
            raise TallyError(f"unknown completion {completion!r}: use 'none', 'add1' or 'add1u'")
        if isinstance(unit, bool) or not isinstance(unit, int) or unit < 1:
            raise TallyError(f"unit must be a whole number of currency units >= 1, got {unit!r}")
        profile = profile_of(election, satisfaction, tie_break)
        result = equal_shares(profile, completion=completion, unit=unit)
        funded, steps = result.funded, result.steps
        params = {
            **meant,
            "completion": completion,
            "unit": unit,
            "per_voter_budget": money_json(result.per_voter),
            "increments": result.increments,
        }
    return Outcome(
        rule=rule,
        params=params,
        funded=[profile.ids[c] for c in funded],
        cost=sum(profile.costs[c] for c in funded),
        budget=election.budget,
        scores=dict(zip(profile.ids, profile.scores)),
        steps=steps,
        voters=profile.voters,
    )
