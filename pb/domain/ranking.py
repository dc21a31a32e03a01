"""A ranked ballot as a voter fills it in: reading the choices from a form and checking them against the ballot's rules."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pb.domain.errors import InvalidRanking
from pb.domain.words import ordinal, plural

# The most rank fields a form may carry; anything beyond is refused as tampering.
MAX_RANK_FIELDS = 50
_RANK_FIELD = re.compile(r"rank([0-9]{1,3})")
_PROJECT_NUMBER = re.compile(r"[0-9]{1,12}")


def ranking_text(ranking: Sequence[int]) -> str:
    """How a ranking is stored: project ids, most preferred first, comma-separated."""
    return ",".join(str(int(p)) for p in ranking)


@dataclass(frozen=True)
class RankingInput:
    """A ranking read from form fields rank1, rank2, …: project ids in order and the field each came from."""

    ranking: list[int]
    fields: list[str]
    # What the voter chose per field, as sent, to fill the form in again.
    values: dict[str, str]

    def field_for(self, position: int) -> str:
        """The form field of the ranking's `position` (0-based); past the end, the next empty field."""
        if position < len(self.fields):
            return self.fields[position]
        used = {int(f[4:]) for f in self.fields}
        n = 1
        while n in used:
            n += 1
        return f"rank{n}"


def read_ranking(form: Mapping[str, str]) -> RankingInput:
    """Read rank1, rank2, … from a submitted form, most preferred first.

    Empty choices are skipped (choosing a 2nd but no 1st makes the 2nd the 1st; the
    review page shows the result). A value that is not a project number is refused;
    the ranking itself is checked by `validate_ranking`.
    """
    numbered: list[tuple[int, str, str]] = []
    for key in form:
        match = _RANK_FIELD.fullmatch(key)
        if match is None:
            continue
        n = int(match.group(1))
        if not 1 <= n <= MAX_RANK_FIELDS:
            raise InvalidRanking(
                "That ballot has more choices than any round allows. Go back to the ballot and choose again.",
                field="rank1",
            )
        numbered.append((n, key, (form.get(key) or "").strip()))
    numbered.sort()
    ranking: list[int] = []
    fields: list[str] = []
    values: dict[str, str] = {}
    for n, key, value in numbered:
        values[key] = value
        if not value:
            continue
        if not _PROJECT_NUMBER.fullmatch(value):
            raise InvalidRanking(
                f"Your {ordinal(n)} choice is not one of the projects on this ballot. Choose a project from the list.",
                field=key,
            )
        ranking.append(int(value))
        fields.append(key)
    return RankingInput(ranking=ranking, fields=fields, values=values)


def choices_to_refill(form: Mapping[str, str]) -> dict[str, str]:
    """The choices a ballot form sent, to show it again filled in ("Change my choices"); none if it was tampered with."""
    try:
        return read_ranking(form).values
    except InvalidRanking:
        return {}


class _VoterWords:
    """Refusals of a ballot as its voter reads them: "You chose …"."""

    @staticmethod
    def not_a_project(n: int) -> str:
        return f"Your {ordinal(n)} choice is not one of the projects on this ballot. Choose a project from the list."

    @staticmethod
    def too_many(max_ranks: int, chosen: int) -> str:
        return (f"You can choose up to {plural(max_ranks, 'project')}. "
                f"You chose {chosen}: remove {plural(chosen - max_ranks, 'choice')}.")

    @staticmethod
    def none(min_ranks: int) -> str:
        if min_ranks > 1:
            return f"Choose at least {min_ranks} projects, starting with your 1st choice."
        return "Choose your 1st choice: pick a project from the list."

    @staticmethod
    def too_few(min_ranks: int, chosen: int) -> str:
        return (f"Choose at least {plural(min_ranks, 'project')}. "
                f"You chose {chosen}: add your {ordinal(chosen + 1)} choice.")

    @staticmethod
    def twice(title: str, first: int, second: int) -> str:
        return (f"You chose “{title}” as your {ordinal(first)} and your {ordinal(second)} choice. "
                "Choose each project only once.")


