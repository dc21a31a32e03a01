"""Resident lists: reading the CSV file staff upload, and the normalised identity of a person,
as a resident list's keyed hash is taken of it.

A list row and a registration match when their normalised name, date of birth and postcode
are the same: case, accents, punctuation and spacing in the name do not matter, nor spacing
and case in the postcode.

A file is read whole before anything is stored: `parse_resident_list` returns every row, or
raises BadListFile saying what is wrong, by line number, so the person uploading it can fix
the file and send it again.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from pb.domain.errors import ValidationFailed
from pb.domain.postcodes import normalise_postcode
from pb.domain.words import N_, _, n_

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# A file with many bad rows lists this many, then "and N more".
PROBLEMS_SHOWN = 20
MAX_AGE_YEARS = 120

# Column headings, as `_heading_key` reads them (lower case, single spaces, no dots or brackets).
NAME_HEADINGS = frozenset({"name", "full name", "fullname"})
FIRST_NAME_HEADINGS = frozenset({"first name", "firstname", "first names", "forename", "forenames",
                                 "given name", "given names"})
LAST_NAME_HEADINGS = frozenset({"last name", "lastname", "surname", "family name"})
BIRTH_HEADINGS = frozenset({"date of birth", "dob", "birth date", "birthdate"})
POSTCODE_HEADINGS = frozenset({"postcode", "post code", "postal code"})


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_FIRST_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")


# ---------------------------------------------------------------- identity


_APOSTROPHES = re.compile(r"['’`]")
_NOT_WORD = re.compile(r"[^\w]+")
_SPACES = re.compile(r"\s+")


def normalised_name(name: str) -> str:
    """"  Mary-Jane  O'Brien " -> "mary jane obrien": lower case, no accents or punctuation, single spaces."""
    text = name or ""
    if text.isascii():  # the same result, faster: plain ASCII has nothing to decompose and no combining marks
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _APOSTROPHES.sub("", text)
    text = _NOT_WORD.sub(" ", text)
    return " ".join(text.replace("_", " ").split())


def normalised_postcode(postcode: str) -> str:
    return _SPACES.sub("", postcode or "").upper()


def identity_text(name: str, born: date, postcode: str) -> str:
    """The text a resident list entry's keyed hash is taken of."""
    return _identity(normalised_name(name), born.isoformat(), normalised_postcode(postcode))


def _identity(name_key: str, born_iso: str, compact_postcode: str) -> str:
    return "\x1f".join((name_key, born_iso, compact_postcode))


# ---------------------------------------------------------------- reading a file


class ListRow(NamedTuple):
    """One resident on a list: the line of the file it came from and its identity_text."""

    line: int
    identity: str


class BadListFile(ValidationFailed):
    """A resident list file that cannot be taken as it is.

    `message` says what to do; `problems` lists what is wrong, line by line (the first
    PROBLEMS_SHOWN of them, then "and N more"). Nothing of the file is stored.
    """

    def __init__(self, message: str, problems: list[str] | tuple[str, ...] = (),
                 errors: dict[str, str] | None = None):
        super().__init__(message, field="file", errors=errors)
        self.problems = list(problems)


@dataclass(frozen=True)
class _Columns:
    name: int | None
    first: int | None
    last: int | None
    born: int
    postcode: int


def parse_resident_list(data: bytes, *, today: date | None = None, max_rows: int = MAX_ROWS) -> list[ListRow]:
    """Read a resident list: a CSV file with a heading row, then one resident per row.

    Columns may come in any order and other columns are ignored; the file is UTF-8, with
    or without a byte order mark, separated by commas (or semicolons or tabs, as some
    spreadsheets save). Raises BadListFile for a file that is too large, empty, not UTF-8,
    missing a column, with more than `max_rows` rows, or with any bad or repeated row.
    """
    today = today or date.today()
    if len(data) > MAX_BYTES:
        raise BadListFile(too_large_message(len(data)))
    text = _decode(data)
    records = _records(text)
    header_line, header = next(records, (0, None))
    if header is None:
        raise BadListFile(_("The file is empty. Choose a CSV file with a heading row and one row for each resident."))
    columns = _columns(header)
    rows: list[ListRow] = []
    problems = _Problems()
    first_line_of: dict[str, int] = {}
    # Many rows share a date of birth or a postcode: each is read once, as (what identity_text
    # makes of it, None) or (None, what is wrong with it).
    dates: dict[str, tuple[str | None, Problem | None]] = {}
    postcodes: dict[str, tuple[str | None, Problem | None]] = {}
    for line, cells in records:
        if len(rows) + problems.count >= max_rows:
            raise BadListFile(_("The file has more than %(rows)s rows of residents. Split it into files of "
                                "up to %(rows)s rows and upload each as a list of its own.", rows=format(max_rows, ",")))
        identity, problem = _read_row(cells, columns, today, dates, postcodes)
        if problem:
            message, values = problem
            problems.add(_(message, line=line, **values))
            continue
        earlier = first_line_of.get(identity)
        if earlier is not None:
            problems.add(_("Line %(line)s repeats line %(earlier)s (the same name, date of birth and postcode).",
                           line=line, earlier=earlier))
            continue
        first_line_of[identity] = line
        rows.append(ListRow(line, identity))
    if problems.count:
        raise BadListFile(n_("%(count)s row needs fixing. Nothing was stored: correct the file and upload it again.",
                             "%(count)s rows need fixing. Nothing was stored: correct the file and upload it again.",
                             problems.count, count=format(problems.count, ",")), problems.shown())
    if not rows:
        raise BadListFile(_("The file has a heading row (line %(line)s) but no residents. "
                            "Add one row for each resident and upload it again.", line=header_line))
    return rows


