"""Reading a resident list file: headings in any order and spelling, dates in the common UK forms,
and every bad row reported by its line number."""
from __future__ import annotations

from datetime import date

import pytest

from pb.domain.resident_list import (
    MAX_BYTES,
    PROBLEMS_SHOWN,
    BadListFile,
    identity_text,
    normalised_name,
    parse_resident_list,
)

TODAY = date(2026, 6, 1)
MARY = identity_text("Mary O'Brien", date(1948, 3, 27), "E8 1AB")
JOHN = identity_text("John Smith", date(1950, 1, 2), "N16 7AA")


def parse(text: str, encoding: str = "utf-8", **kw):
    return parse_resident_list(text.encode(encoding), today=TODAY, **kw)


def refused(text: str | bytes, **kw) -> BadListFile:
    data = text if isinstance(text, bytes) else text.encode()
    with pytest.raises(BadListFile) as caught:
        parse_resident_list(data, today=TODAY, **kw)
    assert caught.value.field == "file"
    assert caught.value.errors["file"] == caught.value.message
    return caught.value


def test_a_plain_file_gives_one_row_per_resident_with_its_line():
    rows = parse("Name,Date of birth,Postcode\nMary O'Brien,27/03/1948,E8 1AB\nJohn Smith,02/01/1950,N16 7AA\n")
    assert [(r.line, r.identity) for r in rows] == [(2, MARY), (3, JOHN)]


def test_columns_in_any_order_with_others_ignored_and_a_byte_order_mark():
    text = "\ufeffPostcode,Address,DOB,Full Name\r\ne81ab,1 Mare Street,1948-03-27,  MARY  o'brien \r\n"
    assert [r.identity for r in parse(text)] == [MARY]


@pytest.mark.parametrize("first,last", [("First name", "Last name"), ("Forename", "Surname"),
                                         ("given_name", "FAMILY NAME"), ("first-name", "surname")])
def test_first_and_last_name_columns_are_joined(first, last):
    rows = parse(f"{last},{first},date_of_birth,Post code\nO'Brien,Mary,27/03/1948,E8 1AB\n")
    assert [r.identity for r in rows] == [MARY]


@pytest.mark.parametrize("heading", ["Date of birth", "DOB", "d.o.b.", "Birth date", "date_of_birth",
                                     "Date of birth (dd/mm/yyyy)"])
def test_spellings_of_the_date_of_birth_heading(heading):
    assert [r.identity for r in parse(f"Name,{heading},Postal code\nMary O'Brien,27/03/1948,E8 1AB\n")] == [MARY]


@pytest.mark.parametrize("written", ["1948-03-27", "27/03/1948", "27/3/1948", "27-03-1948", "27.03.1948", "1948-3-27"])
def test_dates_in_the_accepted_forms(written):
    assert [r.identity for r in parse(f"Name,DOB,Postcode\nMary O'Brien,{written},E8 1AB\n")] == [MARY]


@pytest.mark.parametrize("written,says", [
    ("1948/03/27", "is not a date pb can read"),
    ("27 March 1948", "is not a date pb can read"),
    ("27/03/48", "is not a date pb can read"),
    ("27/03-1948", "is not a date pb can read"),
    ("03-27-1948", "is not a real date"),
    ("31/02/1948", "is not a real date"),
    ("01/01/2030", "is not in the past"),
    ("01/01/1850", "more than 120 years ago"),
    ("", "the date of birth is empty"),
])
def test_other_dates_are_refused_with_their_line(written, says):
    problem = refused(f"Name,DOB,Postcode\nJohn Smith,02/01/1950,N16 7AA\nMary O'Brien,{written},E8 1AB\n")
    assert problem.message.startswith("1 row needs fixing. Nothing was stored")
    assert len(problem.problems) == 1
    assert problem.problems[0].startswith("Line 3: ") and says in problem.problems[0]


def test_semicolon_and_tab_separated_files_are_read():
    assert [r.identity for r in parse("Name;DOB;Postcode\nMary O'Brien;27/03/1948;E8 1AB\n")] == [MARY]
    assert [r.identity for r in parse("Name\tDOB\tPostcode\nMary O'Brien\t27/03/1948\tE8 1AB\n")] == [MARY]


def test_quoted_cells_and_blank_lines():
    text = 'Name,DOB,Postcode\n\n"O\'Brien, Mary",27/03/1948,E8 1AB\n,,\n"Smith\nJohn",02/01/1950,N16 7AA\n'
    rows = parse(text)
    assert [r.line for r in rows] == [3, 5]
    assert rows[0].identity == identity_text("O'Brien, Mary", date(1948, 3, 27), "E8 1AB")


def test_the_identity_ignores_case_accents_punctuation_and_spacing():
    assert normalised_name("  Zoë  O’BRIEN-Smith ") == "zoe obrien smith"
    assert identity_text("Zoë O'Brien", date(1948, 3, 27), "e8 1ab") == identity_text("ZOE OBRIEN", date(1948, 3, 27), "E81AB")


