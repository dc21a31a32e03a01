"""Resident lists: uploading, matching residents (new and already registered), bad files refused
with nothing stored, replacing and deleting a list, and administrators only."""
from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from pb.domain.errors import NotAllowed, NotFound, ValidationFailed
from pb.domain.resident_list import BadListFile
from pb.extensions import db
from pb.models import AuditEvent, ResidentList, ResidentListEntry, User
from pb.services import resident_lists
from pb.services.resident_lists import identity_hash
from tests import factories
from tests.residents.conftest import error_messages, register_steps, text_of

INDEX = "/staff/resident-lists/"
UPLOAD = "/staff/resident-lists/upload"
HEADER = "Name,Date of birth,Postcode"

MARY = ("Mary O'Brien", date(1948, 3, 27), "E8 1AB")
JOHN = ("John Smith", date(1950, 1, 2), "N16 7AA")
ADA = ("Ada Lovelace", date(1952, 12, 10), "E5 0LL")
CLEM = ("Clement Attlee", date(1949, 1, 3), "E9 5ND")
DORA = ("Dora Russell", date(1951, 4, 3), "E2 9DG")


def csv_of(*people, header: str = HEADER) -> bytes:
    lines = [header] + [f"{name},{born:%d/%m/%Y},{postcode}" for name, born, postcode in people]
    return ("\n".join(lines) + "\n").encode()


