"""A ranked ballot as a voter fills it in: reading the choices from a form and checking them against the ballot's rules."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pb.domain.errors import InvalidRanking
from pb.domain.words import N_, _, choice, n_, ordinal, your_choice

# A place as a number ("1st", "22nd") in the current language, for the sentences that the rank phrases
# of pb.domain.words do not cover ("as your 1st and your 3rd choice", "the 2nd highest score"). English
# chooses the ending by the number's last digits; each language writes its own form of each of the four
# (Turkish and Polish "%(number)s.").
# TRANSLATORS: a place as a number: 1st, 21st; write it as your language writes a place in a list.
_PLACE = {"st": N_("%(number)sst"), "nd": N_("%(number)snd"), "rd": N_("%(number)srd"), "th": N_("%(number)sth")}


def place(n: int) -> str:
    """ "1st", "2nd", "11th" in the current language."""
    return _(_PLACE[ordinal(n)[len(str(n)):]], number=n)


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
                _("That ballot has more choices than any round allows. Go back to the ballot and choose again."),
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
            raise InvalidRanking(_VoterWords.not_a_project(n), field=key)
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
        return _("%(choice)s is not one of the projects on this ballot. Choose a project from the list.",
                 choice=your_choice(n, start=True))

    @staticmethod
    def too_many(max_ranks: int, chosen: int) -> str:
        return " ".join((n_("You can choose up to %(num)s project.", "You can choose up to %(num)s projects.", max_ranks),
                         n_("You chose %(chosen)s: remove %(num)s choice.", "You chose %(chosen)s: remove %(num)s choices.",
                            chosen - max_ranks, chosen=chosen)))

    @staticmethod
    def none(min_ranks: int) -> str:
        if min_ranks > 1:
            return n_("Choose at least %(num)s project, starting with your 1st choice.",
                      "Choose at least %(num)s projects, starting with your 1st choice.", min_ranks)
        return _("Choose your 1st choice: pick a project from the list.")

    @staticmethod
    def too_few(min_ranks: int, chosen: int) -> str:
        return " ".join((n_("Choose at least %(num)s project.", "Choose at least %(num)s projects.", min_ranks),
                         _("You chose %(chosen)s: add %(choice)s.", chosen=chosen, choice=your_choice(chosen + 1))))

    @staticmethod
    def twice(title: str, first: int, second: int) -> str:
        return _("You chose “%(title)s” as your %(first)s and your %(second)s choice. Choose each project only once.",
                 title=title, first=place(first), second=place(second))


class _StaffWords:
    """The same refusals for a member of staff keying a paper ballot: about the paper, not "you"."""

    @staticmethod
    def not_a_project(n: int) -> str:
        # TRANSLATORS: to staff keying a paper ballot.
        return _("The %(choice)s entered is not one of the projects on this ballot. "
                 "Check the paper and choose the project it shows.", choice=choice(n))

    @staticmethod
    def too_many(max_ranks: int, chosen: int) -> str:
        return " ".join((n_("This ballot can have up to %(num)s choice, and %(chosen)s are entered.",
                            "This ballot can have up to %(num)s choices, and %(chosen)s are entered.",
                            max_ranks, chosen=chosen),
                         _("Check the paper.")))

    @staticmethod
    def none(min_ranks: int) -> str:
        return _("Enter the 1st choice shown on the paper.") if min_ranks <= 1 else n_(
            "This ballot needs at least %(num)s choice. Enter them as the paper shows, starting with the 1st.",
            "This ballot needs at least %(num)s choices. Enter them as the paper shows, starting with the 1st.",
            min_ranks)

    @staticmethod
    def too_few(min_ranks: int, chosen: int) -> str:
        return " ".join((n_("This ballot needs at least %(choices)s, and %(num)s is entered.",
                            "This ballot needs at least %(choices)s, and %(num)s are entered.", chosen,
                            choices=n_("%(num)s choice", "%(num)s choices", min_ranks)),
                         _("Enter the %(choice)s from the paper.", choice=choice(chosen + 1))))

    @staticmethod
    def twice(title: str, first: int, second: int) -> str:
        return _("This ballot has “%(title)s” as both %(first)s and %(second)s choice. Check the paper.",
                 title=title, first=place(first), second=place(second))


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
        raise InvalidRanking(_("Choose projects from the list."), field="rank1")
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
        return " ".join((_("“%(title)s” is already %(choice)s.", title=titles[int(value)], choice=your_choice(first)),
                         _("Choose a different project for %(choice)s.", choice=your_choice(n))))
    return None


def not_picked_message(n: int, optional: bool) -> str:
    """The error for a ballot page sent without choosing."""
    if optional:
        return _("Choose a project for %(choice)s, or choose “%(no_choice)s”.",
                 choice=your_choice(n), no_choice=_("No %(choice)s", choice=choice(n)))
    return _("Choose %(choice)s: pick one of the projects.", choice=your_choice(n))


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
