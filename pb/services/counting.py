"""Counting a round's ballots with pb.tally, and everything published from the count.

This module is the only adapter between the database and the counting engine:

- `count_round` reads the ballots of a round whose voting has closed, runs the round's rule and
  stores a CountResult (audited as ``round.counted``). Counting is repeatable: the same ballots give
  the same result. Once results are published the count is final and cannot be run again.
- `compare_rules` runs the other rule (greedy against equal shares with add1u) without storing it.
- `explain` turns a count's recorded steps into plain English for the results pages.
- The open data: `ballots_csv` (receipt code and ranking, sorted by receipt code, never in casting
  order; its SHA-256 is stored with the count), `pabulib_text`, `results_csv` and `steps_json`.
- `check_receipt` finds a ballot by its receipt code; `verify_round` re-checks a published count.

A counted round's ballots never change (voting has closed), so what pages and downloads work out
from them (the files, first choices, the rule comparison) is built once per process and kept with
the count it belongs to (`_BuiltFromCount`): the results page and its downloads then read no
ballots, however many there are.

Amounts are pence everywhere in the database. The published pabulib file gives money in whole
pounds (META ``currency`` GBP) so that equal shares' add1 step of one currency unit is the same £1
the app uses; if any amount has pence the file falls back to pence (``currency`` GBX) and says so.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select

from pb.domain.money import format_pence
from pb.domain.phases import Phase
from pb.domain.words import ordinal
from pb.extensions import db
from pb.models import Ballot, CountResult, Proposal, Round, User, VoterRoll
from pb.services import audit
from pb.services.errors import DomainError, PhaseError, ValidationFailed
from pb.services.proposals import shortlisted_proposals
from pb.services.transaction import transaction

# add1 raises each voter's share by £1 at a time; the app counts in pence.
ADD1_UNIT_PENCE = 100

RULE_LABELS = {
    "greedy": "Most votes first (greedy)",
    "equal-shares": "Method of Equal Shares",
}
COMPLETION_LABELS = {
    "none": "no completion",
    "add1": "shares raised £1 at a time",
    "add1u": "shares raised £1 at a time, then money left over given by score",
}

RECEIPT_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class CountingError(DomainError):
    """The ballots cannot be counted (no ballots, or data the engine refuses)."""

    status_code = 409


# ---- what a count's ballots give, built once --------------------------------------------------


class _BuiltFromCount:
    """Values worked out from a count's ballots, kept per process for the few most recent counts.

    The key names the database, the count and the SHA-256 of its ballots file, plus whatever
    else the value shows (the round's version, the shortlist's titles and costs): an edit or a
    new count makes a new key, never a stale answer. Building happens outside the lock; two
    threads asking at once may both build, and get equal values. The least recently used go
    first once more than `max_entries` are kept, or the files among them pass `max_bytes` (a
    big city's ballots file is a few megabytes).
    """

    def __init__(self, max_entries: int = 64, max_bytes: int = 48 * 1024 * 1024):
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._values: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def _key(kind: str, result: CountResult, extra: tuple) -> tuple:
        return (str(db.engine.url), kind, result.round_id, result.id, result.ballots_sha256, *extra)

    def get(self, kind: str, result: CountResult, extra: tuple, build: Callable[[], Any]) -> Any:
        key = self._key(kind, result, extra)
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key][0]
        value = build()
        size = len(value.data) if isinstance(value, Download) else 0  # small values: bounded by their number
        if size > self._max_bytes:
            return value  # too big to keep: served, never pushing out everything else
        with self._lock:
            if key not in self._values:
                self._values[key] = (value, size)
                self._bytes += size
            while self._values and (len(self._values) > self._max_entries or self._bytes > self._max_bytes):
                _, (_, dropped) = self._values.popitem(last=False)
                self._bytes -= dropped
        return value

    def forget(self, kind: str, result: CountResult, extra: tuple) -> None:
        with self._lock:
            entry = self._values.pop(self._key(kind, result, extra), None)
            if entry is not None:
                self._bytes -= entry[1]

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._bytes = 0


built_from_count = _BuiltFromCount()


def _shortlist_key(proposals) -> tuple:
    return tuple((p.id, p.title, p.cost_pence) for p in proposals)


# ---- reading a round's data ------------------------------------------------------------------


def round_ballots(round_: Round) -> list[Ballot]:
    """The round's ballots sorted by receipt code (so never in the order they were cast)."""
    return list(db.session.scalars(select(Ballot).where(Ballot.round_id == round_.id).order_by(Ballot.receipt)))


def ballots_csv(round_: Round, ballots: list[Ballot] | None = None) -> bytes:
    """The anonymised ballots file: ``receipt,nonce,rank_1,...,rank_k``, sorted by receipt code.

    Columns: ``receipt`` is the 64-character receipt code the voter was given; ``nonce`` the
    random value it was made with, so anyone can recompute it (pb.services.ballots.receipt_for); ``rank_1``
    is the project id of their 1st choice, ``rank_2`` their 2nd, and so on up to the round's
    maximum number of choices (empty when they chose fewer). Project titles are in the results
    file. The bytes are UTF-8 with ``\\n`` line ends; their SHA-256 is what the results page shows.
    """
    if ballots is None:
        ballots = round_ballots(round_)
    ranks = round_.max_ranks
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["receipt", "nonce"] + [f"rank_{i}" for i in range(1, ranks + 1)])
    for ballot in sorted(ballots, key=lambda b: b.receipt):
        ids = [p for p in ballot.ranking.split(",") if p]
        writer.writerow([ballot.receipt, ballot.nonce] + ids + [""] * max(0, ranks - len(ids)))
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class BallotRow:
    receipt: str
    nonce: str
    ranking: list[str]


