"""One-time voting codes: issuing, the letter, entering a code, reuse and wrong rounds."""
from __future__ import annotations

import re
import secrets

import pytest
from sqlalchemy import select

from pb.extensions import db
from pb.models import AuditEvent, Round, User, VoterRoll, VotingCode
from pb.services import voting_codes
from pb.domain.errors import AlreadyVoted, NotEligible, PhaseError, StaleEdit
from pb.services.voting_codes import (
    ALPHABET,
    CodeAlreadyUsed,
    CodeNotRecognised,
    CodeReplaced,
    CodeRoundNotOpen,
    CodeWrongRound,
)
from tests import factories
from tests.residents.conftest import error_messages, text_of

LOOK_ALIKES = "0O1IL5S2Z8B"


def test_alphabet_has_no_look_alike_characters():
    assert not set(LOOK_ALIKES) & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) >= 24


def test_generated_codes_are_twelve_characters_from_the_alphabet_and_differ():
    codes = {voting_codes.generate_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 12 and set(code) <= set(ALPHABET)


def test_codes_are_shown_in_groups_of_four_and_typed_any_way():
    assert voting_codes.format_code("K7QX4MRT9WHC") == "K7QX-4MRT-9WHC"
    for typed in ["k7qx-4mrt-9whc", "K7QX 4MRT 9WHC", " k7qx4mrt9whc ", "K7QX–4MRT–9WHC"]:
        assert voting_codes.normalise_code(typed) == "K7QX4MRT9WHC"


@pytest.fixture
def setup(app):
    """A staff member, an eligible resident with no password, and rounds in several phases."""
    with app.app_context():
        staff = factories.make_staff()
        resident = factories.make_resident(with_email=False)
        open_round = factories.make_round(phase="voting_open", title="Open round")
        other_open = factories.make_round(phase="voting_open", title="Other open round")
        later = factories.make_round(phase="proposals_open", title="Later round")
        return {"staff": staff.id, "resident": resident.id, "open": open_round.id, "other": other_open.id, "later": later.id}


def _issue(setup, round_key="open", resident=None):
    staff = db.session.get(User, setup["staff"])
    user = db.session.get(User, resident or setup["resident"])
    return voting_codes.issue_code(staff, user, db.session.get(Round, setup[round_key]))


def test_issued_code_is_stored_only_as_a_hash_and_finds_its_row(app_ctx, setup):
    code = _issue(setup)
    row = db.session.scalar(select(VotingCode))
    assert row.code_hash != code and code not in row.code_hash
    assert len(row.code_hash) == 64
    found = voting_codes.find_usable_code(voting_codes.format_code(code).lower())
    assert found.id == row.id and found.round_id == setup["open"] and found.user_id == setup["resident"]


def test_issuing_is_audited_without_the_code(app_ctx, setup):
    code = _issue(setup)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "voting_code.issued"))
    assert event.round_id == setup["open"] and event.actor_id == setup["staff"]
    assert event.details["resident_id"] == setup["resident"]
    assert code not in str(event.details)


def test_a_new_code_replaces_an_unused_older_one_for_the_same_round(app_ctx, setup):
    first = _issue(setup)
    other_round = _issue(setup, "other")
    second = _issue(setup)
    with pytest.raises(CodeReplaced) as caught:
        voting_codes.find_usable_code(first)
    assert "replaced by a newer one" in caught.value.message
    assert voting_codes.find_usable_code(second)
    # A code for another round is untouched.
    assert voting_codes.find_usable_code(other_round)


def test_a_code_works_once(app_ctx, setup):
    code = _issue(setup)
    row = voting_codes.find_usable_code(code)
    voting_codes.mark_code_used(row)
    db.session.commit()
    with pytest.raises(CodeAlreadyUsed) as caught:
        voting_codes.find_usable_code(code)
    assert "already been used" in caught.value.message


def _cannot_be_marked_used(row) -> None:
    with pytest.raises(CodeAlreadyUsed):
        voting_codes.mark_code_used(row)
    db.session.rollback()


def test_marking_used_is_one_conditional_update_so_a_second_use_fails(app_ctx, setup):
    row = voting_codes.find_usable_code(_issue(setup))
    voting_codes.mark_code_used(row)
    # The same row object, as a second simultaneous request would still hold it.
    _cannot_be_marked_used(row)


def test_a_replaced_code_cannot_be_marked_used(app_ctx, setup):
    row = voting_codes.find_usable_code(_issue(setup))
    _issue(setup)
    _cannot_be_marked_used(row)


def test_a_code_only_works_in_its_round(app_ctx, setup):
    code = _issue(setup)
    row = voting_codes.find_usable_code(code)
    with pytest.raises(CodeWrongRound) as caught:
        voting_codes.get_code_voter(row.id, setup["other"])
    assert "Your voting code is for Open round" in caught.value.message
    found, user = voting_codes.get_code_voter(row.id, setup["open"])
    assert found.id == row.id and user.id == setup["resident"]


