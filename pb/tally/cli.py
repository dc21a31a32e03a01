"""`python -m pb.tally FILE.pb`: count a pabulib file and print the result.

Exit codes: 0 counted, 2 bad input (one line on stderr, nothing on stdout).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from pb.tally.count import count
from pb.tally.pabulib import PabulibFile, read_pabulib, rule_name
from pb.tally.satisfaction import RankPoints, Satisfaction
from pb.tally.types import Outcome, TallyError, money_json

TIE_BREAK = "cost-score-id"

# META rule -> (rule, options) for --rule auto.
FILE_RULES: dict[str, tuple[str, dict[str, Any]]] = {
    "greedy": ("greedy", {}),
    "greedy-threshold": ("greedy", {"threshold": None}),  # None: the file's min_project_score_threshold
    "greedy-no-skip": ("greedy", {"no_skip": True}),
    "equalshares": ("equal-shares", {"completion": "none"}),
    "equalshares/add1": ("equal-shares", {"completion": "add1"}),
    "equalshares/add1u": ("equal-shares", {"completion": "add1u"}),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other bad input
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m pb.tally", description="Count a participatory budgeting election (pabulib file).")
    parser.add_argument("file", help="a pabulib .pb file")
    parser.add_argument("--rule", choices=("auto", "greedy", "equal-shares"), default="auto",
                        help="counting rule; auto (default) uses the file's META rule")
    parser.add_argument("--threshold", type=int, default=None, metavar="N",
                        help="greedy: projects scoring below N are not funded")
    parser.add_argument("--no-skip", action="store_true", help="greedy: stop at the first project that does not fit")
    parser.add_argument("--completion", choices=("none", "add1", "add1u"), default=None,
                        help="equal shares completion (default add1u, or the file's rule with --rule auto)")
    parser.add_argument("--points", default=None, metavar="P1,P2,...",
                        help="ordinal files: points for rank 1, 2, ... instead of the file's own (e.g. 3,2,1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--strict", action="store_true", help="treat warnings about the file as errors")
    return parser


def choose_rule(args: argparse.Namespace, data: PabulibFile) -> tuple[str, dict[str, Any]]:
    """The rule and options to count with, from the command line and (for auto) the file."""
    if args.rule == "auto":
        if data.rule not in FILE_RULES:
            raise TallyError(
                f"the file's rule is {data.rule!r}, which --rule auto cannot follow; "
                "choose --rule greedy or --rule equal-shares"
            )
        rule, options = FILE_RULES[data.rule]
        options = dict(options)
        if options.get("threshold", 0) is None:
            options["threshold"] = data.threshold
    else:
        rule, options = args.rule, {}
        if rule == "equal-shares":
            options["completion"] = "add1u"
    if args.threshold is not None:
        options["threshold"] = args.threshold
    if args.no_skip:
        options["no_skip"] = True
    if args.completion is not None:
        if rule != "equal-shares":
            raise TallyError("--completion applies to equal shares only")
        options["completion"] = args.completion
    return rule, options


def choose_satisfaction(args: argparse.Namespace, data: PabulibFile) -> Satisfaction:
    """The file's own satisfaction, or the points given with --points."""
    if args.points is None:
        return data.satisfaction
    if data.election.kind != "ordinal":
        raise TallyError("--points applies to ordinal files only; this file has approval ballots")
    parts = [part.strip() for part in args.points.split(",")]
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise TallyError(f"--points must be whole numbers separated by commas, got {args.points!r}")
    return RankPoints(tuple(int(part) for part in parts))


def report(path: str, data: PabulibFile, outcome: Outcome) -> dict[str, Any]:
    result = outcome.to_dict()
    result = {
        "file": path,
        "rule": rule_name(outcome),
        "selected": list(outcome.funded),
        "cost": outcome.cost,
        "budget": money_json(outcome.budget),
        "money_left": money_json(outcome.money_left),
        "file_rule": data.rule,
        "file_selected": data.selected,
        "matches_file": None if data.selected is None else set(data.selected) == set(outcome.funded),
        "warnings": data.warnings,
        **{k: v for k, v in result.items() if k not in ("funded", "cost", "budget", "money_left", "rule")},
        "engine_rule": outcome.rule,
    }
    return result


def render_text(path: str, data: PabulibFile, outcome: Outcome) -> str:
    lines = [
        f"{path}",
        f"rule: {rule_name(outcome)}   budget: {money_json(outcome.budget)}   voters: {outcome.voters}",
    ]
    header = (f"{'':>4} {'stage':<6} {'project':<16} {'score':>9} {'cost':>12}  {'decision':<8} {'why / rho':<26} "
              f"{'money left':>14}")
    lines += ["", header, "-" * len(header)]
    n = 0
    for step in outcome.steps:
        if step["phase"] == "add1":
            lines.append(
                f"     each voter's share raised {step['increments']} time(s) by {step['unit']} "
                f"to {step['per_voter_budget_float']:.2f} ({step['stopped']})"
            )
            continue
        n += 1
        why = step.get("reason") or ""
        if step["phase"] == "mes" and step["decision"] == "funded":
            why = f"rho {step['rho_float']:.6g}"
        money = step.get("money_left", "")
        lines.append(
            f"{n:>4} {step['phase']:<6} {step['project']:<16} {step['score']:>9} {step['cost']:>12}  "
            f"{step['decision']:<8} {why:<26} {str(money):>14}"
        )
    lines += [
        "",
        f"funded {len(outcome.funded)} projects costing {outcome.cost}; money left {money_json(outcome.money_left)}",
    ]
    if data.selected is not None:
        same = set(data.selected) == set(outcome.funded)
        lines.append(f"same projects as the file's 'selected' column: {'yes' if same else 'no'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        data = read_pabulib(args.file)
        if args.strict and data.warnings:
            raise TallyError(data.warnings[0])
        rule, options = choose_rule(args, data)
        satisfaction = choose_satisfaction(args, data)
        outcome = count(data.election, rule, satisfaction=satisfaction, tie_break=TIE_BREAK, **options)
        text = json.dumps(report(args.file, data, outcome), ensure_ascii=False) if args.json else render_text(args.file, data, outcome)
    except TallyError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    for warning in data.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(text)
    return 0