class _StaffWords:
    """The same refusals for a member of staff keying a paper ballot: about the paper, not "you"."""

    @staticmethod
    def not_a_project(n: int) -> str:
        return (f"The {ordinal(n)} choice entered is not one of the projects on this ballot. "
                "Check the paper and choose the project it shows.")

    @staticmethod
    def too_many(max_ranks: int, chosen: int) -> str:
        return (f"This ballot can have up to {plural(max_ranks, 'choice')}, and {chosen} are entered. "
                "Check the paper.")

    @staticmethod
    def none(min_ranks: int) -> str:
        return "Enter the 1st choice shown on the paper." if min_ranks <= 1 else (
            f"This ballot needs at least {min_ranks} choices. Enter them as the paper shows, starting with the 1st.")

    @staticmethod
    def too_few(min_ranks: int, chosen: int) -> str:
        return (f"This ballot needs at least {plural(min_ranks, 'choice')}, and {chosen} "
                f"{'is' if chosen == 1 else 'are'} entered. Enter the {ordinal(chosen + 1)} choice from the paper.")

    @staticmethod
    def twice(title: str, first: int, second: int) -> str:
        return f"This ballot has “{title}” as both {ordinal(first)} and {ordinal(second)} choice. Check the paper."


def check_ranking_rules(ranking: Sequence, *, min_ranks: int, max_ranks: int, titles: Mapping[int, str],
                        fields: RankingInput | None = None, for_staff: bool = False) -> list[int]:
    """Check a ranking against a ballot's rules and return it as a list of ids.

    Refused with InvalidRanking (a message saying how to fix it, attached to the form
    field it is about): anything but project numbers, fewer than `min_ranks` or more than
    `max_ranks` choices, the same project twice, and any project not in `titles` (the
    ballot's projects: id -> title; titles are read only for a message). The messages speak
    to the voter, or with `for_staff` to the member of staff keying a paper ballot.
    """
    words = _StaffWords if for_staff else _VoterWords
    field = fields.field_for if fields is not None else (lambda i: f"rank{i + 1}")
    if isinstance(ranking, (str, bytes)) or not isinstance(ranking, Iterable):
        raise InvalidRanking("Choose projects from the list.", field="rank1")
    ranking = list(ranking)
    for i, project_id in enumerate(ranking):
        if isinstance(project_id, bool) or not isinstance(project_id, int):
            raise InvalidRanking(words.not_a_project(i + 1), field=field(i))
    if len(ranking) > max_ranks:
        raise InvalidRanking(words.too_many(max_ranks, len(ranking)), field=field(max_ranks))
    if len(ranking) < min_ranks:
        message = words.too_few(min_ranks, len(ranking)) if ranking else words.none(min_ranks)
        raise InvalidRanking(message, field=field(len(ranking)))
    seen: dict[int, int] = {}
    for i, project_id in enumerate(ranking):
        if project_id not in titles:
            raise InvalidRanking(words.not_a_project(i + 1), field=field(i))
        if project_id in seen:
            raise InvalidRanking(words.twice(titles[project_id], seen[project_id] + 1, i + 1), field=field(i))
        seen[project_id] = i
    return ranking


# The ballot online asks for one choice per page: "Choose your 1st choice", then the 2nd, …
# Every page posts all the choices so far (the current one as a radio group, the others as
# hidden fields), so the ballot works without JavaScript and keeps nothing on the server.

@dataclass(frozen=True)
class BallotStep:
    """What the ballot shows after a page is sent: the choice to ask for next, or the check page."""

    step: int | None            # the choice to ask for (1 = the 1st choice); None: show the check page
    values: dict[str, str]      # the choices kept, by field (rank1, rank2, …), to send on with the page
    errors: dict[str, str]

    @property
    def ranking(self) -> RankingInput:
        """The choices kept, in order, as the check page reads them."""
        return read_ranking(self.values)


