"""Verification letters: asking for one, the staff queue, printing a batch, marking it sent,
and the resident typing the code (mistyped, another resident's, reused, expired, throttled)."""
from __future__ import annotations

import itertools

import re
from datetime import datetime, timedelta, timezone

import pytest
from flask import render_template
from sqlalchemy import select

from pb.domain.errors import StaleEdit, ValidationFailed
from pb.extensions import db
from pb.models import AuditEvent, User, VerificationLetter
from pb.services import resident_review, verification, verification_letters as letters
from pb.services.keyed_hash import LETTER_CODE, keyed_hash
from pb.services.transaction import transaction
from pb.services.voting_codes import ALPHABET, normalise_code
from tests import factories
from tests.auth.test_throttle import client_from
from tests.conftest import PROJECT_ROOT, empty_all_tables, make_app
from tests.residents.conftest import error_messages, text_of

CODE_ON_PAGE = re.compile(r'class="receipt-code letter-code">([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})<')
NOT_RECOGNISED = "We do not recognise that code"


_flats = itertools.count(1)


def _waiting_resident(email: str | None = None, address: str | None = None, asked: datetime | None = None,
                      **kw) -> tuple[int, int]:
    """A self-declared resident who asked for a letter (as registration does), each at an address of
    their own unless `address` says otherwise; (resident id, letter id)."""
    address = address or f"Flat {next(_flats)}, 12 Mare Street"
    user = factories.make_resident(email=email, verification="self-declared", **kw)
    with transaction():
        user = db.session.get(User, user.id)
        letter = letters.request_letter(user, letters.check_address_line(address))
        if asked is not None:
            letter.requested_at = asked
    return user.id, letter.id


def _print_codes(staff_id: int, letter_ids: list[int], reprint: bool = False) -> dict[int, str]:
    """Print letters through the service; letter id -> the code on it."""
    printed = letters.print_letters(db.session.get(User, staff_id), letter_ids, reprint=reprint)
    return {item.letter.id: item.code for item in printed}


def _letter(letter_id: int) -> VerificationLetter:
    return db.session.get(VerificationLetter, letter_id, populate_existing=True)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id, populate_existing=True)


def _snapshot() -> dict[str, list]:
    """Every row of every table: a refusal must leave all of it as it was."""
    db.session.expire_all()
    return {table.name: sorted(tuple(str(v) for v in row) for row in db.session.execute(select(table)))
            for table in db.metadata.sorted_tables}


def _sign_in(client, email: str, **extra):
    response = client.post("/sign-in", data={"email": email, "password": factories.PASSWORD, **extra})
    assert response.status_code == 302, f"could not sign in {email}"
    return response


@pytest.fixture
def batch(app):
    """Three residents waiting for letters (asked on different days) and a member of staff."""
    now = datetime.now(timezone.utc)
    with app.app_context():
        staff = factories.make_staff(email="letters.staff@example.org")
        newest = _waiting_resident("newest@example.org", "2 New Road", asked=now - timedelta(days=1), name="Nora Newest")
        oldest = _waiting_resident("oldest@example.org", "Flat 1, 9 Old Street", asked=now - timedelta(days=9),
                                   name="Olive Oldest", postcode="E8 2CD")
        middle = _waiting_resident("middle@example.org", "5 Middle Lane", asked=now - timedelta(days=4), name="Mo Middle")
        return {"staff": staff.id, "newest": newest, "oldest": oldest, "middle": middle}


@pytest.fixture
def letters_staff(app, client, batch):
    _sign_in(client, "letters.staff@example.org")
    return client


# ---------------------------------------------------------------- the queue


def test_queue_lists_waiting_letters_oldest_first_with_name_address_postcode_and_date(app, letters_staff, batch):
    page = text_of(letters_staff.get("/staff/letters"))
    assert "Letters to send" in page and "Waiting to be printed (3)" in page
    assert page.index("Olive Oldest") < page.index("Mo Middle") < page.index("Nora Newest")
    assert "Flat 1, 9 Old Street" in page and "E8 2CD" in page
    asked = (datetime.now(timezone.utc) - timedelta(days=9)).astimezone(letters.LONDON)
    assert f"{asked.day} {asked:%B %Y}" in page
    assert "Print these letters" in page
    assert "No printed letters are waiting to be posted." in page