def parse_ballots_csv(data: bytes) -> list[BallotRow]:
    """Read a ballots file back: receipt, nonce and ranking (project id strings) per row."""
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    header = next(reader, None)
    if not header or header[:2] != ["receipt", "nonce"]:
        raise CountingError("The ballots file does not start with the receipt and nonce columns.")
    return [BallotRow(row[0], row[1], [p for p in row[2:] if p]) for row in reader if row]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- the engine --------------------------------------------------------------------------------


def rule_options(round_: Round, rule: str | None = None) -> tuple[str, dict[str, Any]]:
    """The rule to count with and its options, as pb.tally.count takes them."""
    rule = rule or round_.counting_rule
    if rule == "greedy":
        return "greedy", {"threshold": int(round_.score_threshold or 0)}
    completion = round_.completion if rule == round_.counting_rule else "add1u"
    return "equal-shares", {"completion": completion or "add1u", "unit": ADD1_UNIT_PENCE}


def build_election(round_: Round, proposals: list[Proposal], rankings: list[list[str]]):
    """The round as a pb.tally Election: ids as strings, costs and budget in pence."""
    from pb.tally import Election, Project, TallyError

    if not proposals:
        raise CountingError("This round has no shortlisted projects to count.")
    if not rankings:
        raise CountingError("No ballots were cast in this round, so there is nothing to count.")
    try:
        return Election(
            projects=[Project(str(p.id), int(p.cost_pence), p.title) for p in proposals],
            budget=int(round_.budget_pence),
            ballots=rankings,
            kind="ordinal",
            points=round_.points,
            min_length=round_.min_ranks,
            max_length=round_.max_ranks,
            allow_over_budget=True,
        )
    except TallyError as exc:
        raise CountingError(f"The ballots could not be counted: {exc}.") from exc


def _run(round_: Round, proposals: list[Proposal], rankings: list[list[str]], rule: str | None = None):
    from pb.tally import TallyError, count

    election = build_election(round_, proposals, rankings)
    name, options = rule_options(round_, rule)
    try:
        return count(election, name, **options), options
    except TallyError as exc:
        raise CountingError(f"The ballots could not be counted: {exc}.") from exc


# ---- counting and publishing -------------------------------------------------------------------