def too_large_message(size: int | None) -> str:
    """What to say about a file over MAX_BYTES (`size` in bytes, or None when it is not known)."""
    limit, rows = MAX_BYTES // (1024 * 1024), f"{MAX_ROWS:,}"
    if size:
        return _("The file is %(size)s MB: a resident list can be up to %(limit)s MB (about %(rows)s rows). Delete "
                 "the columns other than name, date of birth and postcode, or split the list into smaller files, "
                 "and upload it again.", size=format(size / (1024 * 1024), ".1f"), limit=limit, rows=rows)
    return _("The file is larger than %(limit)s MB: a resident list can be up to %(limit)s MB (about %(rows)s rows). "
             "Delete the columns other than name, date of birth and postcode, or split the list into smaller "
             "files, and upload it again.", limit=limit, rows=rows)


class _Problems:
    def __init__(self) -> None:
        self.count = 0
        self._first: list[str] = []

    def add(self, problem: str) -> None:
        self.count += 1
        if len(self._first) < PROBLEMS_SHOWN:
            self._first.append(problem)

    def shown(self) -> list[str]:
        more = self.count - len(self._first)
        return self._first + ([n_("and %(count)s more", "and %(count)s more", more, count=format(more, ","))] if more else [])


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadListFile(_("The file is saved as UTF-16, not UTF-8. In Excel, choose File, Save as, and the type "
                            "“CSV UTF-8 (Comma delimited)”, then upload the new file."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadListFile(_("The file is not saved as UTF-8: line %(line)s has characters pb cannot read. In Excel, "
                            "choose File, Save as, and the type “CSV UTF-8 (Comma delimited)”, then upload the new "
                            "file.", line=line)) from None


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the row starts, its cells) for every row that is not blank."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BadListFile(_("Line %(line)s cannot be read as CSV (%(error)s). Nothing was stored: correct the "
                                "file and upload it again.", line=start, error=exc)) from None
        if any(cell.strip() for cell in cells):
            yield start, cells


def _heading_key(heading: str) -> str:
    """"Date_of_Birth (dd/mm/yyyy)" -> "date of birth"; "D.O.B." -> "dob"."""
    text = re.sub(r"\(.*?\)", " ", heading.casefold()).replace(".", "")
    return " ".join(re.sub(r"[_\-\s]+", " ", text).split())


def _columns(header: list[str]) -> _Columns:
    found: dict[str, list[int]] = {}
    kinds = (("name", NAME_HEADINGS), ("first", FIRST_NAME_HEADINGS), ("last", LAST_NAME_HEADINGS),
             ("born", BIRTH_HEADINGS), ("postcode", POSTCODE_HEADINGS))
    for index, heading in enumerate(header):
        key = _heading_key(heading)
        for kind, names in kinds:
            if key in names:
                found.setdefault(kind, []).append(index)
    for kind, indexes in found.items():
        if len(indexes) > 1:
            first, second = (header[i].strip() for i in indexes[:2])
            raise BadListFile(_(_TWO_COLUMNS[kind], first=first, second=second))
    missing = []
    if "name" not in found:
        if "first" in found and "last" not in found:
            missing.append("last")
        elif "last" in found and "first" not in found:
            missing.append("first")
        elif "first" not in found:
            missing.append("name")
    missing += [kind for kind in ("born", "postcode") if kind not in found]
    if missing:
        headings = [h.strip()[:40] for h in header if h.strip()]
        shown = ", ".join(f"“{h}”" for h in headings[:12]) + (", …" if len(headings) > 12 else "")
        raise BadListFile(_("The file has no column for %(what)s. Its first line has the headings: %(headings)s. "
                            "Head the columns Name, Date of birth and Postcode (in any order), or use First name "
                            "and Last name in place of Name.", what=_columns_words(missing),
                            headings=shown or _("none")))
    one = {kind: indexes[0] for kind, indexes in found.items()}
    if "name" in one:
        one.pop("first", None)
        one.pop("last", None)
    return _Columns(name=one.get("name"), first=one.get("first"), last=one.get("last"),
                    born=one["born"], postcode=one["postcode"])