def test_letters_of_verified_or_deactivated_residents_are_not_in_the_queue(app, letters_staff, batch):
    with app.app_context():
        with transaction():
            verification.mark_verified(_user(batch["oldest"][0]), "staff", note="Seen at the drop-in")
            _user(batch["middle"][0]).is_active_account = False
    page = text_of(letters_staff.get("/staff/letters"))
    assert "Waiting to be printed (1)" in page
    assert "Nora Newest" in page and "Olive Oldest" not in page and "Mo Middle" not in page


def test_non_staff_are_refused_the_letter_queue_and_change_nothing(app, client, batch):
    with app.app_context():
        factories.make_resident(email="someone@example.org")
        before = _snapshot()
    letter_ids = [batch["oldest"][1]]
    response = client.get("/staff/letters")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.post("/staff/letters/print", data={"letter_id": letter_ids}).status_code == 302
    with app.app_context():
        assert _snapshot() == before
    _sign_in(client, "someone@example.org")
    with app.app_context():
        before = _snapshot()  # signing in rotates the session token
    assert client.get("/staff/letters").status_code == 403
    assert client.post("/staff/letters/print", data={"letter_id": letter_ids}).status_code == 403
    assert client.post("/staff/letters/sent", data={"letter_id": letter_ids}).status_code == 403
    with app.app_context():
        assert _snapshot() == before


# ---------------------------------------------------------------- printing


def test_printing_a_batch_shows_each_code_once_and_stores_only_keyed_hashes(app, letters_staff, batch):
    ids = [batch[k][1] for k in ("oldest", "middle", "newest")]
    response = letters_staff.post("/staff/letters/print", data={"letter_id": ids})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    codes = CODE_ON_PAGE.findall(html)
    assert len(codes) == 3 and len(set(codes)) == 3
    for code in codes:
        assert html.count(code) == 1
        assert len(normalise_code(code)) == 12 and set(normalise_code(code)) <= set(ALPHABET)
    page = text_of(response)
    assert "Mark these 3 letters as sent" in page
    assert "Olive Oldest" in page and "Flat 1, 9 Old Street" in page and "E8 2CD" in page
    assert "localhost/confirm-address" in page
    assert app.config["PB_CONTACT"] in page
    assert 'href="/static/letters.css"' in html
    with app.app_context():
        rows = {row.id: row for row in db.session.scalars(select(VerificationLetter))}
        stored_hashes = {row.code_hash for row in rows.values()}
        assert stored_hashes == {keyed_hash(LETTER_CODE, normalise_code(code)) for code in codes}
        for row in rows.values():
            assert row.printed_by_id == batch["staff"]
            assert row.expires_at - row.printed_at == timedelta(days=60)
            assert f"{row.expires_at.astimezone(letters.LONDON).day} " in page
        # No code is kept anywhere, in any table, in any form a reader could type.
        stored = " ".join(" ".join(r) for rows_ in _snapshot().values() for r in rows_)
        for code in codes:
            assert code not in stored and normalise_code(code) not in stored
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "letters.printed"))
        assert event.actor_id == batch["staff"]
        assert event.details["count"] == 3 and sorted(event.details["letter_ids"]) == sorted(ids)
        assert not any(normalise_code(code) in normalise_code(str(event.details)) for code in codes)
    # The queue now lists them as printed, and the codes are not on it.
    queue = letters_staff.get("/staff/letters").get_data(as_text=True)
    assert "Waiting to be printed (0)" in queue and "Printed, not yet marked as sent (3)" in queue
    assert not any(code in queue for code in codes)


def test_the_printable_letter_is_a4_large_print_one_a_page_for_a_window_envelope():
    css = (PROJECT_ROOT / "pb" / "static" / "letters.css").read_text(encoding="utf-8")
    printed = css.split("@media print", 1)[1]
    assert "size: A4" in printed and "break-after: page" in printed and "page-break-after: always" in printed
    # The page's margins plus the window block's place inside them: a DL window, 20 mm from the left edge
    # and 50 mm from the top, about 90 x 45 mm.
    top_margin, side_margin = map(int, re.search(r"@page \{ size: A4; margin: (\d+)mm (\d+)mm; \}", printed).groups())
    window = re.search(r"\.letter-window \{[^}]*left: (\d+)mm; top: (\d+)mm; width: (\d+)mm; height: (\d+)mm", printed)
    left, top, width, height = map(int, window.groups())
    assert (side_margin + left, top_margin + top, width, height) == (20, 50, 90, 45)
    assert re.search(r"\.letter-return \{[^}]*font-size: 8pt", printed)
    assert re.search(r"\.postal-letter \{[^}]*font-size: 14pt", printed)
    assert re.search(r"\.letter-code \{[^}]*font-size: 32pt", printed)