def count_round(round_: Round, actor: User | None) -> CountResult:
    """Count a closed round's ballots with its rule and store the result (a preview until published)."""
    with transaction():
        # Read the phase inside the write transaction, under a shared row lock on PostgreSQL,
        # so a count cannot race the publication (which takes the row FOR UPDATE).
        from pb.services.rounds import lock_round

        round_ = lock_round(round_.id, for_update=False)
        if round_.phase == Phase.RESULTS_PUBLISHED:
            raise PhaseError("The results of this round are published, so its count is final and cannot be run again.")
        if round_.phase != Phase.VOTING_CLOSED:
            raise PhaseError("Votes can only be counted after voting has closed. Nobody can see counts while voting is open.")
        proposals = shortlisted_proposals(round_)
        ballots = round_ballots(round_)
        data = ballots_csv(round_, ballots)
        rankings = [[p for p in b.ranking.split(",") if p] for b in ballots]
        outcome, options = _run(round_, proposals, rankings)
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
            eligible_residents=eligible_resident_count(round_),
            ballots_sha256=sha256_hex(data),
            is_published=False,
            created_by_id=actor.id if actor is not None else None,
        )
        db.session.add(result)
        db.session.flush()
        audit.record(
            actor,
            "round.counted",
            round=round_,
            count_id=result.id,
            rule=result.rule,
            params=params,
            funded=result.funded,
            total_cost_pence=result.total_cost_pence,
            ballot_count=result.ballot_count,
            ballots_sha256=result.ballots_sha256,
        )
    return result


def latest_count(round_: Round) -> CountResult | None:
    """The newest count made after voting closed (the staff preview), or None."""
    stmt = select(CountResult).where(CountResult.round_id == round_.id)
    if round_.voting_closed_at is not None:
        stmt = stmt.where(CountResult.created_at >= round_.voting_closed_at)
    elif not round_.phase_enum.is_at_least(Phase.VOTING_CLOSED):
        return None
    return db.session.scalars(stmt.order_by(CountResult.created_at.desc(), CountResult.id.desc()).limit(1)).first()


def published_count(round_: Round) -> CountResult | None:
    """The count the public sees: only once results are published.

    It is the count marked published, or else the latest count (counting is refused after
    publication, so the latest count is the one that was published).
    """
    if round_.phase != Phase.RESULTS_PUBLISHED:
        return None
    marked = db.session.scalars(
        select(CountResult)
        .where(CountResult.round_id == round_.id, CountResult.is_published.is_(True))
        .order_by(CountResult.id.desc())
        .limit(1)
    ).first()
    return marked or latest_count(round_)


# ---- comparing the two rules -------------------------------------------------------------------


@dataclass
class RuleRun:
    rule: str
    label: str
    funded: list[int]
    cost: int


@dataclass
class Comparison:
    current: RuleRun
    other: RuleRun
    only_current: list[int]
    only_other: list[int]

    @property
    def same(self) -> bool:
        return not self.only_current and not self.only_other


def rule_label(rule: str, params: dict[str, Any] | None = None) -> str:
    params = params or {}
    if rule == "greedy":
        threshold = params.get("threshold") or 0
        return RULE_LABELS["greedy"] + (f", minimum score {threshold}" if threshold else "")
    completion = params.get("completion", "add1u")
    return f"{RULE_LABELS['equal-shares']} ({COMPLETION_LABELS.get(completion, completion)})"


def compare_rules(round_: Round, result: CountResult | None = None) -> Comparison:
    """Run the round's rule and the other rule on the same ballots (nothing is stored).

    With the round's `result`, the comparison is kept with that count and worked out once.
    """
    if not round_.phase_enum.is_at_least(Phase.VOTING_CLOSED):
        raise PhaseError("Counts can only be seen after voting has closed.")
    proposals = shortlisted_proposals(round_)
    if result is not None:
        return built_from_count.get("comparison", result, (round_.version, _shortlist_key(proposals)),
                                    lambda: _compare_rules(round_, proposals))
    return _compare_rules(round_, proposals)


