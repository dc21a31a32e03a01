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