def test_printing_the_same_letters_again_by_accident_is_refused_and_changes_nothing(app, letters_staff, batch):
    ids = [batch["oldest"][1], batch["middle"][1]]
    assert letters_staff.post("/staff/letters/print", data={"letter_id": ids}).status_code == 200
    with app.app_context():
        before = _snapshot()
    response = letters_staff.post("/staff/letters/print", data={"letter_id": ids})  # the POST sent twice
    assert response.status_code == 409
    assert "printed already" in text_of(response)
    assert not CODE_ON_PAGE.findall(response.get_data(as_text=True))
    with app.app_context():
        assert _snapshot() == before


def test_printing_nothing_or_nonsense_is_refused_with_a_message(app, letters_staff, batch):
    with app.app_context():
        before = _snapshot()
    response = letters_staff.post("/staff/letters/print", data={})
    assert response.status_code == 400 and "Choose at least one letter." in text_of(response)
    assert "<title>Error: " in response.get_data(as_text=True)
    assert letters_staff.post("/staff/letters/print", data={"letter_id": "abc"}).status_code == 400
    assert letters_staff.post("/staff/letters/print", data={"letter_id": "999999"}).status_code == 409
    with app.app_context():
        assert _snapshot() == before


def test_reprinting_makes_a_new_code_and_the_old_one_stops_working(app, letters_staff, batch):
    user_id, letter_id = batch["oldest"]
    first = CODE_ON_PAGE.findall(letters_staff.post("/staff/letters/print", data={"letter_id": [letter_id]}).get_data(as_text=True))
    response = letters_staff.post("/staff/letters/print", data={"letter_id": [letter_id], "reprint": "y"})
    assert response.status_code == 200
    second = CODE_ON_PAGE.findall(response.get_data(as_text=True))
    assert len(first) == len(second) == 1 and first != second
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "letters.reprinted"))["count"] == 1
        with pytest.raises(ValidationFailed, match=NOT_RECOGNISED):
            letters.enter_letter_code(_user(user_id), first[0])
        letters.enter_letter_code(_user(user_id), second[0])
        assert _user(user_id).verification == "letter"


def test_marking_letters_sent_records_who_and_when_and_is_audited(app, letters_staff, batch):
    ids = [batch["oldest"][1], batch["middle"][1]]
    letters_staff.post("/staff/letters/print", data={"letter_id": ids})
    response = letters_staff.post("/staff/letters/sent", data={"letter_id": ids})
    assert response.status_code == 302
    page = text_of(letters_staff.get("/staff/letters"))
    assert "2 letters marked as sent." in page and "Printed, not yet marked as sent (0)" in page
    with app.app_context():
        for letter_id in ids:
            row = _letter(letter_id)
            assert row.sent_by_id == batch["staff"] and row.sent_at >= row.printed_at
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "letters.sent"))
        assert event.actor_id == batch["staff"] and event.details["count"] == 2
        before = _snapshot()
    again = letters_staff.post("/staff/letters/sent", data={"letter_id": ids})
    assert again.status_code == 400 and "already marked as sent" in text_of(again)
    unprinted = letters_staff.post("/staff/letters/sent", data={"letter_id": [batch["newest"][1]]})
    assert unprinted.status_code == 409 and "Only printed letters" in text_of(unprinted)
    with app.app_context():
        assert _snapshot() == before


def test_marking_sent_warns_about_a_letter_no_longer_needed(app, letters_staff, batch):
    user_id, letter_id = batch["oldest"]
    letters_staff.post("/staff/letters/print", data={"letter_id": [letter_id, batch["middle"][1]]})
    with app.app_context():
        with transaction():
            verification.mark_verified(_user(user_id), "staff", note="Seen at the drop-in")
    response = letters_staff.post("/staff/letters/sent", data={"letter_id": [letter_id, batch["middle"][1]]},
                                  follow_redirects=True)
    page = text_of(response)
    assert "1 letter marked as sent." in page and "Do not post the letter to Olive Oldest" in page
    with app.app_context():
        assert _letter(letter_id).sent_at is None