@pytest.mark.parametrize("header,missing,found", [
    ("Name,Address", "the date of birth and the postcode", "“Name”, “Address”"),
    ("Resident,DOB,Postcode", "the name", "“Resident”, “DOB”, “Postcode”"),
    ("First name,DOB,Postcode", "the last name", "“First name”"),
    ("Surname,DOB,Postcode", "the first name", "“Surname”"),
    ("Full name,Born on,Zip", "the date of birth and the postcode", "“Full name”, “Born on”, “Zip”"),
])
def test_missing_columns_say_which_and_what_was_found(header, missing, found):
    problem = refused(f"{header}\nMary,27/03/1948,E8 1AB\n")
    assert f"The file has no column for {missing}." in problem.message
    assert f"Its first line has the headings: {found}" in problem.message
    assert "Date of birth" in problem.message


def test_two_columns_for_the_same_thing_are_refused():
    problem = refused("Name,DOB,Postcode,Post code\nMary O'Brien,27/03/1948,E8 1AB,E8 1AB\n")
    assert "More than one column is for the postcode (“Postcode” and “Post code”)" in problem.message


@pytest.mark.parametrize("cells,says", [
    (",27/03/1948,E8 1AB", "the name is empty"),
    ("'--',27/03/1948,E8 1AB", "has no letters"),
    ("Mary O'Brien,27/03/1948,", "the postcode is empty"),
    ("Mary O'Brien,27/03/1948,E8", "“E8” is not a UK postcode"),
    ("Mary O'Brien,27/03/1948,SW1A 1AAA", "“SW1A 1AAA” is not a UK postcode"),
    ("Mary O'Brien,27/03/1948,12345", "“12345” is not a UK postcode"),
    ("Mary O'Brien", "the date of birth is empty"),
])
def test_bad_rows_are_reported_by_line(cells, says):
    problem = refused(f"Name,DOB,Postcode\nJohn Smith,02/01/1950,N16 7AA\n{cells}\n")
    assert problem.problems == [problem.problems[0]]
    assert problem.problems[0].startswith("Line 3: ") and says in problem.problems[0]


def test_a_repeated_row_names_the_line_it_repeats():
    text = ("Name,DOB,Postcode\n" + "\n".join(f"Person {n},01/01/1950,E8 1AB" for n in range(1, 7))
            + "\nMARY O'BRIEN,27/03/1948,E8 1AB\nJohn Smith,02/01/1950,N16 7AA\nmary obrien,1948-03-27,e81ab\n")
    problem = refused(text)
    assert problem.problems == ["Line 10 repeats line 8 (the same name, date of birth and postcode)."]


def test_at_most_twenty_problems_are_listed_then_how_many_more():
    text = "Name,DOB,Postcode\n" + "".join(f"Person {n},not a date,E8 1AB\n" for n in range(45))
    problem = refused(text)
    assert problem.message.startswith("45 rows need fixing.")
    assert len(problem.problems) == PROBLEMS_SHOWN + 1
    assert problem.problems[0].startswith("Line 2: ")
    assert problem.problems[PROBLEMS_SHOWN - 1].startswith("Line 21: ")
    assert problem.problems[-1] == "and 25 more"


def test_a_file_that_is_not_utf8_is_refused_with_the_line():
    data = "Name,DOB,Postcode\nJohn Smith,02/01/1950,N16 7AA\nZoë Brown,27/03/1948,E8 1AB\n".encode("latin-1")
    problem = refused(data)
    assert "not saved as UTF-8: line 3" in problem.message and "CSV UTF-8" in problem.message
    assert "UTF-16" in refused("Name,DOB,Postcode\n".encode("utf-16")).message


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n  \n", b",,\n"])
def test_an_empty_file_is_refused(data):
    assert refused(data).message.startswith("The file is empty.")


def test_headings_without_residents_are_refused():
    assert "a heading row (line 1) but no residents" in refused("Name,DOB,Postcode\n\n").message


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    problem = refused(b"x" * (MAX_BYTES + 1))
    assert problem.message.startswith("The file is 20.0 MB: a resident list can be up to 20 MB")


def test_more_rows_than_the_limit_are_refused():
    text = "Name,DOB,Postcode\n" + "".join(f"Person {n},01/01/1950,E8 1AB\n" for n in range(6))
    assert len(parse(text, max_rows=6)) == 6
    assert "more than 5 rows of residents" in refused(text, max_rows=5).message


def test_a_cell_that_cannot_be_read_as_csv_names_its_line():
    text = 'Name,DOB,Postcode\nJohn Smith,02/01/1950,N16 7AA\n"' + "x" * 200_000 + '",27/03/1948,E8 1AB\n'
    assert refused(text).message.startswith("Line 3 cannot be read as CSV")