def test_a_code_for_a_round_not_yet_voting_says_when(app_ctx, setup):
    code = _issue(setup, "later")
    with pytest.raises(CodeRoundNotOpen) as caught:
        voting_codes.find_usable_code(code)
    assert "This code is for Later round" in caught.value.message


def test_a_code_stops_working_when_voting_closes(app_ctx, setup):
    code = _issue(setup)
    db.session.get(Round, setup["open"]).phase = "voting_closed"
    db.session.commit()
    with pytest.raises(CodeRoundNotOpen) as caught:
        voting_codes.find_usable_code(code)
    assert "Voting has closed" in caught.value.message


@pytest.mark.parametrize("typed", ["", "K7QX-4MRT", "K7QX-4MRT-9WHC", "O0O0-1111-SSSS", "K7QX-4MRT-9WHCA"])
def test_unknown_or_malformed_codes_are_not_recognised(app_ctx, setup, typed):
    _issue(setup)
    with pytest.raises(CodeNotRecognised):
        voting_codes.find_usable_code(typed)


def test_no_code_for_a_closed_round(app_ctx, setup):
    for phase in ("voting_closed", "results_published"):
        round_ = factories.make_round(phase=phase)
        with pytest.raises(PhaseError):
            voting_codes.issue_code(db.session.get(User, setup["staff"]), db.session.get(User, setup["resident"]), round_)
    assert db.session.scalar(select(VotingCode)) is None


def test_no_code_for_a_resident_who_cannot_take_part(app_ctx, setup):
    pending = factories.make_resident(status="pending")
    too_young = factories.make_resident(date_of_birth=factories.date(1990, 1, 1))
    for user in (pending, too_young):
        with pytest.raises(NotEligible):
            _issue(setup, resident=user.id)
    assert db.session.scalar(select(VotingCode)) is None


def test_no_code_for_a_resident_who_has_already_voted(app_ctx, setup):
    db.session.add(VoterRoll(round_id=setup["open"], user_id=setup["resident"], channel="paper"))
    db.session.commit()
    with pytest.raises(AlreadyVoted):
        _issue(setup)


def test_a_page_sent_twice_does_not_issue_a_second_code(app_ctx, setup):
    staff = db.session.get(User, setup["staff"])
    user = db.session.get(User, setup["resident"])
    round_ = db.session.get(Round, setup["open"])
    voting_codes.issue_code(staff, user, round_, expected_count=0)
    with pytest.raises(StaleEdit):
        voting_codes.issue_code(staff, user, round_, expected_count=0)
    assert len(list(db.session.scalars(select(VotingCode)))) == 1


# ---------------------------------------------------------------- through the web


def issue_through_staff_page(client, user_id: int, round_id: int) -> str:
    form = client.get(f"/staff/residents/{user_id}/code")
    assert form.status_code == 200
    count = re.search(r'name="issued_count" type="hidden" value="(\d+)"', form.get_data(as_text=True)).group(1)
    response = client.post(f"/staff/residents/{user_id}/code", data={"round_id": round_id, "issued_count": count})
    assert response.status_code == 200, error_messages(response.get_data(as_text=True))
    return re.search(r'class="receipt-code letter-code">([A-Z0-9-]+)<', response.get_data(as_text=True)).group(1)


def test_staff_letter_has_code_round_address_and_steps(app, staff_client, setup):
    response = staff_client.post(f"/staff/residents/{setup['resident']}/code", data={"round_id": setup["open"], "issued_count": "0"})
    page = text_of(response)
    code = re.search(r"letter-code\">([A-Z0-9-]+)<", page).group(1)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert "Your voting code for Open round" in page
    assert "localhost/vote-with-code" in page
    assert "How to vote" in page and "Type your code into the box" in page
    assert "shown only this once" in page
    assert response.headers["Cache-Control"] == "no-store"
    # It cannot be shown again: the resident's page lists the code's state, never the code.
    resident_page = staff_client.get(f"/staff/residents/{setup['resident']}").get_data(as_text=True)
    assert "Not used yet" in resident_page
    assert code not in resident_page and code.replace("-", "") not in resident_page


def test_staff_page_sent_twice_shows_a_message_not_a_second_letter(app, staff_client, setup):
    data = {"round_id": setup["open"], "issued_count": "0"}
    assert staff_client.post(f"/staff/residents/{setup['resident']}/code", data=data).status_code == 200
    again = staff_client.post(f"/staff/residents/{setup['resident']}/code", data=data)
    assert again.status_code == 400
    assert "A code was issued from this page already" in text_of(again)