# ---------------------------------------------------------------- entering the code


def test_code_entry_end_to_end_through_the_pages(app, client, batch):
    user_id, letter_id = batch["oldest"]
    with app.app_context():
        round_id = factories.make_round(phase="voting_open", title="Connect Hackney 2026").id
        code = _print_codes(batch["staff"], [letter_id])[letter_id]
    # The letter's short address asks a signed-out resident to sign in, then comes back.
    response = client.get("/confirm-address")
    assert response.status_code == 302 and "/sign-in?next=%2Fconfirm-address" in response.headers["Location"]
    response = _sign_in(client, "oldest@example.org", next="/confirm-address")
    assert response.headers["Location"] == "/confirm-address"
    page = text_of(client.get("/confirm-address"))
    assert "Confirm your address with the code from your letter" in page
    response = client.post("/confirm-address", data={"code": "  " + code.lower().replace("-", " ") + " "})
    assert response.status_code == 302 and response.headers["Location"] == "/confirm-address/done"
    done = client.get("/confirm-address/done")
    assert done.headers["Cache-Control"] == "no-store"
    page = text_of(done)
    assert "Thank you, your address is confirmed" in page
    assert f'href="/rounds/{round_id}/vote"' in page and "Vote in Connect Hackney 2026" in page
    with app.app_context():
        user = _user(user_id)
        assert user.verification == "letter" and user.verified_at is not None and user.verified_by_id is None
        assert user.verification_note == f"Code from verification letter {letter_id}"
        assert _letter(letter_id).used_at is not None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "resident.verified"))
        assert event.details["way"] == "letter" and event.details["resident_id"] == user_id
        # The audit log is never deleted, so the address is nowhere in it.
        assert "Old Street" not in str([e.details for e in db.session.scalars(select(AuditEvent))])


def test_the_done_page_is_only_for_residents_confirmed_by_letter(app, client, batch):
    _sign_in(client, "oldest@example.org")
    response = client.get("/confirm-address/done")
    assert response.status_code == 302 and response.headers["Location"] == "/confirm-address"


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{bare}", "{spaced}", " {lower_bare} ", "{dotted}"])
def test_codes_are_accepted_with_or_without_dashes_spaces_and_capitals(app_ctx, batch, typed):
    user_id, letter_id = batch["middle"]
    code = _print_codes(batch["staff"], [letter_id])[letter_id]
    bare = normalise_code(code)
    text = typed.format(code=code, lower=code.lower(), bare=bare, spaced=" ".join(bare[i:i + 4] for i in (0, 4, 8)),
                        lower_bare=bare.lower(), dotted=code.replace("-", "."))
    letters.enter_letter_code(_user(user_id), text)
    assert _user(user_id).verification == "letter"


def test_an_unknown_code_is_refused_on_the_page_and_nothing_is_stored(app, client, batch):
    with app.app_context():
        _print_codes(batch["staff"], [batch["oldest"][1]])
    _sign_in(client, "oldest@example.org")
    with app.app_context():
        before = _snapshot()
    for typed in ["AAAA-AAAA-AAAA", "K7QX-4MRT", "hello", "0000-1111-2222"]:
        response = client.post("/confirm-address", data={"code": typed})
        assert response.status_code == 400
        assert error_messages(response.get_data(as_text=True))[0].startswith(NOT_RECOGNISED)
        assert "<title>Error: Confirm your address" in response.get_data(as_text=True)
        assert f'value="{typed}"' in response.get_data(as_text=True)  # shown again as typed, to spot a slip
    empty = client.post("/confirm-address", data={"code": " - "})
    assert "Enter the code from your letter" in text_of(empty)
    with app.app_context():
        assert _snapshot() == before


