"""The counting rules a round can use: their names as pb.tally takes them, and the words pages use for them."""
from __future__ import annotations

from typing import Any

from pb.tally import COMPLETIONS as TALLY_COMPLETIONS
from pb.tally import RULES as TALLY_RULES
from pb.domain.words import N_, _

# The words below are messages, translated where they are shown (`_(RULE_LABELS[rule])`).
# Rule name -> the choice staff see on the round form.
COUNTING_RULES = {"greedy": N_("Greedy (highest scores first)"), "equal-shares": N_("Method of Equal Shares")}
# Equal shares' completion -> the choice staff see on the round form.
COMPLETIONS = {
    "add1u": N_("Add £1 at a time, then fill what is left by score (recommended)"),
    "add1": N_("Add £1 at a time, no fill"),
    "none": N_("No completion"),
}
# The same names as the results pages and the open data describe a count made with them.
RULE_LABELS = {
    "greedy": N_("Most votes first (greedy)"),
    "equal-shares": N_("Method of Equal Shares"),
}
COMPLETION_LABELS = {
    "none": N_("no completion"),
    "add1": N_("shares raised £1 at a time"),
    "add1u": N_("shares raised £1 at a time, then money left over given by score"),
}
# add1 raises each voter's share by £1 at a time; pb counts in pence.
ADD1_UNIT_PENCE = 100
# The one tie-break pb counts with (lower cost, then higher score, then project id), as pb.tally names it.
TIE_BREAK = "cost-score-id"

if set(COUNTING_RULES) != set(TALLY_RULES) or set(COMPLETIONS) != set(TALLY_COMPLETIONS):
    raise ImportError("pb.domain.counting_rules names other rules than pb.tally counts")  # pragma: no cover


def rule_label(rule: str, params: dict[str, Any] | None = None) -> str:
    """A count's rule in words, e.g. "Method of Equal Shares (shares raised £1 at a time)"."""
    params = params or {}
    if rule == "greedy":
        threshold = params.get("threshold") or 0
        if threshold:
            return _("%(rule)s, minimum score %(threshold)s", rule=_(RULE_LABELS["greedy"]), threshold=threshold)
        return _(RULE_LABELS["greedy"])
    completion = params.get("completion", "add1u")
    how = _(COMPLETION_LABELS[completion]) if completion in COMPLETION_LABELS else completion
    # TRANSLATORS: a counting rule and how it completes: "Method of Equal Shares (shares raised £1 at a time)".
    return _("%(rule)s (%(completion)s)", rule=_(RULE_LABELS["equal-shares"]), completion=how)


def rule_options(counting_rule: str, completion: str | None, score_threshold: int | None,
                 rule: str | None = None) -> tuple[str, dict[str, Any]]:
    """The rule to count with and its options: the round's own rule, or `rule` compared with it.

    The other rule keeps only what makes sense for it: greedy its threshold, equal shares add1u
    unless it is the round's own rule with its own completion.
    """
    rule = rule or counting_rule
    if rule == "greedy":
        return "greedy", {"threshold": int(score_threshold or 0)}
    chosen = completion if rule == counting_rule else "add1u"
    return "equal-shares", {"completion": chosen or "add1u", "unit": ADD1_UNIT_PENCE}
