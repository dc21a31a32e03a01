"""Reading and writing elections in the pabulib format (pabulib.org/format).

A file has three sections, each a title line followed by a header line and semicolon-separated rows
(fields may be quoted): META (key;value), PROJECTS (project_id;cost;...) and VOTES (voter_id;vote;...).
The reader checks everything it relies on and reports the line of the first problem; it never drops
a bad vote silently. The writer's output reads back with this reader and with pabutools.
"""
from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import IO, Any

from pb.tally.satisfaction import ApprovalPoints, RankPoints, Satisfaction
from pb.tally.types import Election, Money, Outcome, Project, TallyError, money_json

SECTIONS = ("meta", "projects", "votes")
VOTE_TYPES = ("ordinal", "approval", "choose-1")
UNSUPPORTED_VOTE_TYPES = ("cumulative", "scoring")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_RATIO = re.compile(r"^\+?\d+\s*/\s*\d+$")


@dataclass
class PabulibFile:
    """An election read from a pabulib file, with what the file says about how it was counted.

    ``satisfaction`` is the file's own: approval files give a point per approved project; ordinal files
    give the points of their ``points`` column, or k, k-1, ..., 1 (k = max_length, else the number of
    projects) when there is none.
    """

    election: Election
    satisfaction: Satisfaction
    meta: dict[str, str]
    rule: str  # META rule, e.g. "greedy", "equalshares/add1"; "unknown" when absent
    threshold: int  # META min_project_score_threshold (0 when absent)
    selected: list[str] | None  # projects marked selected=1, or None when there is no such column
    voter_ids: list[str]
    project_meta: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def read_pabulib(source: str | os.PathLike[str] | IO[str]) -> PabulibFile:
    """Read a pabulib file (a path or an open text file). Raises TallyError naming the line at fault."""
    if isinstance(source, (str, os.PathLike)):
        try:
            with open(source, newline="", encoding="utf-8-sig") as handle:
                return _Reader(handle).read()
        except OSError as exc:
            raise TallyError(f"cannot read {os.fspath(source)}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise TallyError(f"{os.fspath(source)} is not UTF-8 text ({exc.reason})") from None
    return _Reader(source).read()


def parse_pabulib(text: str) -> PabulibFile:
    """Read pabulib data held in a string."""
    return read_pabulib(io.StringIO(text.lstrip("\ufeff"), newline=""))


def parse_money(text: str, what: str, line: int) -> Fraction:
    """A non-negative amount: "1500", "2458488.22", "2458488,22" or "122924411/50"."""
    raw = text.strip()
    if _RATIO.match(raw):
        numerator, denominator = (int(part) for part in raw.split("/"))
        if denominator == 0:
            raise TallyError(f"line {line}: {what} {raw!r} divides by zero")
        value = Fraction(numerator, denominator)
    elif _NUMBER.match(raw):
        value = Fraction(raw.replace(",", "."))
    else:
        raise TallyError(f"line {line}: {what} {raw!r} is not a number")
    if value < 0:
        raise TallyError(f"line {line}: {what} {raw!r} is negative")
    return value


def _parse_int(text: str, what: str, line: int, minimum: int = 0) -> int:
    raw = text.strip()
    if not raw.lstrip("+-").isdigit() or not raw.isascii():
        raise TallyError(f"line {line}: {what} {raw!r} is not a whole number")
    value = int(raw)
    if value < minimum:
        raise TallyError(f"line {line}: {what} must be at least {minimum}, got {value}")
    return value


def _missing(value: str) -> bool:
    return value.strip().lower() in ("", "none")


class _Reader:
    def __init__(self, handle: IO[str]) -> None:
        self.rows = csv.reader(handle, delimiter=";")
        self.meta: dict[str, str] = {}
        self.meta_lines: dict[str, int] = {}
        self.projects: list[Project] = []
        self.project_lines: dict[str, int] = {}
        self.project_meta: dict[str, dict[str, str]] = {}
        self.selected: list[str] | None = None
        self.ballots: list[tuple[str, ...]] = []
        self.voter_ids: list[str] = []
        self.vote_points: dict[int, tuple[int, int]] = {}  # rank -> (points, line first seen)
        self.warnings: list[str] = []
        self.section_lines: dict[str, int] = {}

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        try:
            for row in self.rows:
                if not "".join(row).strip():
                    continue  # blank line
                yield self.rows.line_num, row
        except csv.Error as exc:
            raise TallyError(f"line {self.rows.line_num}: {exc}") from None

    def read(self) -> PabulibFile:
        section = None
        header: list[str] = []
        for line, row in self._records():
            title = row[0].strip().lower()
            if title in SECTIONS and not "".join(row[1:]).strip():
                section = self._start_section(title, line)
                header = self._header(title, line)
                if section == "votes":
                    self._read_votes(header)
                    break
                continue
            if section is None:
                raise TallyError(f"line {line}: expected the META section to start the file")
            if len(row) != len(header):
                raise TallyError(
                    f"line {line}: {section.upper()} rows need {len(header)} fields "
                    f"({';'.join(header)}), found {len(row)}"
                )
            if section == "meta":
                self._meta_row(row, line)
            else:
                self._project_row(dict(zip(header, row)), line)
        for name in SECTIONS:
            if name not in self.section_lines:
                raise TallyError(f"the file has no {name.upper()} section")
        return self._finish()

    def _start_section(self, title: str, line: int) -> str:
        if title in self.section_lines:
            raise TallyError(f"line {line}: a second {title.upper()} section")
        expected = SECTIONS[len(self.section_lines)]
        if title != expected:
            raise TallyError(f"line {line}: found {title.upper()} where the {expected.upper()} section should start")
        if title == "projects":
            self._check_meta()
        self.section_lines[title] = line
        return title

    def _header(self, title: str, line: int) -> list[str]:
        try:
            header_line, header = next(self._records())
        except StopIteration:
            raise TallyError(f"line {line}: the {title.upper()} section has no header line") from None
        header = [cell.strip() for cell in header]
        required = {"meta": ("key", "value"), "projects": ("project_id", "cost"), "votes": ("voter_id", "vote")}[title]
        for column in required:
            if column not in header:
                raise TallyError(f"line {header_line}: the {title.upper()} header needs a {column!r} column")
        if len(set(header)) != len(header):
            raise TallyError(f"line {header_line}: the {title.upper()} header repeats a column")
        if title == "projects" and "selected" in header:
            self.selected = []
        return header

    # ---- META ------------------------------------------------------------------------------

    def _meta_row(self, row: list[str], line: int) -> None:
        key, value = row[0].strip(), row[1].strip()
        if not key:
            raise TallyError(f"line {line}: META row without a key")
        if key in self.meta:
            raise TallyError(f"line {line}: META key {key!r} appears twice")
        self.meta[key] = value
        self.meta_lines[key] = line

    def _check_meta(self) -> None:
        meta, lines = self.meta, self.meta_lines
        if "budget" not in meta:
            raise TallyError("META has no budget")
        if "vote_type" not in meta:
            raise TallyError("META has no vote_type")
        vote_type = meta["vote_type"].strip().lower()
        if vote_type in UNSUPPORTED_VOTE_TYPES:
            raise TallyError(
                f"line {lines['vote_type']}: vote_type {vote_type!r} is not supported "
                "(pb counts ordinal and approval ballots)"
            )
        if vote_type not in VOTE_TYPES:
            raise TallyError(f"line {lines['vote_type']}: unknown vote_type {meta['vote_type']!r}")
        self.vote_type = vote_type
        self.budget = parse_money(meta["budget"], "budget", lines["budget"])
        if self.budget == 0:
            raise TallyError(f"line {lines['budget']}: budget must be positive")
        self.min_length = 1
        self.max_length: int | None = 1 if vote_type == "choose-1" else None
        if "min_length" in meta and not _missing(meta["min_length"]):
            self.min_length = _parse_int(meta["min_length"], "min_length", lines["min_length"])
        if "max_length" in meta and not _missing(meta["max_length"]):
            self.max_length = _parse_int(meta["max_length"], "max_length", lines["max_length"], minimum=1)
        self.threshold = 0
        key = "min_project_score_threshold"
        if key in meta and not _missing(meta[key]):
            threshold = parse_money(meta[key], key, lines[key])
            if threshold.denominator != 1:
                raise TallyError(f"line {lines[key]}: {key} must be a whole number")
            self.threshold = int(threshold)

    # ---- PROJECTS --------------------------------------------------------------------------

    def _project_row(self, row: dict[str, str], line: int) -> None:
        pid = row["project_id"].strip()
        if not pid:
            raise TallyError(f"line {line}: project without a project_id")
        if pid in self.project_lines:
            raise TallyError(f"line {line}: project {pid} is listed twice (first on line {self.project_lines[pid]})")
        cost = parse_money(row["cost"], f"cost of project {pid}", line)
        if cost.denominator != 1:
            raise TallyError(f"line {line}: cost of project {pid} ({row['cost'].strip()}) is not a whole number")
        if cost == 0:
            raise TallyError(f"line {line}: project {pid} costs nothing; costs must be positive")
        name = row.get("name", "").strip()
        try:
            project = Project(pid, int(cost), "" if _missing(name) else name)
        except TallyError as exc:
            raise TallyError(f"line {line}: {exc}") from None
        if project.cost > self.budget:
            self.warnings.append(
                f"line {line}: project {pid} costs {project.cost}, more than the budget "
                f"{money_json(_money(self.budget))}; it cannot be funded"
            )
        self.projects.append(project)
        self.project_lines[pid] = line
        self.project_meta[pid] = {k: v.strip() for k, v in row.items() if k not in ("project_id", "cost")}
        if self.selected is not None:
            mark = row["selected"].strip()
            if not _missing(mark) and mark != "0":
                if not mark.isdigit():
                    raise TallyError(f"line {line}: selected must be 0 or 1, got {mark!r}")
                self.selected.append(pid)

    # ---- VOTES -----------------------------------------------------------------------------

    def _read_votes(self, header: list[str]) -> None:
        """The VOTES rows, to the end of the file. The hot loop of the reader, so it avoids per-row dicts."""
        self._known = set(self.project_lines)
        rows = self.rows
        n_columns = len(header)
        voter_at, vote_at = header.index("voter_id"), header.index("vote")
        points_at = header.index("points") if self.vote_type == "ordinal" and "points" in header else None
        parsed: dict[str, tuple[str, ...]] = {}  # identical vote texts are checked once
        points_checked: set[tuple[str, int]] = set()
        seen: set[str] = set()
        ballots, voter_ids = self.ballots, self.voter_ids
        try:
            for row in rows:
                if len(row) != n_columns or not row[voter_at].strip():
                    if not "".join(row).strip():
                        continue  # blank line
                    self._bad_vote_row(row, header)
                voter = row[voter_at].strip()
                if voter in seen:
                    raise TallyError(f"line {rows.line_num}: voter {voter!r} appears twice")
                seen.add(voter)
                text = row[vote_at].strip()
                ballot = parsed.get(text)
                if ballot is None:
                    ballot = parsed[text] = self._parse_vote(text, rows.line_num)
                if points_at is not None:
                    points = row[points_at].strip()
                    if not _missing(points) and (points, len(ballot)) not in points_checked:
                        self._check_points(points, len(ballot), rows.line_num)
                        points_checked.add((points, len(ballot)))
                ballots.append(ballot)
                voter_ids.append(voter)
        except csv.Error as exc:
            raise TallyError(f"line {rows.line_num}: {exc}") from None

    def _bad_vote_row(self, row: list[str], header: list[str]) -> None:
        line = self.rows.line_num
        title = row[0].strip().lower()
        if title in SECTIONS and not "".join(row[1:]).strip():
            self._start_section(title, line)  # raises: every section has been seen
        if len(row) != len(header):
            raise TallyError(
                f"line {line}: VOTES rows need {len(header)} fields ({';'.join(header)}), found {len(row)}"
            )
        raise TallyError(f"line {line}: vote without a voter_id")

    def _parse_vote(self, text: str, line: int) -> tuple[str, ...]:
        ballot = tuple(part.strip() for part in text.split(",")) if text else ()
        for pid in ballot:
            if not pid:
                raise TallyError(f"line {line}: vote {text!r} has an empty project id")
            if pid not in self._known:
                raise TallyError(f"line {line}: vote names unknown project {pid!r}")
        if len(set(ballot)) != len(ballot):
            repeated = next(pid for pid in ballot if ballot.count(pid) > 1)
            raise TallyError(f"line {line}: vote lists project {repeated} more than once")
        if self.max_length is not None and len(ballot) > self.max_length:
            raise TallyError(
                f"line {line}: vote has {len(ballot)} projects, more than max_length {self.max_length}"
            )
        if len(ballot) < self.min_length:
            raise TallyError(
                f"line {line}: vote has {len(ballot)} projects, fewer than min_length {self.min_length}"
            )
        return ballot

    def _check_points(self, text: str, length: int, line: int) -> None:
        parts = [part.strip() for part in text.split(",")]
        if len(parts) != length:
            raise TallyError(f"line {line}: {len(parts)} points for a vote ranking {length} projects")
        for rank, part in enumerate(parts):
            value = _parse_int(part, "points", line, minimum=1)
            seen = self.vote_points.get(rank)
            if seen is None:
                self.vote_points[rank] = (value, line)
            elif seen[0] != value:
                raise TallyError(
                    f"line {line}: rank {rank + 1} earns {value} points here but {seen[0]} on line {seen[1]}; "
                    "pb needs one points scheme for every ballot"
                )

    # ---- the election ----------------------------------------------------------------------

    def _finish(self) -> PabulibFile:
        meta, lines = self.meta, self.meta_lines
        if not self.projects:
            raise TallyError(f"line {self.section_lines['projects']}: the PROJECTS section lists no projects")
        if not self.ballots:
            raise TallyError(f"line {self.section_lines['votes']}: the VOTES section has no votes")
        for key, actual in (("num_projects", len(self.projects)), ("num_votes", len(self.ballots))):
            if key in meta and not _missing(meta[key]):
                stated = _parse_int(meta[key], key, lines[key])
                if stated != actual:
                    raise TallyError(f"line {lines[key]}: META {key} is {stated} but the file has {actual}")
        kind = "ordinal" if self.vote_type == "ordinal" else "approval"
        satisfaction: Satisfaction = ApprovalPoints()
        if kind == "ordinal":
            ranks = self.max_length or len(self.projects)
            if self.vote_points:
                observed = [self.vote_points[r][0] for r in sorted(self.vote_points)]
                if len(observed) != max(self.vote_points) + 1:
                    raise TallyError("the points column skips a rank")
                satisfaction = RankPoints(tuple(observed + [1] * (ranks - len(observed))))
            else:
                satisfaction = RankPoints.descending(ranks)
        election = Election(
            projects=self.projects,
            budget=_money(self.budget),
            ballots=self.ballots,
            kind=kind,
            min_length=self.min_length,
            max_length=self.max_length,
            allow_over_budget=True,  # real files hold such projects; they are reported as warnings
        )
        rule = meta.get("rule", "").strip() or "unknown"
        return PabulibFile(
            election=election,
            satisfaction=satisfaction,
            meta=dict(meta),
            rule=rule,
            threshold=self.threshold,
            selected=self.selected,
            voter_ids=self.voter_ids,
            project_meta=self.project_meta,
            warnings=self.warnings,
        )


def _money(value: Fraction) -> Money:
    return value.numerator if value.denominator == 1 else value


# ---- writing -------------------------------------------------------------------------------


def money_text(value: Money) -> str:
    """An amount as pabulib writes it: whole, a finite decimal, or an exact "p/q"."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator == 1:
        places = max(twos, fives)
        scaled = value * 10**places
        whole, frac = divmod(scaled.numerator, 10**places)
        return f"{whole}.{frac:0{places}d}"
    return f"{value.numerator}/{value.denominator}"


def rule_name(outcome: Outcome) -> str:
    """The pabulib META rule for an outcome (greedy, greedy-threshold, equalshares/add1, ...)."""
    if outcome.rule == "greedy":
        if outcome.params.get("no_skip"):
            return "greedy-no-skip"
        return "greedy-threshold" if outcome.params.get("threshold") else "greedy"
    completion = outcome.params.get("completion", "none")
    return "equalshares" if completion == "none" else f"equalshares/{completion}"


def _clean(text: Any) -> str:
    # pabutools reads line by line, so a field must never span lines.
    return " ".join(str(text).split())


def write_pabulib(
    election: Election,
    target: str | os.PathLike[str] | IO[str],
    *,
    satisfaction: Satisfaction,
    meta: dict[str, Any] | None = None,
    outcome: Outcome | None = None,
    voter_ids: Sequence[str] | None = None,
    text_cell: Callable[[str], str] | None = None,
) -> None:
    """Write an election (and, if given, which projects an outcome funded) as a pabulib file.

    ``satisfaction`` gives the scores written and, for ranked ballots, the points column (left out when
    the points are k, k-1, ..., 1, which is what a reader assumes without one); it must be the one the
    outcome was counted with. ``meta`` adds META keys (description, country, unit, instance, ...).
    Grouped ballots are written once per voter. ``voter_ids`` names each ballot (e.g. receipt codes);
    by default 1, 2, 3, ...
    ``text_cell``, when given, is applied to every free-text cell (the ``meta`` values and project names)
    after line breaks are removed, e.g. to stop spreadsheets reading a title as a formula; ids, amounts,
    counts and votes are written as they are, so the file re-counts the same.
    """
    def text(value: Any) -> str:
        cleaned = _clean(value)
        return text_cell(cleaned) if text_cell is not None else cleaned

    for project in election.projects:
        if any(ch in project.id for ch in ',;"\n\r'):
            raise TallyError(f"project id {project.id!r} cannot be written: ids may not contain , ; \" or line breaks")
    if voter_ids is not None and len(voter_ids) != len(election.ballots):
        raise TallyError(f"{len(voter_ids)} voter ids for {len(election.ballots)} ballots")

    scheme = list(satisfaction.points_for(election))
    if outcome is not None and outcome.params.get("satisfaction", satisfaction.to_json()) != satisfaction.to_json():
        raise TallyError(
            f"the outcome was counted with satisfaction {outcome.params['satisfaction']}, "
            f"not {satisfaction.to_json()}"
        )

    weights = election.weights or [1] * len(election.ballots)
    n_votes = sum(weights)
    default_scheme = scheme == list(range(len(scheme), 0, -1))
    header = {
        "description": "Participatory budgeting election",
        "country": "",
        "unit": "",
        "instance": "",
        **{k: text(v) for k, v in (meta or {}).items()},
    }
    fixed: dict[str, str] = {
        "num_projects": str(len(election.projects)),
        "num_votes": str(n_votes),
        "budget": money_text(election.budget),
        "vote_type": election.kind,
        "rule": rule_name(outcome) if outcome else header.get("rule", "unknown"),
        "min_length": str(election.min_length),
    }
    if election.max_length is not None:
        fixed["max_length"] = str(election.max_length)
    if outcome and outcome.rule == "greedy" and outcome.params.get("threshold"):
        fixed["min_project_score_threshold"] = str(outcome.params["threshold"])
    header.update(fixed)

    scores = election.scores(satisfaction)
    supporters = dict.fromkeys(scores, 0)
    for key, weight in election.groups.items():
        for pid in key:
            supporters[pid] += weight
    funded = set(outcome.funded) if outcome else None
    names = any(p.name for p in election.projects)

    def rows() -> Iterator[list[str]]:
        yield ["META"]
        yield ["key", "value"]
        for key, value in header.items():
            yield [key, str(value)]
        yield ["PROJECTS"]
        columns = ["project_id", "cost", "votes"]
        if election.kind == "ordinal":
            columns.append("score")
        if names:
            columns.append("name")
        if funded is not None:
            columns.append("selected")
        yield columns
        for project in election.projects:
            row = [project.id, str(project.cost), str(supporters[project.id])]
            if election.kind == "ordinal":
                row.append(str(scores[project.id]))
            if names:
                row.append(text(project.name) or "None")
            if funded is not None:
                row.append("1" if project.id in funded else "0")
            yield row
        yield ["VOTES"]
        with_points = election.kind == "ordinal" and not default_scheme
        yield ["voter_id", "vote", "points"] if with_points else ["voter_id", "vote"]
        for i, (ballot, weight) in enumerate(zip(election.ballots, weights)):
            base = voter_ids[i] if voter_ids is not None else str(i + 1)
            vote = ",".join(ballot)
            for copy in range(weight):
                voter = base if copy == 0 else f"{base}.{copy}"
                if with_points:
                    yield [voter, vote, ",".join(str(scheme[r]) for r in range(len(ballot)))]
                else:
                    yield [voter, vote]

    if isinstance(target, (str, os.PathLike)):
        with open(target, "w", newline="", encoding="utf-8") as handle:
            _write_rows(handle, rows())
    else:
        _write_rows(target, rows())


def _write_rows(handle: IO[str], rows: Iterator[list[str]]) -> None:
    writer = csv.writer(handle, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