def test_another_residents_code_is_answered_as_an_unknown_one(app_ctx, batch):
    owner_id, letter_id = batch["oldest"]
    other_id = batch["middle"][0]
    code = _print_codes(batch["staff"], [letter_id])[letter_id]
    before = _snapshot()
    with pytest.raises(ValidationFailed) as refused:
        letters.enter_letter_code(_user(other_id), code)
    with pytest.raises(ValidationFailed) as unknown:
        letters.enter_letter_code(_user(other_id), "AAAA-AAAA-AAAA")
    assert refused.value.message == unknown.value.message and refused.value.message.startswith(NOT_RECOGNISED)
    assert _snapshot() == before
    # It still works for its own resident.
    letters.enter_letter_code(_user(owner_id), code)
    assert _user(owner_id).verification == "letter" and _user(other_id).verification == "self-declared"


def test_a_used_code_does_not_work_again(app_ctx, batch):
    user_id, letter_id = batch["oldest"]
    code = _print_codes(batch["staff"], [letter_id])[letter_id]
    letters.enter_letter_code(_user(user_id), code)
    with pytest.raises(ValidationFailed, match="already confirmed"):
        letters.enter_letter_code(_user(user_id), code)
    # Even after their verification was removed (their details changed, say), the code stays used.
    with transaction():
        verification.mark_self_declared(_user(user_id), actor=None, reason="Details changed")
    before = _snapshot()
    with pytest.raises(ValidationFailed, match="already been used"):
        letters.enter_letter_code(_user(user_id), code)
    assert _snapshot() == before and _user(user_id).verification == "self-declared"


def test_an_expired_code_is_refused_and_says_to_ask_for_a_new_letter(app, client, batch):
    user_id, letter_id = batch["oldest"]
    with app.app_context():
        code = _print_codes(batch["staff"], [letter_id])[letter_id]
        with transaction():  # 61 days later
            row = _letter(letter_id)
            row.printed_at -= timedelta(days=61)
            row.expires_at -= timedelta(days=61)
    _sign_in(client, "oldest@example.org")
    with app.app_context():
        before = _snapshot()
    response = client.post("/confirm-address", data={"code": code})
    assert response.status_code == 400
    page = text_of(response)
    assert "This code has expired" in page and "Ask for a new letter" in page and app.config["PB_CONTACT"] in page
    with app.app_context():
        assert _snapshot() == before
    # A new letter can be asked for at once: the old one was printed long ago.
    assert client.post("/account/letter", data={"address_line": "Flat 1, 9 Old Street"}).status_code == 302
    with app.app_context():
        assert _letter(letter_id).cancelled_at is not None


def test_a_resident_verified_another_way_is_told_they_need_no_code(app_ctx, batch):
    user_id, letter_id = batch["oldest"]
    code = _print_codes(batch["staff"], [letter_id])[letter_id]
    with transaction():
        verification.mark_verified(_user(user_id), "staff", note="Phone check")
    before = _snapshot()
    with pytest.raises(ValidationFailed, match="already confirmed"):
        letters.enter_letter_code(_user(user_id), code)
    assert _snapshot() == before and _user(user_id).verification == "staff"


# ---------------------------------------------------------------- asking for a letter


def test_a_signed_in_resident_asks_for_a_letter_from_their_account(app, client):
    with app.app_context():
        user = factories.make_resident(email="asker@example.org", verification="self-declared", postcode="E8 3EF")
    _sign_in(client, "asker@example.org")
    page = text_of(client.get("/account/letter"))
    assert "Get a letter to confirm your address" in page and "E8 3EF" in page
    response = client.post("/account/letter", data={"address_line": "  Flat 2,   40 Dalston Lane "})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    page = text_of(client.get("/account/letter"))  # the next page shows the message
    assert "We will post a letter to Flat 2, 40 Dalston Lane, E8 3EF" in page and "waiting to be printed" in page
    with app.app_context():
        assert _user(user.id).address_line == "Flat 2, 40 Dalston Lane"
        assert db.session.scalar(select(VerificationLetter.user_id)) == user.id
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "letter.requested"))
    # The request now waits for staff; a second one is refused.
    with app.app_context():
        before = _snapshot()
    again = client.post("/account/letter", data={"address_line": "9 Other Road"})
    assert again.status_code == 400 and "waiting to be printed" in text_of(again)
    with app.app_context():
        assert _snapshot() == before