def _compare_rules(round_: Round, proposals: list[Proposal]) -> Comparison:
    ballots = round_ballots(round_)
    rankings = [[p for p in b.ranking.split(",") if p] for b in ballots]
    other_rule = "equal-shares" if round_.counting_rule == "greedy" else "greedy"
    runs = []
    for rule in (round_.counting_rule, other_rule):
        outcome, options = _run(round_, proposals, rankings, rule)
        runs.append(RuleRun(outcome.rule, rule_label(outcome.rule, {**options, **outcome.params}),
                            [int(p) for p in outcome.funded], int(outcome.cost)))
    a, b = runs
    return Comparison(
        current=a,
        other=b,
        only_current=[p for p in a.funded if p not in set(b.funded)],
        only_other=[p for p in b.funded if p not in set(a.funded)],
    )


# ---- explaining a count ------------------------------------------------------------------------


@dataclass
class ProjectResult:
    proposal: Proposal
    score: int
    funded: bool
    order: int | None  # funding order (1 = funded first), None when not funded
    reason: str
    first_preferences: int = 0


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


def _money(value: Any) -> str:
    """Money from a step (pence as an int, or "p/q" for an exact fraction)."""
    if isinstance(value, str) and "/" in value:
        value = Fraction(value)
    value = Fraction(value)
    pence = int(value) if value.denominator == 1 else round(value)
    return format_pence(int(pence))


def _points(n: int) -> str:
    return f"{n:,} point" + ("" if n == 1 else "s")


def _per_point(step: dict[str, Any]) -> str:
    q = step.get("price_per_point_float")
    if q is None:
        return ""
    pounds = q / 100
    return f"£{pounds:,.2f}" if pounds >= 0.01 else "less than 1p"


def _reason(steps: list[dict[str, Any]], rule: str, params: dict[str, Any], rank: int) -> str:
    """One line on why a project was or was not funded, from its steps (the last one decides)."""
    last = steps[-1]
    first = steps[0]
    reason = last.get("reason")
    if last.get("decision") == "funded":
        if last["phase"] == "mes":
            return (f"Funded with equal shares: its {last.get('supporters', 0):,} supporters could pay its "
                    f"{_money(last['cost'])} from their shares.")
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
                         f"{step.get('supporters', 0):,} supporters paid {_per_point(step)} for each point they gave "
                         f"it. {_money(step.get('money_left', 0))} left.")
        elif phase == "mes":
            if step.get("reason") == "no_support":
                lines.append(f"Equal shares: {title} ({cost}) not funded: nobody chose it.")
            else:
                lines.append(f"Equal shares: {title} ({cost}, {score}) not funded: its "
                             f"{step.get('supporters', 0):,} supporters had only about "
                             f"{_money(step.get('supporters_money_left', 0))} left between them.")
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


def first_preferences(round_: Round) -> Counter:
    """How many ballots put each project first (keys are proposal ids)."""
    counts: Counter = Counter()
    for (ranking,) in db.session.execute(select(Ballot.ranking).where(Ballot.round_id == round_.id)):
        first = ranking.split(",", 1)[0]
        if first:
            counts[int(first)] += 1
    return counts


def explain(round_: Round, result: CountResult) -> Explanation:
    """Each shortlisted project with its score and a one-line reason, and every step in plain English."""
    proposals = shortlisted_proposals(round_)
    titles = {str(p.id): p.title for p in proposals}
    by_project: dict[str, list[dict[str, Any]]] = {}
    for step in result.steps:
        if "project" in step:
            by_project.setdefault(str(step["project"]), []).append(step)
    scores = {str(k): int(v) for k, v in (result.scores or {}).items()}
    firsts = built_from_count.get("first_preferences", result, (), lambda: first_preferences(round_))
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
            reason=_reason(steps, result.rule, params, rank_of[p.id]),
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


# ---- turnout -----------------------------------------------------------------------------------