def test_staff_cannot_issue_a_code_for_a_pending_resident(app, staff_client, setup):
    with app.app_context():
        pending = factories.make_resident(status="pending", with_email=False)
    response = staff_client.post(f"/staff/residents/{pending.id}/code", data={"round_id": setup["open"], "issued_count": "0"})
    assert response.status_code == 400
    assert "cannot take part in Open round" in text_of(response)


def test_vote_with_code_stores_the_code_voter_and_goes_to_the_ballot(app, staff_client, setup):
    code = issue_through_staff_page(staff_client, setup["resident"], setup["open"])
    voter = app.test_client()
    response = voter.post("/vote-with-code", data={"code": code.lower().replace("-", " ")})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/rounds/{setup['open']}/vote") or response.headers[
        "Location"
    ].endswith(f"/rounds/{setup['open']}")
    with voter.session_transaction() as session:
        entry = session["code_voter"]
    with app.app_context():
        row = db.session.scalar(select(VotingCode))
        assert entry == {"code_id": row.id, "round_id": setup["open"]}
        assert row.used_at is None  # only casting the ballot uses the code up


@pytest.mark.parametrize(
    "make_state, message",
    [
        ("unknown", "We do not recognise that code"),
        ("used", "already been used"),
        ("replaced", "replaced by a newer one"),
        ("closed", "Voting has closed"),
    ],
)
def test_vote_with_code_refuses_bad_codes_with_clear_message(app, staff_client, setup, make_state, message):
    code = issue_through_staff_page(staff_client, setup["resident"], setup["open"])
    with app.app_context():
        row = db.session.scalar(select(VotingCode))
        if make_state == "used":
            voting_codes.mark_code_used(row)
        elif make_state == "closed":
            db.session.get(Round, setup["open"]).phase = "voting_closed"
        db.session.commit()
    if make_state == "replaced":
        issue_through_staff_page(staff_client, setup["resident"], setup["open"])
    if make_state == "unknown":
        code = "".join(secrets.choice(ALPHABET) for _ in range(12))
    voter = app.test_client()
    response = voter.post("/vote-with-code", data={"code": code})
    assert response.status_code == 400
    assert any(message in m for m in error_messages(response.get_data(as_text=True)))
    # A real code is not put back into the page (an unrecognised one is, to spot the slip); nothing changed.
    if make_state == "unknown":
        assert f'value="{code}"' in response.get_data(as_text=True)
    else:
        assert code not in response.get_data(as_text=True)
    with voter.session_transaction() as session:
        assert "code_voter" not in session


def test_vote_with_code_page_explains_what_to_type(client):
    page = text_of(client.get("/vote-with-code"))
    assert "Vote with a code" in page
    assert 'for="code"' in page
    assert "12 letters and numbers" in page


def test_a_code_casts_one_ballot_and_then_says_it_was_used(app, staff_client, setup):
    """The whole path through the voting area: enter the code, vote, and the code is spent."""
    with app.app_context():
        project = factories.make_proposal(db.session.get(Round, setup["open"]))
    code = issue_through_staff_page(staff_client, setup["resident"], setup["open"])
    voter = app.test_client()
    ballot_url = voter.post("/vote-with-code", data={"code": code}).headers["Location"]
    assert voter.get(ballot_url).status_code == 200
    cast = voter.post(f"/rounds/{setup['open']}/vote/cast", data={"rank1": str(project.id)})
    assert cast.status_code == 303
    with app.app_context():
        row = db.session.scalar(select(VotingCode))
        roll = db.session.scalar(select(VoterRoll))
        assert row.used_at is not None
        assert roll.user_id == setup["resident"] and roll.used_voting_code
    again = app.test_client().post("/vote-with-code", data={"code": code})
    assert again.status_code == 400
    assert "already been used" in text_of(again)


def test_two_simultaneous_uses_of_one_code_succeed_once(app, setup):
    """Both requests have read the code as unused; the conditional UPDATE lets only one through."""
    import threading

    from pb.services.transaction import transaction

    with app.app_context():
        code = _issue(setup)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def use():
        with app.app_context():
            row = voting_codes.find_usable_code(code)
            barrier.wait()
            try:
                with transaction():
                    voting_codes.mark_code_used(row)
                outcomes.append("used")
            except CodeAlreadyUsed:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=use) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["refused", "used"]


def test_letter_prints_the_configured_public_address(app, staff_client, setup):
    app.config["PB_PUBLIC_URL"] = "https://vote.connecthackney.org.uk/"
    response = staff_client.post(f"/staff/residents/{setup['resident']}/code", data={"round_id": setup["open"], "issued_count": "0"})
    assert "vote.connecthackney.org.uk/vote-with-code" in text_of(response)
    assert "https://" not in re.search(r'letter-address">([^<]+)<', response.get_data(as_text=True)).group(1)