def test_an_empty_address_is_refused_and_nothing_is_stored(app, client):
    with app.app_context():
        factories.make_resident(email="asker@example.org", verification="self-declared")
    _sign_in(client, "asker@example.org")
    with app.app_context():
        before = _snapshot()
    response = client.post("/account/letter", data={"address_line": "   "})
    assert response.status_code == 400
    assert error_messages(response.get_data(as_text=True)) == [
        "Enter your house or flat number and street, for example Flat 3, 12 Mare Street"]
    too_long = client.post("/account/letter", data={"address_line": "x" * 250})
    assert "200 characters or fewer" in text_of(too_long)
    with app.app_context():
        assert _snapshot() == before


def test_a_new_letter_is_refused_within_14_days_of_printing_then_replaces_the_old_one(app_ctx, batch):
    user_id, letter_id = batch["oldest"]
    old_code = _print_codes(batch["staff"], [letter_id])[letter_id]
    before = _snapshot()
    with pytest.raises(ValidationFailed, match="Letters can take up to 2 weeks"):
        letters.ask_for_letter(_user(user_id), "Flat 1, 9 Old Street")
    assert _snapshot() == before
    with transaction():
        _letter(letter_id).printed_at -= timedelta(days=15)
    assert letters.letter_status(_user(user_id)).state == "can_ask_again"
    new = letters.ask_for_letter(_user(user_id), "Flat 1A, 9 Old Street")
    assert new.id != letter_id and _letter(letter_id).cancelled_at is not None
    assert _user(user_id).address_line == "Flat 1A, 9 Old Street"
    with pytest.raises(ValidationFailed, match="replaced by a newer letter"):
        letters.enter_letter_code(_user(user_id), old_code)


def test_a_verified_resident_or_staff_cannot_ask_for_a_letter(app, client, resident_user):
    with app.app_context():
        before = _snapshot()
        with pytest.raises(ValidationFailed, match="already confirmed"):
            letters.ask_for_letter(_user(resident_user.id), "1 Any Street")
        assert _snapshot() == before
        factories.make_staff(email="desk@example.org")
    _sign_in(client, "resident@example.org")
    assert "You do not need a letter" in text_of(client.get("/account/letter"))
    client.post("/sign-out")
    _sign_in(client, "desk@example.org")
    assert client.get("/account/letter").status_code == 403


def test_the_letter_pages_need_sign_in(client):
    for path in ("/account/letter", "/confirm-address", "/confirm-address/done"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.post("/confirm-address", data={"code": "AAAA-AAAA-AAAA"}).status_code == 302


def test_the_code_form_for_other_pages_posts_to_the_code_page(app):
    with app.test_request_context():
        html = render_template("letters/_enter_code.html")
    assert 'action="/confirm-address"' in html and 'name="code"' in html and 'name="csrf_token"' in html
    assert '<label class="label" for="letter-code">' in html


def test_deleting_a_resident_deletes_their_address_and_letters(app_ctx, batch):
    user_id, letter_id = batch["oldest"]
    _print_codes(batch["staff"], [letter_id])
    resident_review.delete_resident(db.session.get(User, batch["staff"]), user_id)
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert db.session.get(VerificationLetter, letter_id) is None
    stored = " ".join(" ".join(r) for rows in _snapshot().values() for r in rows)
    assert "Flat 1, 9 Old Street" not in stored


# ---------------------------------------------------------------- throttling


SMALL_LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "PB_LIMIT_LETTER_CODE_PER_ACCOUNT": "3 per 15 minutes",
    "PB_LIMIT_LETTER_CODE_PER_IP": "4 per minute",
}


@pytest.fixture
def limited(migrated_database):
    """An app with small letter-code limits; five residents with printed letters (email -> code)."""
    app = make_app(migrated_database, **SMALL_LIMITS)
    with app.app_context():
        staff = factories.make_staff()
        codes = {}
        for n in range(5):
            _, letter_id = _waiting_resident(f"r{n}@example.org")
            codes[f"r{n}@example.org"] = _print_codes(staff.id, [letter_id])[letter_id]
    yield app, codes
    empty_all_tables(app)