def words(response) -> str:
    """The page's text without its tags, white space made single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", text_of(response)).split())


def upload(client, data: bytes | None, name: str = "Hackney CVS members", source: str = "", **kw):
    form = {"name": name, "source": source}
    if data is not None:
        form["file"] = (io.BytesIO(data), "residents.csv")
    return client.post(UPLOAD, data=form, **kw)


def replace(client, list_id: int, data: bytes, **kw):
    return client.post(f"/staff/resident-lists/{list_id}/replace",
                       data={"file": (io.BytesIO(data), "residents.csv")}, **kw)


def resident(app, person, verification: str = "self-declared") -> int:
    name, born, postcode = person
    with app.app_context():
        return factories.make_resident(name=name, date_of_birth=born, postcode=postcode,
                                       verification=verification).id


def user(app, user_id: int) -> User:
    with app.app_context():
        found = db.session.get(User, user_id)
        db.session.expunge(found)
        return found


def the_lists(app) -> list[ResidentList]:
    with app.app_context():
        found = list(db.session.scalars(select(ResidentList).order_by(ResidentList.id)))
        db.session.expunge_all()
        return found


def hashes_of(app, list_id: int) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(ResidentListEntry.identity_hash)
                                      .where(ResidentListEntry.list_id == list_id)))


def hashes_for(app, *people) -> set[str]:
    with app.app_context():
        return {identity_hash(*person) for person in people}


def audit(app, action: str) -> list[dict]:
    with app.app_context():
        return [dict(e.details, actor_id=e.actor_id)
                for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def snapshot(app) -> dict[str, list]:
    """Every row of every table, to show that a refusal stored nothing."""
    with app.app_context():
        return {table.name: sorted(tuple(str(v) for v in row) for row in db.session.execute(select(table)))
                for table in db.metadata.sorted_tables}


def admin_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == "admin@example.org"))


# ---------------------------------------------------------------- uploading and matching


def test_the_lists_page_explains_the_file_and_has_the_upload_form(app, admin_client):
    html = admin_client.get(INDEX).get_data(as_text=True)
    assert "<h1>Resident lists</h1>" in html
    assert "No resident lists have been uploaded yet." in html
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    for field_id in ("name", "source", "file"):
        assert f'for="{field_id}"' in html
    assert "27/03/1948 or 1948-03-27" in html and "200,000 rows" in html
    script = re.search(r'<script src="([^"]*resident_list_upload\.js)"', html).group(1)
    assert admin_client.get(script).status_code == 200
    assert re.search(r'<div class="upload-progress" id="upload-progress" hidden\s', html)
    # The script's words come from the page, in its language.
    assert 'data-sent="Sent {percent}% of the file."' in html and 'data-importing="Importing the rows"' in html


def test_an_upload_stores_keyed_hashes_and_makes_matching_self_declared_residents_list_matched(app, admin_client):
    mary = resident(app, MARY)
    john = resident(app, JOHN)
    ada = resident(app, ADA, verification="staff")
    file = csv_of(("MARY  OBRIEN", MARY[1], "e81ab"), ADA, CLEM)
    response = upload(admin_client, file, source="Sent by the CVS, 3 October 2026")
    [lst] = the_lists(app)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/resident-lists/{lst.id}")
    page = text_of(admin_client.get(response.headers["Location"]))
    assert ("Imported 3 rows into the list “Hackney CVS members”. 1 resident who was self-declared is now "
            "list-matched.") in page
    assert (lst.name, lst.source, lst.row_count, lst.uploaded_by_id) == (
        "Hackney CVS members", "Sent by the CVS, 3 October 2026", 3, admin_id(app))
    assert hashes_of(app, lst.id) == hashes_for(app, MARY, ADA, CLEM)

    matched = user(app, mary)
    assert (matched.verification, matched.verified_list_id) == ("list", lst.id)
    assert matched.verified_by_id == admin_id(app)
    assert matched.verification_note == "Matched the resident list “Hackney CVS members”"
    assert user(app, john).verification == "self-declared"
    assert (user(app, ada).verification, user(app, ada).verified_list_id) == ("staff", None)
    [uploaded] = audit(app, "resident_list.uploaded")
    assert uploaded == {"list_id": lst.id, "name": "Hackney CVS members", "source": "Sent by the CVS, 3 October 2026",
                        "rows": 3, "matched": 1, "actor_id": admin_id(app)}
    assert [(e["resident_id"], e["way"], e["list_id"]) for e in audit(app, "resident.verified")] == [(mary, "list", lst.id)]


def test_the_list_page_and_the_lists_page_show_rows_and_matches(app, admin_client):
    resident(app, MARY)
    upload(admin_client, csv_of(MARY, JOHN), source="Tenancy list")
    [lst] = the_lists(app)
    index = text_of(admin_client.get(INDEX))
    assert "Hackney CVS members" in index and "Tenancy list" in index
    detail = words(admin_client.get(f"/staff/resident-lists/{lst.id}"))
    assert "Rows 2" in detail and "Residents verified by this list 1" in detail
    assert "Replace the file" in detail
    assert f'href="/staff/resident-lists/{lst.id}/delete"' in text_of(admin_client.get(f"/staff/resident-lists/{lst.id}"))


def test_names_and_dates_of_birth_on_a_list_are_never_stored(app, admin_client):
    people = [("Quennell Vantongeren", date(1933, 5, 17), "E8 3PL"), ("Zephyrine Aldous-Mbeki", date(1941, 11, 29), "N16 0AB")]
    upload(admin_client, csv_of(*people, header="Full name,DOB,Postcode"))
    [lst] = the_lists(app)
    assert lst.row_count == 2
    stored = " ".join(" ".join(" ".join(row) for row in rows) for rows in snapshot(app).values()).casefold()
    for name, born, _ in people:
        for form in (name, name.replace("-", " "), name.replace("-", "")):
            assert form.casefold() not in stored
        for part in name.replace("-", " ").split():
            assert part.casefold() not in stored
        assert born.isoformat() not in stored and f"{born:%d/%m/%Y}" not in stored
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes_of(app, lst.id))


def test_a_new_registration_through_the_form_is_list_matched(app, client, admin_user):
    with app.app_context():
        factories.make_round(phase="voting_open", title="Connect Hackney 2026")
        admin = db.session.get(User, admin_user.id)
        change = resident_lists.upload_list(admin, "Hackney CVS members", "", csv_of(("Margaret OKAFOR", date(1948, 3, 27), "e81ab"), JOHN))
    response = register_steps(client)
    assert response.status_code == 302
    with app.app_context():
        registered = db.session.scalar(select(User).where(User.email == "margaret@example.org"))
        assert (registered.verification, registered.verified_list_id) == ("list", change.list_id)
        assert registered.verification_note == "Matched the resident list “Hackney CVS members”"


def test_a_registration_that_matches_no_list_stays_self_declared(app, client, admin_user):
    with app.app_context():
        factories.make_round(phase="voting_open")
        resident_lists.upload_list(db.session.get(User, admin_user.id), "Members", "", csv_of(JOHN))
    assert register_steps(client).status_code == 302
    with app.app_context():
        registered = db.session.scalar(select(User).where(User.email == "margaret@example.org"))
        assert registered.verification == "self-declared"


def test_match_resident_finds_the_oldest_list_holding_someone(app_ctx, admin_user):
    admin = db.session.get(User, admin_user.id)
    first = resident_lists.upload_list(admin, "First", "", csv_of(JOHN))
    resident_lists.upload_list(admin, "Second", "", csv_of(MARY, JOHN))
    newcomer = factories.make_resident(name="john  SMITH", date_of_birth=JOHN[1], postcode="N16 7AA",
                                       verification="self-declared")
    assert resident_lists.match_resident(newcomer).id == first.list_id
    assert (newcomer.verification, newcomer.verified_list_id) == ("list", first.list_id)
    assert resident_lists.match_resident(newcomer) is None  # already verified: nothing changes


def test_the_progress_script_is_told_where_to_go_and_the_message_waits_for_that_page(app, admin_client):
    response = upload(admin_client, csv_of(MARY), headers={"X-PB-Upload": "progress"})
    [lst] = the_lists(app)
    assert response.status_code == 200 and response.mimetype == "application/json"
    location = json.loads(response.get_data(as_text=True))["location"]
    assert location.endswith(f"/staff/resident-lists/{lst.id}")
    assert "Imported 1 row into the list" in text_of(admin_client.get(location))
    refused = upload(admin_client, b"", headers={"X-PB-Upload": "progress"})
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    assert '<main id="main"' in refused.get_data(as_text=True)


# ---------------------------------------------------------------- bad input: nothing stored


BAD_FILES = {
    "missing columns": (b"Full name,Address\nMary O'Brien,1 Mare Street\n",
                        "The file has no column for the date of birth and the postcode. Its first line has the "
                        "headings: “Full name”, “Address”."),
    "unreadable date": (b"Name,DOB,Postcode\nMary O'Brien,27/03/1948,E8 1AB\nJohn Smith,1950/01/02,N16 7AA\n",
                        "Line 3: the date of birth “1950/01/02” is not a date pb can read."),
    "empty name": (b"Name,DOB,Postcode\n,27/03/1948,E8 1AB\n", "Line 2: the name is empty."),
    "empty postcode": (b"Name,DOB,Postcode\nMary O'Brien,27/03/1948,\n", "Line 2: the postcode is empty."),
    "not a UK postcode": (b"Name,DOB,Postcode\nMary O'Brien,27/03/1948,90210\n", "Line 2: “90210” is not a UK postcode."),
    "duplicate rows": (csv_of(JOHN, CLEM, MARY, ADA, DORA, ("A B", date(1950, 1, 1), "E8 1AA"),
                              ("C D", date(1950, 1, 1), "E8 1AA"), MARY),
                       "Line 9 repeats line 4 (the same name, date of birth and postcode)."),
    "not UTF-8": ("Name,DOB,Postcode\nZoë Brown,27/03/1948,E8 1AB\n".encode("cp1252"),
                  "The file is not saved as UTF-8: line 2 has characters pb cannot read."),
    "empty file": (b"", "The file is empty."),
    "no file chosen": (None, "Choose the CSV file of residents to upload"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_is_stored(app, admin_client, kind):
    resident(app, MARY)
    before = snapshot(app)
    data, says = BAD_FILES[kind]
    response = upload(admin_client, data)
    assert response.status_code == 400
    page = text_of(response)
    assert says in page
    assert "<title>Error: Resident lists" in page
    assert snapshot(app) == before


def test_a_missing_list_name_is_refused_along_with_the_files_problems(app, admin_client):
    before = snapshot(app)
    response = upload(admin_client, b"Name,DOB,Postcode\nMary O'Brien,27/03/1948,E8\n", name="   ")
    assert response.status_code == 400
    assert error_messages(response.get_data(as_text=True)) == [
        "Give the list a name, for example: Hackney CVS members, October 2026",
        "1 row needs fixing. Nothing was stored: correct the file and upload it again.",
    ]
    assert "Line 2: “E8” is not a UK postcode." in text_of(response)
    assert upload(admin_client, csv_of(MARY), name="").status_code == 400
    assert snapshot(app) == before


def test_many_bad_rows_list_the_first_twenty_then_how_many_more(app, admin_client):
    body = "Name,DOB,Postcode\n" + "".join(f"Person {n},27/03/1948,NOT A POSTCODE\n" for n in range(33))
    before = snapshot(app)
    response = upload(admin_client, body.encode())
    page = text_of(response)
    assert response.status_code == 400
    assert "33 rows need fixing." in page
    assert "Line 21: “NOT A POSTCODE”" in page and "Line 22:" not in page
    assert "and 13 more" in page
    assert snapshot(app) == before


def test_a_50_mb_file_gets_the_page_with_a_clear_message_not_a_bare_413(app, admin_client):
    before = snapshot(app)
    body = csv_of(MARY) + b"".join(b"Someone,27/03/1948,E8 1AB," + b"x" * 80 + b"\n" for _ in range(500_000))
    assert len(body) > 50 * 1000 * 1000
    response = upload(admin_client, body)
    assert response.status_code == 413
    page = text_of(response)
    assert "The file is 5" in page and "MB: a resident list can be up to 20 MB" in page
    assert "<h1>Resident lists</h1>" in page and 'type="file"' in page
    assert snapshot(app) == before


def test_a_body_sent_without_a_length_is_cut_off_at_the_limit(app, admin_client):
    before = snapshot(app)
    boundary = "pbboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nBig list\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + csv_of(MARY) + b"y" * (21 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    response = admin_client.post(UPLOAD, input_stream=io.BytesIO(body),
                                 content_type=f"multipart/form-data; boundary={boundary}",
                                 environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert "The file is larger than 20 MB: a resident list can be up to 20 MB" in text_of(response)
    assert snapshot(app) == before


def test_a_file_within_the_limit_goes_past_the_sites_smaller_request_limit(app, admin_client):
    people = [(f"Person {n}", date(1950, 1, 1 + n % 28), "E8 1AB") for n in range(36_000)]
    data = csv_of(*people)
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    response = upload(admin_client, data)
    assert response.status_code == 302
    assert the_lists(app)[0].row_count == 36_000


def test_the_service_refuses_bad_names_and_sources(app_ctx, admin_user):
    admin = db.session.get(User, admin_user.id)
    with pytest.raises(ValidationFailed) as caught:
        resident_lists.upload_list(admin, "x" * 121, "y" * 501, csv_of(MARY))
    assert set(caught.value.errors) == {"name", "source"}
    with pytest.raises(BadListFile) as caught:
        resident_lists.upload_list(admin, None, None, None)
    assert set(caught.value.errors) == {"name", "file"}
    assert db.session.scalar(select(ResidentList.id)) is None


# ---------------------------------------------------------------- administrators only


def test_staff_who_are_not_administrators_are_refused_everything(app, staff_client, admin_user):
    with app.app_context():
        change = resident_lists.upload_list(db.session.get(User, admin_user.id), "Members", "", csv_of(MARY))
    mary = resident(app, MARY)
    before = snapshot(app)
    assert staff_client.get(INDEX).status_code == 403
    assert staff_client.get(f"/staff/resident-lists/{change.list_id}").status_code == 403
    assert staff_client.get(f"/staff/resident-lists/{change.list_id}/delete").status_code == 403
    assert upload(staff_client, csv_of(JOHN)).status_code == 403
    assert replace(staff_client, change.list_id, csv_of(JOHN)).status_code == 403
    assert staff_client.post(f"/staff/resident-lists/{change.list_id}/delete").status_code == 403
    assert snapshot(app) == before
    assert user(app, mary).verification == "self-declared"


def test_the_service_refuses_anyone_but_an_administrator(app_ctx, staff_user, admin_user):
    staff = db.session.get(User, staff_user.id)
    with pytest.raises(NotAllowed):
        resident_lists.upload_list(staff, "Members", "", csv_of(MARY))
    change = resident_lists.upload_list(db.session.get(User, admin_user.id), "Members", "", csv_of(MARY))
    with pytest.raises(NotAllowed):
        resident_lists.replace_list(staff, change.list_id, csv_of(JOHN))
    with pytest.raises(NotAllowed):
        resident_lists.delete_list(staff, change.list_id)
    assert db.session.scalar(select(ResidentList.row_count)) == 1


def test_uploads_check_the_csrf_token_once_the_request_fits(csrf_app):
    with csrf_app.app_context():
        factories.make_staff(email="admin@example.org", admin=True)
    client = csrf_app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/sign-in", data={"email": "admin@example.org", "password": factories.PASSWORD, "csrf_token": token})
    before = snapshot(csrf_app)
    response = upload(client, csv_of(MARY))
    assert response.status_code == 400 and "This form has expired" in text_of(response)
    assert snapshot(csrf_app) == before
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(INDEX).get_data(as_text=True)).group(1)
    response = client.post(UPLOAD, data={"name": "Members", "csrf_token": token,
                                         "file": (io.BytesIO(csv_of(MARY)), "residents.csv")})
    assert response.status_code == 302
    [lst] = the_lists(csrf_app)
    assert client.post(f"/staff/resident-lists/{lst.id}/delete").status_code == 400
    assert client.post(f"/staff/resident-lists/{lst.id}/replace",
                       data={"file": (io.BytesIO(csv_of(JOHN)), "r.csv")}).status_code == 400
    assert hashes_of(csrf_app, lst.id) == hashes_for(csrf_app, MARY)


# ---------------------------------------------------------------- replacing a list's file


@pytest.fixture
def two_lists(app, admin_user):
    """Members (Mary, John, Dora) and Tenants (Dora), uploaded in that order, with Mary, John, Dora and
    Clement registered and self-declared before, and Ada registered and checked by staff."""
    ids = {key: resident(app, person) for key, person in (("mary", MARY), ("john", JOHN), ("dora", DORA), ("clem", CLEM))}
    ids["ada"] = resident(app, ADA, verification="staff")
    with app.app_context():
        admin = db.session.get(User, admin_user.id)
        ids["members"] = resident_lists.upload_list(admin, "Members", "", csv_of(MARY, JOHN, DORA)).list_id
        ids["tenants"] = resident_lists.upload_list(admin, "Tenants", "", csv_of(DORA)).list_id
    return ids


def test_replacing_a_file_swaps_the_entries_and_moves_the_residents(app, admin_client, two_lists):
    ids = two_lists
    assert [user(app, ids[k]).verified_list_id for k in ("mary", "john", "dora")] == [ids["members"]] * 3
    response = replace(admin_client, ids["members"], csv_of(JOHN, CLEM, ADA))
    assert response.status_code == 302
    page = text_of(admin_client.get(response.headers["Location"]))
    assert ("Replaced the file of “Members”: it now holds 3 rows. 1 resident who was self-declared is now "
            "list-matched. 1 resident is self-declared again: they are on no other list. 1 stays list-matched "
            "through another list.") in page
    assert hashes_of(app, ids["members"]) == hashes_for(app, JOHN, CLEM, ADA)
    assert hashes_of(app, ids["tenants"]) == hashes_for(app, DORA)
    members = the_lists(app)[0]
    assert members.row_count == 3 and members.replaced_at is not None and members.name == "Members"

    mary, john, dora, clem, ada = (user(app, ids[k]) for k in ("mary", "john", "dora", "clem", "ada"))
    assert (mary.verification, mary.verified_list_id, mary.verified_at) == ("self-declared", None, None)
    assert (john.verification, john.verified_list_id) == ("list", ids["members"])
    assert (dora.verification, dora.verified_list_id) == ("list", ids["tenants"])
    assert dora.verification_note == "Matched the resident list “Tenants”"
    assert (clem.verification, clem.verified_list_id) == ("list", ids["members"])
    assert (ada.verification, ada.verified_list_id) == ("staff", None)

    [removed] = audit(app, "resident.verification_removed")
    assert (removed["resident_id"], removed["was"], removed["actor_id"]) == (ids["mary"], "list", admin_id(app))
    assert removed["reason"] == "Not in the new file of the resident list “Members”"
    [changed] = audit(app, "resident.verification_list_changed")
    assert (changed["resident_id"], changed["list_id"], changed["was_list_id"]) == (ids["dora"], ids["tenants"], ids["members"])
    [replaced] = audit(app, "resident_list.replaced")
    assert replaced == {"list_id": ids["members"], "name": "Members", "rows": 3, "previous_rows": 3, "matched": 1,
                        "unverified": 1, "moved": 1, "actor_id": admin_id(app)}


def test_a_bad_replacement_file_changes_nothing(app, admin_client, two_lists):
    before = snapshot(app)
    response = replace(admin_client, two_lists["members"], csv_of(JOHN, CLEM, JOHN))
    assert response.status_code == 400
    page = text_of(response)
    assert "Line 4 repeats line 2" in page and "<title>Error: Members – Resident lists" in page
    assert replace(admin_client, two_lists["members"], b"Name,Postcode\nJohn,E8 1AB\n").status_code == 400
    assert snapshot(app) == before


def test_replacing_or_deleting_a_list_that_is_not_there_is_not_found(app, admin_client, admin_user):
    assert replace(admin_client, 999, csv_of(MARY)).status_code == 404
    assert admin_client.get("/staff/resident-lists/999").status_code == 404
    assert admin_client.post("/staff/resident-lists/999/delete").status_code == 404
    with app.app_context():
        admin = db.session.get(User, admin_user.id)
        with pytest.raises(NotFound):
            resident_lists.replace_list(admin, 999, csv_of(MARY))
        with pytest.raises(NotFound):
            resident_lists.delete_list(admin, 999)


# ---------------------------------------------------------------- deleting a list


def test_the_delete_page_says_what_will_happen(app, admin_client, two_lists):
    page = text_of(admin_client.get(f"/staff/resident-lists/{two_lists['members']}/delete"))
    assert "Delete the list “Members”" in page
    assert "its 3 rows" in page and "It cannot be undone." in page
    assert "3 residents were verified by this list" in page
    assert len(hashes_of(app, two_lists["members"])) == 3


def test_deleting_a_list_returns_its_residents_to_self_declared_unless_another_list_holds_them(app, admin_client, two_lists):
    ids = two_lists
    response = admin_client.post(f"/staff/resident-lists/{ids['members']}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(INDEX)
    page = text_of(admin_client.get(INDEX))
    assert ("Deleted the list “Members” and all its entries. 2 residents are self-declared again: they are on "
            "no other list. 1 stays list-matched through another list.") in page
    assert [lst.name for lst in the_lists(app)] == ["Tenants"]
    assert hashes_of(app, ids["members"]) == set()
    assert [user(app, ids[k]).verification for k in ("mary", "john", "clem", "ada")] == \
        ["self-declared", "self-declared", "self-declared", "staff"]
    dora = user(app, ids["dora"])
    assert (dora.verification, dora.verified_list_id) == ("list", ids["tenants"])
    assert sorted(e["resident_id"] for e in audit(app, "resident.verification_removed")) == sorted([ids["mary"], ids["john"]])
    assert {e["reason"] for e in audit(app, "resident.verification_removed")} == {"The resident list “Members” was deleted"}
    [deleted] = audit(app, "resident_list.deleted")
    assert deleted == {"list_id": ids["members"], "name": "Members", "rows": 3, "unverified": 2, "moved": 1,
                       "actor_id": admin_id(app)}


def test_a_resident_list_matched_through_a_list_whose_details_changed_goes_back_when_it_is_deleted(app, admin_user):
    mary = resident(app, MARY)
    with app.app_context():
        admin = db.session.get(User, admin_user.id)
        change = resident_lists.upload_list(admin, "Members", "", csv_of(MARY))
        db.session.get(User, mary).postcode = "E8 2AA"  # moved house since the list was made
        db.session.commit()
        result = resident_lists.delete_list(admin, change.list_id)
    assert (result.unverified, result.moved) == (1, 0)
    assert user(app, mary).verification == "self-declared"
