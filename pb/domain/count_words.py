"""A count's recorded steps in plain English: why each project was or was not funded, the rule in a paragraph, each step in a line.

The words are messages (pb.domain.words), in the page's language inside a request; money keeps pb's own form.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from pb.domain.money import format_pence
from pb.domain.ranking import place
from pb.domain.words import _, n_


def _money(value: Any) -> str:
    """Money from a step (pence as an int, or "p/q" for an exact fraction)."""
    if isinstance(value, str) and "/" in value:
        value = Fraction(value)
    value = Fraction(value)
    pence = int(value) if value.denominator == 1 else round(value)
    return format_pence(int(pence))


def _points(n: int) -> str:
    return n_("%(count)s point", "%(count)s points", n, count=format(n, ","))


def _supporters(step: dict[str, Any]) -> str:
    """"1 supporter", "7 supporters"."""
    n = int(step.get("supporters", 0))
    return n_("%(count)s supporter", "%(count)s supporters", n, count=format(n, ","))


def _per_point(step: dict[str, Any]) -> str:
    q = step.get("price_per_point_float")
    if q is None:
        return ""
    pounds = q / 100
    return f"£{pounds:,.2f}" if pounds >= 0.01 else _("less than 1p")


def funding_reason(steps: list[dict[str, Any]], rule: str, params: dict[str, Any], rank: int) -> str:
    """One line on why a project was or was not funded, from its steps (the last one decides)."""
    last = steps[-1]
    first = steps[0]
    reason = last.get("reason")
    cost = _money(last.get("cost", 0))
    if last.get("decision") == "funded":
        if last["phase"] == "mes":
            n = int(last.get("supporters", 0))
            return n_("Funded with equal shares: its %(count)s supporter could pay its %(cost)s from their share.",
                      "Funded with equal shares: its %(count)s supporters could pay its %(cost)s from their shares.",
                      n, count=format(n, ","), cost=cost)
        if last["phase"] == "fill":
            return _("Funded from the money left over after equal shares: it had the highest score of the "
                     "projects that still fitted (%(cost)s).", cost=cost)
        if rank == 1:
            return _("Funded: it had the highest score, and its cost of %(cost)s fitted in the money left.", cost=cost)
        # TRANSLATORS: %(place)s is a place as a number: "3rd".
        return _("Funded: it had the %(place)s highest score, and its cost of %(cost)s fitted in the money left.",
                 place=place(rank), cost=cost)
    if reason == "no_support":
        return _("No votes: nobody chose this project.")
    if reason == "below_threshold":
        return _("Below the minimum score of %(threshold)s: it had %(points)s.",
                 threshold=format(params.get('threshold', 0), ","), points=_points(last.get("score", 0)))
    if reason == "stopped_no_skip":
        return _("Not considered: the count stopped at the first project that did not fit the money left.")
    if reason == "supporters_cannot_afford":
        held = int(last.get("supporters_money_left", 0) or 0)
        if held < 100:
            return _("Its supporters could not pay for it with their equal shares: they had spent them on other "
                     "funded projects (it needed %(cost)s).", cost=cost)
        return _("Its supporters could not pay for it with their equal shares: it needed %(cost)s "
                 "and they had about %(held)s left.", cost=cost, held=_money(held))
    if reason == "not_enough_money":
        left = _money(last.get("money_left_before", last.get("money_left", 0)))
        if last["phase"] == "fill" and first.get("reason") == "supporters_cannot_afford":
            return _("Its supporters could not pay for it with their equal shares, and the money left over "
                     "afterwards was not enough: needed %(cost)s, %(left)s left.", cost=cost, left=left)
        return _("Not enough money left after higher-scoring projects: needed %(cost)s, %(left)s left.",
                 cost=cost, left=left)
    return _("Not funded.")


def rule_summary(rule: str, params: dict[str, Any]) -> str:
    if rule == "greedy":
        sentences = [_("Projects were taken in order of their score, highest first. Each project was funded if there "
                       "was enough money left for it; a project that cost more than the money left was skipped, and "
                       "the count went on to the next one.")]
        if params.get("threshold"):
            sentences.append(n_("Projects with fewer than %(count)s point could not be funded.",
                                "Projects with fewer than %(count)s points could not be funded.",
                                int(params["threshold"]), count=format(params['threshold'], ",")))
        return " ".join(sentences)
    sentences = [_("Method of Equal Shares: the budget was split equally between everyone who voted. Each project was "
                   "paid for by the people who chose it, from their shares, and the project that its supporters could "
                   "buy most cheaply for the points they gave it was funded first.")]
    completion = params.get("completion", "none")
    if completion in ("add1", "add1u"):
        sentences.append(_("So that little money was left unspent, every share was then raised £1 at a time, and the "
                           "count run again, for as long as the result still fitted in the budget."))
    if completion == "add1u":
        sentences.append(_("Any money still left was then given to the remaining projects in order of score."))
    return " ".join(sentences)


def _greedy_line(step: dict[str, Any], title: str, cost: str, score: str) -> str:
    decision = step.get("decision")
    reason = step.get("reason")
    if decision == "funded":
        return _("%(title)s (%(cost)s, %(score)s) funded. %(left)s left.",
                 title=title, cost=cost, score=score, left=_money(step.get("money_left", 0)))
    if reason == "not_enough_money":
        return _("%(title)s (%(cost)s, %(score)s) not funded: it needed %(cost)s but only %(left)s was left.",
                 title=title, cost=cost, score=score,
                 left=_money(step.get("money_left_before", step.get("money_left", 0))))
    if reason == "below_threshold":
        return _("%(title)s (%(cost)s, %(score)s) not funded: below the minimum score.",
                 title=title, cost=cost, score=score)
    if reason == "no_support":
        return _("%(title)s (%(cost)s) not funded: nobody chose it.", title=title, cost=cost)
    if reason == "stopped_no_skip":
        return _("%(title)s (%(cost)s, %(score)s) not funded: the count had stopped.",
                 title=title, cost=cost, score=score)
    return _("%(title)s (%(cost)s, %(score)s) not funded.", title=title, cost=cost, score=score)


def step_lines(steps: list[dict[str, Any]], titles: dict[str, str]) -> list[str]:
    """The count's steps in plain English, one line per step."""
    lines = []
    for step in steps:
        phase = step.get("phase")
        title = titles.get(str(step.get("project"))) or _("Project %(id)s", id=step.get("project"))
        if phase == "add1":
            start = _money(Fraction(step["start_per_voter_budget"]))
            used = _money(Fraction(step["per_voter_budget"]))
            n = step.get("increments", 0)
            if n:
                lines.append(n_("Each voter's equal share started at %(start)s. It was raised by £1 %(count)s "
                                "time, to %(used)s, and that result is the one used.",
                                "Each voter's equal share started at %(start)s. It was raised by £1 %(count)s "
                                "times, to %(used)s, and that result is the one used.",
                                n, count=format(n, ","), start=start, used=used))
            else:
                lines.append(_("Each voter's equal share was %(used)s; raising it would have gone over the budget, "
                               "so it was not raised.", used=used))
            continue
        cost = _money(step.get("cost", 0))
        score = _points(int(step.get("score", 0)))
        if phase == "mes" and step.get("decision") == "funded":
            lines.append(_("Equal shares, round %(round)s: %(title)s (%(cost)s, %(score)s) funded. Its "
                           "%(supporters)s paid %(per_point)s for each point they gave it. %(left)s left.",
                           round=step.get("round"), title=title, cost=cost, score=score,
                           supporters=_supporters(step), per_point=_per_point(step),
                           left=_money(step.get("money_left", 0))))
        elif phase == "mes":
            if step.get("reason") == "no_support":
                lines.append(_("Equal shares: %(title)s (%(cost)s) not funded: nobody chose it.", title=title, cost=cost))
            else:
                lines.append(n_("Equal shares: %(title)s (%(cost)s, %(score)s) not funded: its %(supporters)s "
                                "had only about %(left)s left.",
                                "Equal shares: %(title)s (%(cost)s, %(score)s) not funded: its %(supporters)s "
                                "had only about %(left)s left between them.",
                                int(step.get("supporters", 0)), title=title, cost=cost, score=score,
                                supporters=_supporters(step), left=_money(step.get("supporters_money_left", 0))))
        else:
            line = _greedy_line(step, title, cost, score)
            # TRANSLATORS: a step of the count made with the money left over after equal shares.
            lines.append(_("Money left over: %(step)s", step=line) if phase == "fill" else line)
    return lines