def test_wrong_codes_for_one_account_are_refused_after_the_limit_from_any_address(limited):
    app, codes = limited
    client = client_from(app, "10.1.0.1")
    _sign_in(client, "r0@example.org")
    for n in range(3):
        client.environ_base["REMOTE_ADDR"] = f"10.1.0.{n + 1}"  # spread over addresses: the account counts
        assert client.post("/confirm-address", data={"code": "AAAA-AAAA-AAAA"}).status_code == 400
    client.environ_base["REMOTE_ADDR"] = "10.1.0.9"
    response = client.post("/confirm-address", data={"code": codes["r0@example.org"]})
    assert response.status_code == 429 and "Too many attempts" in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(User.verification).where(User.email == "r0@example.org")) == "self-declared"
    # Another resident at the same address is not held up.
    other = client_from(app, "10.1.0.9")
    _sign_in(other, "r1@example.org")
    assert other.post("/confirm-address", data={"code": codes["r1@example.org"]}).status_code == 302


def test_wrong_codes_from_one_address_are_refused_after_the_limit_across_accounts(limited):
    app, codes = limited
    for n in range(2):
        client = client_from(app, "10.2.0.1")
        _sign_in(client, f"r{n}@example.org")
        for _ in range(2):
            assert client.post("/confirm-address", data={"code": "AAAA-AAAA-AAAA"}).status_code == 400
    client = client_from(app, "10.2.0.1")
    _sign_in(client, "r2@example.org")
    assert client.post("/confirm-address", data={"code": codes["r2@example.org"]}).status_code == 429
    # Looking at the page is not counted, and another address is not affected.
    assert client.get("/confirm-address").status_code == 200
    elsewhere = client_from(app, "10.2.0.2")
    _sign_in(elsewhere, "r3@example.org")
    assert elsewhere.post("/confirm-address", data={"code": codes["r3@example.org"]}).status_code == 302


def test_codes_that_work_cost_nothing_at_a_shared_address(limited):
    app, codes = limited
    for email, code in codes.items():  # five residents at one community centre, more than the address's limit
        client = client_from(app, "10.3.0.1")
        _sign_in(client, email)
        assert client.post("/confirm-address", data={"code": code}).status_code == 302
    with app.app_context():
        assert set(db.session.scalars(select(User.verification).where(User.role == "resident"))) == {"letter"}


def test_stale_print_is_refused_by_the_service(app_ctx, batch):
    staff = db.session.get(User, batch["staff"])
    letters.print_letters(staff, [batch["oldest"][1]])
    with pytest.raises(StaleEdit):
        letters.print_letters(staff, [batch["oldest"][1], batch["middle"][1]])
    assert _letter(batch["middle"][1]).printed_at is None
    with pytest.raises(StaleEdit):
        letters.print_letters(staff, [batch["middle"][1]], reprint=True)


def test_in_production_without_a_public_address_no_letter_is_printed_and_nothing_changes(app, letters_staff, batch):
    ids = [batch["oldest"][1], batch["middle"][1]]
    app.config.update(PB_ENV="production", PB_PUBLIC_URL="")
    with app.app_context():
        before = _snapshot()
    response = letters_staff.post("/staff/letters/print", data={"letter_id": ids})
    assert response.status_code == 409
    page = text_of(response)
    assert "set PB_PUBLIC_URL" in page and "Nothing was printed and nothing was changed" in page
    assert not CODE_ON_PAGE.findall(response.get_data(as_text=True))
    with app.app_context():
        assert _snapshot() == before  # no code, not marked printed, no audit entry
        assert all(_letter(i).printed_at is None for i in ids)
    app.config["PB_PUBLIC_URL"] = "https://vote.connecthackney.org.uk"
    response = letters_staff.post("/staff/letters/print", data={"letter_id": ids})
    assert response.status_code == 200
    assert "vote.connecthackney.org.uk/confirm-address" in text_of(response)


def test_each_printed_letter_has_the_letterhead_and_the_address_in_the_window(app, letters_staff, batch):
    response = letters_staff.post("/staff/letters/print", data={"letter_id": [batch["oldest"][1]]})
    page_html = response.get_data(as_text=True)
    assert '<span class="masthead-name">Connect Hackney</span>' in page_html
    window = re.search(r'<div class="letter-window">(.*?)</address>', page_html, re.S).group(1)
    assert '<div class="letter-return">From Connect Hackney</div>' in window
    address = [line.strip() for line in window.split('<address class="letter-recipient">')[1].split("<br>")]
    assert address == ["Olive Oldest", "Flat 1, 9 Old Street", "E8 2CD"]