def _rank_field(n: int) -> str:
    return f"rank{n}"


def _step_number(raw: str | None, steps: int) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= steps else None


def _step_problem(value: str, n: int, chosen: Sequence[int], titles: Mapping[int, str]) -> str | None:
    """Why `value` cannot be the `n`th choice after the choices `chosen`, or None if it can."""
    if not value.isdigit() or int(value) not in titles:
        return _VoterWords.not_a_project(n)
    if int(value) in chosen:
        first = list(chosen).index(int(value)) + 1
        return (f"“{titles[int(value)]}” is already your {ordinal(first)} choice. "
                f"Choose a different project for your {ordinal(n)} choice.")
    return None


def not_picked_message(n: int, optional: bool) -> str:
    """The error for a ballot page sent without choosing."""
    if optional:
        return f"Choose a project for your {ordinal(n)} choice, or choose “No {ordinal(n)} choice”."
    return f"Choose your {ordinal(n)} choice: pick one of the projects."


def _leading_choices(values: Mapping[str, str], steps: int, titles: Mapping[int, str]) -> list[int]:
    """The valid choices from the 1st on, up to the first gap or problem."""
    chosen: list[int] = []
    for n in range(1, steps + 1):
        value = values.get(_rank_field(n), "")
        if not value or _step_problem(value, n, chosen, titles):
            break
        chosen.append(int(value))
    return chosen


def next_ballot_step(form: Mapping[str, str], *, steps: int, min_ranks: int,
                     titles: Mapping[int, str]) -> BallotStep:
    """Read one page of the ballot and decide what comes next.

    The form carries `step` (the choice its radio group was for) and rank1, rank2, …; or
    `goto` (a "Change your 2nd choice" button) to show that choice again with the others
    kept. A page sent without a choice, or with one that is not on the ballot or was already
    chosen, comes back with an error. "No 2nd choice" (an empty value, offered once the
    choices still needed are made) finishes the ballot; so does the last choice.
    """
    try:
        values = read_ranking(form).values
    except InvalidRanking as exc:
        return BallotStep(1, {}, exc.errors)
    current = _step_number(form.get("step"), steps)
    goto = _step_number(form.get("goto"), steps)
    if goto is not None or current is None:
        # Shown again with the choices so far; never past the first choice still to make.
        leading = _leading_choices(values, steps, titles)
        return BallotStep(min(goto or 1, len(leading) + 1), values, {})
    chosen: list[int] = []
    for n in range(1, current):
        value = values.get(_rank_field(n), "")
        problem = not_picked_message(n, n > min_ranks) if not value else _step_problem(value, n, chosen, titles)
        if problem:
            return BallotStep(n, values, {_rank_field(n): problem})
        chosen.append(int(value))
    field = _rank_field(current)
    value = values.get(field)
    if value is None or (value == "" and current <= min_ranks):
        return BallotStep(current, values, {field: not_picked_message(current, current > min_ranks)})
    if value == "":
        return BallotStep(None, _as_values(chosen), {})
    problem = _step_problem(value, current, chosen, titles)
    if problem:
        return BallotStep(current, values, {field: problem})
    chosen.append(int(value))
    if current == steps:
        return BallotStep(None, _as_values(chosen), {})
    # Later choices kept from an earlier pass stay, unless they repeat one just made.
    later = {f: v for f, v in values.items() if current < int(f[4:]) <= steps
             and not (v.isdigit() and int(v) in chosen)}
    return BallotStep(current + 1, {**_as_values(chosen), **later}, {})


def _as_values(chosen: Sequence[int]) -> dict[str, str]:
    return {_rank_field(n): str(pid) for n, pid in enumerate(chosen, start=1)}