@dataclass
class Turnout:
    online: int
    paper: int
    eligible: int

    @property
    def total(self) -> int:
        return self.online + self.paper

    def share(self, n: int) -> str:
        if not self.eligible:
            return "–"
        return f"{100 * n / self.eligible:.1f}%"


def eligible_resident_count(round_: Round) -> int:
    """Registered residents marked eligible who may take part in this round (its age and area rules).

    The same test as why_cannot_take_part, on the two columns the round's rules read (no
    account objects are built: this reads every eligible resident).
    """
    from pb.models import Role
    from pb.domain.eligibility import REFUSED
    from pb.services.eligibility import assess_details, round_rules

    rules = round_rules(round_)
    rows = db.session.execute(
        select(User.date_of_birth, User.postcode).where(
            User.role == Role.RESIDENT, User.eligibility_status == "eligible", User.is_active_account.is_(True))
    )
    return sum(1 for dob, postcode in rows if assess_details(dob, postcode, rules).status != REFUSED)


def turnout(round_: Round, result: CountResult | None = None) -> Turnout:
    """Ballots by channel, against the residents who could vote: as fixed by `result`'s count where it
    kept that figure (the results page then reads no residents), else as it is now."""
    from pb.services.ballots import ballots_by_channel

    rows = ballots_by_channel(round_.id)
    eligible = result.eligible_residents if result is not None else None
    if eligible is None:
        eligible = eligible_resident_count(round_)
    return Turnout(online=int(rows.get("online", 0)), paper=int(rows.get("paper", 0)), eligible=eligible)


# ---- open data ---------------------------------------------------------------------------------


def _outcome_of(result: CountResult):
    from pb.tally import Outcome

    return Outcome(
        rule=result.rule,
        params=dict(result.params or {}),
        funded=[str(p) for p in result.funded],
        cost=int(result.total_cost_pence),
        budget=int((result.params or {}).get("budget_pence", 0)),
        scores=dict(result.scores or {}),
        steps=list(result.steps or []),
    )


@dataclass(frozen=True)
class Download:
    """A published file and the ETag it is served with (its SHA-256)."""

    data: bytes
    etag: str


def published_ballots_file(round_: Round, result: CountResult) -> Download:
    """The ballots file published with `result`, built once while it is the file the count recorded.

    A file whose SHA-256 differs from the count's (the database changed under it, which pb never
    does) is served as it is now and not kept; `verify_round` is where staff see why.
    """
    file = built_from_count.get("ballots.csv", result, (round_.max_ranks,), lambda: _download(ballots_csv(round_)))
    if file.etag != result.ballots_sha256:
        built_from_count.forget("ballots.csv", result, (round_.max_ranks,))
    return file


def _download(data: bytes) -> Download:
    return Download(data, sha256_hex(data))


def published_pabulib_file(round_: Round, result: CountResult) -> Download:
    """The round as a pabulib file, for `result`, built once while the round and its shortlist stay as they are."""

    shown = (round_.version, round_.title, round_.area_name, round_.budget_pence, round_.voting_opened_at,
             round_.voting_closed_at, round_.results_published_at, _shortlist_key(shortlisted_proposals(round_)))
    return built_from_count.get("ballots.pb", result, shown,
                                lambda: _download(pabulib_text(round_, result).encode("utf-8")))


