"""A count's recorded steps in plain English: why each project was or was not funded, the rule in a paragraph, each step in a line."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from pb.domain.money import format_pence
from pb.domain.words import ordinal


def _money(value: Any) -> str:
    """Money from a step (pence as an int, or "p/q" for an exact fraction)."""
    if isinstance(value, str) and "/" in value:
        value = Fraction(value)
    value = Fraction(value)
    pence = int(value) if value.denominator == 1 else round(value)
    return format_pence(int(pence))


def _points(n: int) -> str:
    return f"{n:,} point" + ("" if n == 1 else "s")


def _supporters(step: dict[str, Any]) -> str:
    """"1 supporter", "7 supporters"."""
    n = int(step.get("supporters", 0))
    return f"{n:,} supporter" + ("" if n == 1 else "s")


def _per_point(step: dict[str, Any]) -> str:
    q = step.get("price_per_point_float")
    if q is None:
        return ""
    pounds = q / 100
    return f"£{pounds:,.2f}" if pounds >= 0.01 else "less than 1p"


def funding_reason(steps: list[dict[str, Any]], rule: str, params: dict[str, Any], rank: int) -> str:
    """One line on why a project was or was not funded, from its steps (the last one decides)."""
    last = steps[-1]
    first = steps[0]
    reason = last.get("reason")
    if last.get("decision") == "funded":
        if last["phase"] == "mes":
            n = int(last.get("supporters", 0))
            if n == 1:
                return f"Funded with equal shares: its 1 supporter could pay its {_money(last['cost'])} from their share."
            return f"Funded with equal shares: its {n:,} supporters could pay its {_money(last['cost'])} from their shares."
        if last["phase"] == "fill":
            return (f"Funded from the money left over after equal shares: it had the highest score of the "
                    f"projects that still fitted ({_money(last['cost'])}).")
        place = "highest" if rank == 1 else f"{ordinal(rank)} highest"
        return f"Funded: it had the {place} score, and its cost of {_money(last['cost'])} fitted in the money left."
    if reason == "no_support":
        return "No votes: nobody chose this project."
    if reason == "below_threshold":
        return f"Below the minimum score of {params.get('threshold', 0):,}: it had {_points(last.get('score', 0))}."
    if reason == "stopped_no_skip":
        return "Not considered: the count stopped at the first project that did not fit the money left."
    if reason == "supporters_cannot_afford":
        held = int(last.get("supporters_money_left", 0) or 0)
        if held < 100:
            return (f"Its supporters could not pay for it with their equal shares: they had spent them on other "
                    f"funded projects (it needed {_money(last['cost'])}).")
        return (f"Its supporters could not pay for it with their equal shares: it needed {_money(last['cost'])} "
                f"and they had about {_money(held)} left.")
    if reason == "not_enough_money":
        left = _money(last.get("money_left_before", last.get("money_left", 0)))
        if last["phase"] == "fill" and first.get("reason") == "supporters_cannot_afford":
            return (f"Its supporters could not pay for it with their equal shares, and the money left over "
                    f"afterwards was not enough: needed {_money(last['cost'])}, {left} left.")
        return f"Not enough money left after higher-scoring projects: needed {_money(last['cost'])}, {left} left."
    return "Not funded."


def rule_summary(rule: str, params: dict[str, Any]) -> str:
    if rule == "greedy":
        text = ("Projects were taken in order of their score, highest first. Each project was funded if there "
                "was enough money left for it; a project that cost more than the money left was skipped, and "
                "the count went on to the next one.")
        if params.get("threshold"):
            text += f" Projects with fewer than {params['threshold']:,} points could not be funded."
        return text
    text = ("Method of Equal Shares: the budget was split equally between everyone who voted. Each project was "
            "paid for by the people who chose it, from their shares, and the project that its supporters could "
            "buy most cheaply for the points they gave it was funded first.")
    completion = params.get("completion", "none")
    if completion in ("add1", "add1u"):
        text += (" So that little money was left unspent, every share was then raised £1 at a time, and the count "
                 "run again, for as long as the result still fitted in the budget.")
    if completion == "add1u":
        text += " Any money still left was then given to the remaining projects in order of score."
    return text


def step_lines(steps: list[dict[str, Any]], titles: dict[str, str]) -> list[str]:
    """The count's steps in plain English, one line per step."""
    lines = []
    for step in steps:
        phase = step.get("phase")
        title = titles.get(str(step.get("project")), f"Project {step.get('project')}")
        if phase == "add1":
            start = _money(Fraction(step["start_per_voter_budget"]))
            used = _money(Fraction(step["per_voter_budget"]))
            n = step.get("increments", 0)
            if n:
                lines.append(f"Each voter's equal share started at {start}. It was raised by £1 {n:,} "
                             f"time{'s' if n != 1 else ''}, to {used}, and that result is the one used.")
            else:
                lines.append(f"Each voter's equal share was {used}; raising it would have gone over the budget, "
                             "so it was not raised.")
            continue
        cost = _money(step.get("cost", 0))
        score = _points(int(step.get("score", 0)))
        if phase == "mes" and step.get("decision") == "funded":
            lines.append(f"Equal shares, round {step.get('round')}: {title} ({cost}, {score}) funded. Its "
                         f"{_supporters(step)} paid {_per_point(step)} for each point they gave "
                         f"it. {_money(step.get('money_left', 0))} left.")
        elif phase == "mes":
            if step.get("reason") == "no_support":
                lines.append(f"Equal shares: {title} ({cost}) not funded: nobody chose it.")
            else:
                between = "" if int(step.get("supporters", 0)) == 1 else " between them"
                lines.append(f"Equal shares: {title} ({cost}, {score}) not funded: its "
                             f"{_supporters(step)} had only about "
                             f"{_money(step.get('supporters_money_left', 0))} left{between}.")
        else:
            prefix = "Money left over: " if phase == "fill" else ""
            decision = step.get("decision")
            reason = step.get("reason")
            if decision == "funded":
                lines.append(f"{prefix}{title} ({cost}, {score}) funded. {_money(step.get('money_left', 0))} left.")
            elif reason == "not_enough_money":
                lines.append(f"{prefix}{title} ({cost}, {score}) not funded: it needed {cost} but only "
                             f"{_money(step.get('money_left_before', step.get('money_left', 0)))} was left.")
            elif reason == "below_threshold":
                lines.append(f"{prefix}{title} ({cost}, {score}) not funded: below the minimum score.")
            elif reason == "no_support":
                lines.append(f"{prefix}{title} ({cost}) not funded: nobody chose it.")
            elif reason == "stopped_no_skip":
                lines.append(f"{prefix}{title} ({cost}, {score}) not funded: the count had stopped.")
            else:
                lines.append(f"{prefix}{title} ({cost}, {score}) not funded.")
    return lines