# TRANSLATORS: staff uploading a resident list; "first" and "second" are the two columns' headings.
_TWO_COLUMNS = {
    "name": N_("More than one column is for the name (“%(first)s” and “%(second)s”). Keep one of them and upload the file again."),
    "first": N_("More than one column is for the first name (“%(first)s” and “%(second)s”). Keep one of them and upload the file again."),
    "last": N_("More than one column is for the last name (“%(first)s” and “%(second)s”). Keep one of them and upload the file again."),
    "born": N_("More than one column is for the date of birth (“%(first)s” and “%(second)s”). Keep one of them and upload the file again."),
    "postcode": N_("More than one column is for the postcode (“%(first)s” and “%(second)s”). Keep one of them and upload the file again."),
}
# The columns a file lacks, as they are named in "The file has no column for …".
_COLUMN_WORDS = {"name": N_("the name"), "first": N_("the first name"), "last": N_("the last name"),
                 "born": N_("the date of birth"), "postcode": N_("the postcode")}


def _columns_words(kinds: list[str]) -> str:
    """ "the name", "the name and the postcode", "the name, the date of birth and the postcode"."""
    words = [_(_COLUMN_WORDS[kind]) for kind in kinds]
    if len(words) == 1:
        return words[0]
    if len(words) == 2:
        return _("%(first)s and %(last)s", first=words[0], last=words[1])
    return _("%(first)s, %(second)s and %(last)s", first=words[0], second=words[1], last=words[2])


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _read_row(cells: list[str], columns: _Columns, today: date, dates: dict[str, tuple[str | None, Problem | None]],
              postcodes: dict[str, tuple[str | None, Problem | None]]) -> tuple[str, Problem | None]:
    """(identity_text, None) for a good row, or ("", what is wrong with it)."""
    if columns.name is not None:
        name = _cell(cells, columns.name)
    else:
        name = " ".join(part for part in (_cell(cells, columns.first), _cell(cells, columns.last)) if part)
    name_key = normalised_name(name)
    if not name_key:
        if not name:
            return "", (N_("Line %(line)s: the name is empty."), {})
        return "", (N_("Line %(line)s: the name “%(name)s” has no letters."), {"name": _short(name)})
    born_text = _cell(cells, columns.born)
    born = dates.get(born_text)
    if born is None:
        read = _read_date(born_text, today)
        born = dates[born_text] = (None, read) if isinstance(read, tuple) else (read.isoformat(), None)
    if born[1]:
        return "", born[1]
    postcode_text = _cell(cells, columns.postcode)
    postcode = postcodes.get(postcode_text)
    if postcode is None:
        postcode = postcodes[postcode_text] = _read_postcode(postcode_text)
    if postcode[1]:
        return "", postcode[1]
    return _identity(name_key, born[0], postcode[0]), None


# What is wrong with a row: a message with the placeholder %(line)s, and its other values.
Problem = tuple[str, dict]


def _read_postcode(text: str) -> tuple[str | None, Problem | None]:
    if not text:
        return None, (N_("Line %(line)s: the postcode is empty."), {})
    postcode = normalise_postcode(text)
    if postcode is None:
        return None, (N_("Line %(line)s: “%(postcode)s” is not a UK postcode. Write it like E8 1AB."),
                      {"postcode": _short(text)})
    return normalised_postcode(postcode), None


def _read_date(text: str, today: date) -> date | Problem:
    """The date `text` gives, or what is wrong with it."""
    if not text:
        return N_("Line %(line)s: the date of birth is empty."), {}
    iso = _ISO_DATE.match(text)
    day_first = _DAY_FIRST_DATE.match(text)
    if iso:
        year, month, day = (int(v) for v in iso.groups())
    elif day_first:
        day, month, year = int(day_first.group(1)), int(day_first.group(3)), int(day_first.group(4))
    else:
        return (N_("Line %(line)s: the date of birth “%(date)s” is not a date pb can read. "
                   "Write dates as 27/03/1948 or 1948-03-27."), {"date": _short(text)})
    try:
        born = date(year, month, day)
    except ValueError:
        return (N_("Line %(line)s: the date of birth “%(date)s” is not a real date. "
                   "Write dates as 27/03/1948 or 1948-03-27."), {"date": _short(text)})
    if born >= today:
        return N_("Line %(line)s: the date of birth “%(date)s” is not in the past."), {"date": _short(text)}
    if today.year - born.year > MAX_AGE_YEARS:
        return (N_("Line %(line)s: the date of birth “%(date)s” is more than %(years)s years ago."),
                {"date": _short(text), "years": MAX_AGE_YEARS})
    return born


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"