def pabulib_text(round_: Round, result: CountResult) -> str:
    """The round as a pabulib file: META, PROJECTS (with ``selected``), and VOTES keyed by receipt code.

    Money is in whole pounds (META ``currency`` GBP) when the budget and every cost are whole
    pounds, so that ``python -m pb.tally`` steps equal shares by £1 as the app did; otherwise in
    pence (``currency`` GBX). As in pabulib, ``unit`` is the area (the round's area name).
    """
    from pb.tally import write_pabulib

    proposals = shortlisted_proposals(round_)
    ballots = round_ballots(round_)
    amounts = [round_.budget_pence] + [p.cost_pence for p in proposals]
    in_pounds = all(a % 100 == 0 for a in amounts)
    scale = 100 if in_pounds else 1
    scaled = _ScaledRound(round_, round_.budget_pence // scale)
    scaled_proposals = [_ScaledProposal(p.id, p.cost_pence // scale, p.title) for p in proposals]
    rankings = [[p for p in b.ranking.split(",") if p] for b in ballots]
    election = build_election(scaled, scaled_proposals, rankings)
    outcome = _outcome_of(result)
    opened, closed = round_.voting_opened_at, round_.voting_closed_at
    meta = {
        "description": round_.title,
        "country": "United Kingdom",
        "unit": round_.area_name or "",
        "instance": str((round_.results_published_at or closed or round_.created_at).year),
        "date_begin": opened.strftime("%d.%m.%Y") if opened else "",
        "date_end": closed.strftime("%d.%m.%Y") if closed else "",
        "language": "en",
        "currency": "GBP" if in_pounds else "GBX",
        "comment": ("Amounts in whole pounds. Voter ids are the published receipt codes." if in_pounds else
                    "Amounts in pence (GBX), because some amounts have pence. Voter ids are the published "
                    "receipt codes."),
    }
    out = io.StringIO()
    write_pabulib(election, out, meta=meta, outcome=outcome, voter_ids=[b.receipt for b in ballots])
    return out.getvalue()


@dataclass
class _ScaledRound:
    """A round with its budget in the file's unit (build_election only reads these fields)."""

    source: Round
    budget_pence: int

    def __getattr__(self, name: str) -> Any:
        return getattr(self.source, name)


@dataclass
class _ScaledProposal:
    id: int
    cost_pence: int
    title: str


def results_csv(round_: Round, result: CountResult) -> str:
    """One row per shortlisted project: id, title, cost, score, first preferences, funded, order, reason."""
    explanation = explain(round_, result)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["project_id", "title", "cost_pounds", "score", "first_preferences", "funded",
                     "funding_order", "reason"])
    for row in explanation.funded + explanation.not_funded:
        p = row.proposal
        writer.writerow([p.id, p.title, f"{p.cost_pence / 100:.2f}", row.score, row.first_preferences,
                         "yes" if row.funded else "no", row.order or "", row.reason])
    return out.getvalue()


def steps_json(round_: Round, result: CountResult) -> str:
    """The count as JSON: rule, parameters, funded ids, scores, and the engine's steps (money in pence)."""
    titles = {str(p.id): p.title for p in shortlisted_proposals(round_)}
    data = {
        "round": {"id": round_.id, "title": round_.title, "budget_pence": int(round_.budget_pence)},
        "rule": result.rule,
        "params": result.params,
        "funded": [str(p) for p in result.funded],
        "total_cost_pence": int(result.total_cost_pence),
        "ballot_count": result.ballot_count,
        "ballots_sha256": result.ballots_sha256,
        "scores": result.scores,
        "projects": titles,
        "steps": result.steps,
        "explanation": step_lines(result.steps, titles),
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


# ---- receipts ----------------------------------------------------------------------------------


def normalise_receipt(code: str | None) -> str:
    """A receipt code as typed (spaces, dashes, capitals allowed) in its stored form, or ValidationFailed."""
    cleaned = re.sub(r"[\s\-]", "", code or "").lower()
    if not cleaned:
        raise ValidationFailed("Enter your receipt code.", field="code")
    if not RECEIPT_PATTERN.match(cleaned):
        raise ValidationFailed(
            "Enter the receipt code exactly as it is printed: 64 characters, using the numbers 0 to 9 and "
            "the letters a to f.",
            field="code",
        )
    return cleaned


@dataclass
class ReceiptCheck:
    code: str
    found: bool
    ranking: list[Proposal]


def check_receipt(round_: Round, code: str | None) -> ReceiptCheck:
    """Whether a receipt code is among the round's counted ballots, with the ranking it carries."""
    if round_.phase != Phase.RESULTS_PUBLISHED:
        raise PhaseError("Results are not published yet, so receipt codes cannot be checked yet.")
    receipt = normalise_receipt(code)
    ballot = db.session.scalars(select(Ballot).where(Ballot.round_id == round_.id, Ballot.receipt == receipt)).first()
    if ballot is None:
        return ReceiptCheck(receipt, False, [])
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id))}
    return ReceiptCheck(receipt, True, [proposals[i] for i in ballot.project_ids if i in proposals])


def find_receipt_round(code: str | None) -> tuple[str, Round | None]:
    """For the checker without a round: the normalised code and the round of the ballot carrying it."""
    receipt = normalise_receipt(code)
    round_id = db.session.scalar(select(Ballot.round_id).where(Ballot.receipt == receipt))
    return receipt, (db.session.get(Round, round_id) if round_id is not None else None)


# ---- verification ------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _receipt_function():
    """The voting area's receipt function: SHA-256 of `pb-ballot-v1|round=R|ranking=a,b,c|nonce=N`."""
    try:
        from pb.services.ballots import receipt_for
    except ImportError:  # the voting area not built in this checkout
        return None
    return receipt_for


def verify_round(round_: Round) -> list[Check]:
    """Re-check a round's published (or latest) count from the data, independently of the stored result."""
    from pb.tally import TallyError, count

    checks: list[Check] = []
    result = published_count(round_) or latest_count(round_)
    if result is None:
        return [Check("count exists", False, "This round has not been counted.")]
    checks.append(Check("count exists", True,
                        f"Count {result.id} ({'published' if round_.phase == Phase.RESULTS_PUBLISHED else 'preview'}), "
                        f"rule {rule_label(result.rule, result.params)}."))

    ballots = round_ballots(round_)
    data = ballots_csv(round_, ballots)
    digest = sha256_hex(data)
    checks.append(Check("ballots file hash", digest == result.ballots_sha256,
                        f"SHA-256 of the ballots file from the database is {digest}; the count recorded "
                        f"{result.ballots_sha256}."))

    roll = db.session.scalar(select(func.count()).select_from(VoterRoll).where(VoterRoll.round_id == round_.id)) or 0
    checks.append(Check("voter roll = ballots", roll == len(ballots) == result.ballot_count,
                        f"{roll} on the voter roll, {len(ballots)} ballots stored, {result.ballot_count} counted."))

    receipt_for = _receipt_function()
    if receipt_for is None:
        checks.append(Check("receipts", False, "Cannot recompute receipts: pb.services.ballots.receipt_for is missing."))
    else:
        bad = [b.receipt[:12] for b in ballots if receipt_for(round_.id, b.project_ids, b.nonce) != b.receipt]
        checks.append(Check("receipts", not bad,
                            f"All {len(ballots)} receipts match their ranking and nonce." if not bad else
                            f"{len(bad)} ballot(s) do not match their receipt, e.g. {', '.join(bad[:5])}…"))

    try:
        rows = parse_ballots_csv(data)
        proposals = shortlisted_proposals(round_)
        election = build_election(round_, proposals, [row.ranking for row in rows])
        options = {k: result.params[k] for k in ("threshold", "no_skip", "completion", "unit") if k in result.params}
        if result.rule != "greedy":
            options.pop("threshold", None)
            options.pop("no_skip", None)
        else:
            options.pop("completion", None)
            options.pop("unit", None)
        outcome = count(election, result.rule, **options)
        recount = [int(p) for p in outcome.funded]
        same_scores = {str(k): int(v) for k, v in outcome.scores.items()} == {
            str(k): int(v) for k, v in (result.scores or {}).items()}
        same = (recount == list(result.funded) and int(outcome.cost) == int(result.total_cost_pence)
                and same_scores)
        checks.append(Check("re-count", same,
                            f"Re-counting the ballots file funds {recount} costing {format_pence(outcome.cost)}; "
                            f"the count recorded {list(result.funded)} costing {format_pence(result.total_cost_pence)}"
                            + ("." if same_scores else "; the projects' scores differ too.")))
    except (DomainError, TallyError) as exc:
        checks.append(Check("re-count", False, f"The ballots file could not be counted: {getattr(exc, 'message', exc)}"))
    return checks
