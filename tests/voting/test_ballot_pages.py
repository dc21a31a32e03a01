"""The resident's ballot pages: choose, review, cast, receipt, and every refusal."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import Ballot, Round, User, VoterRoll, VotingCode
from tests import factories
from tests.conftest import empty_all_tables, make_app
from tests.voting.conftest import counts, make_voting_setup, ranks


def _html(response) -> str:
    return response.get_data(as_text=True)


def _set_phase(app, round_id, phase):
    with app.app_context():
        db.session.get(Round, round_id).phase = phase
        db.session.commit()


def test_anonymous_visitor_is_sent_to_sign_in(client, setup):
    response = client.get(f"/rounds/{setup.round_id}/vote")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    response = client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0]))
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_ballot_page_lists_every_shortlisted_project_with_a_radio_button_for_the_1st_choice(voter_client, setup, app):
    response = voter_client.get(f"/rounds/{setup.round_id}/vote")
    assert response.status_code == 200
    html = _html(response)
    assert html.count("<h1") == 1
    assert "<h1>Choose your 1st choice</h1>" in html and "choice 1 of 3" in html
    assert "Your 1st choice gets 3 points, your 2nd choice 2 points and your 3rd choice 1 point." in html
    assert "<title>Your 1st choice – " in html
    for pid, title in setup.titles.items():
        # The radio button's label is the title, and its name says which choice it is.
        assert re.search(rf'<input class="radio-input" type="radio" id="rank1(-{pid})?" name="rank1" value="{pid}"'
                         rf' aria-label="{title}: 1st choice" aria-describedby="project-{pid}-about">', html)
        assert f'<span class="card-title">{title}</span></label>' in html
        assert f"Read more<span class=\"visually-hidden\"> about {title}</span>" in html
    assert "Summary of project" in html and "£1,000" in html
    assert "Refused idea" not in html and "Elsewhere" not in html
    assert html.count('name="rank1"') == 5 and 'name="rank2"' not in html and "<select" not in html.split("<main")[1]
    assert 'id="rank1"' in html  # the error summary's link lands on the group's first button
    # No inline script or style: the page works with JavaScript off.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag
    assert " style=" not in html and " onclick=" not in html


def test_review_page_states_the_choices_in_plain_english(voter_client, setup):
    p = setup.projects
    response = voter_client.post(f"/rounds/{setup.round_id}/vote/review", data=ranks(p[2], p[0]))
    assert response.status_code == 200
    html = _html(response)
    assert "<h1>Check your choices</h1>" in html
    assert re.search(r"<dt>Your 1st choice</dt>\s*<dd>Project Choir \(£1,000\)</dd>", html)
    assert re.search(r"<dt>Your 2nd choice</dt>\s*<dd>Project Apple \(£1,000\)</dd>", html)
    assert "Cast my vote" in html and "Change my choices" in html
    assert "you cannot change it" in html


def test_change_my_choices_goes_back_to_the_1st_choice_with_every_choice_kept(voter_client, setup):
    p = setup.projects
    response = voter_client.post(f"/rounds/{setup.round_id}/vote", data={**ranks(p[2], p[0]), "goto": "1"})
    assert response.status_code == 200
    html = _html(response)
    assert "<h1>Choose your 1st choice</h1>" in html
    assert re.search(rf'name="rank1" value="{p[2]}"[^>]*checked', html)
    assert html.count(" checked") == 1
    # The 2nd choice travels on in a hidden field, so the next page has it chosen already.
    assert f'<input type="hidden" name="rank2" value="{p[0]}">' in html


def test_a_gap_in_the_choices_moves_the_later_choice_up(voter_client, setup):
    p = setup.projects
    response = voter_client.post(f"/rounds/{setup.round_id}/vote/review", data={"rank1": "", "rank2": str(p[1])})
    assert response.status_code == 200
    assert re.search(r"<dt>Your 1st choice</dt>\s*<dd>Project Bench", _html(response))


def test_cast_shows_the_receipt_and_what_happens_next(voter_client, setup, app):
    with app.app_context():
        r = db.session.get(Round, setup.round_id)
        r.results_on = factories.date(2026, 7, 20)
        db.session.commit()
    p = setup.projects
    response = voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(p[0], p[1]))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/rounds/{setup.round_id}/vote/receipt")
    html = _html(voter_client.get(response.headers["Location"]))
    receipt = re.search(r'class="receipt-code"[^>]*>([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{3})<', html).group(1)
    with app.app_context():
        assert db.session.scalar(select(Ballot.receipt)) == receipt
    assert "<h1>Your vote has been cast</h1>" in html
    assert "20 July 2026" in html
    assert f'href="/rounds/{setup.round_id}/receipt"' in html  # results.receipt_check
    assert "cannot change your vote" in html
    # The receipt page does not show how they voted (a printed receipt must not prove a vote to anyone).
    assert "Project Apple" not in html
    assert counts(app) == (1, 1)


def test_second_vote_gets_the_already_voted_page_and_stores_nothing(voter_client, setup, app):
    p = setup.projects
    assert voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(p[0])).status_code == 303
    response = voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(p[1], p[2]))
    assert response.status_code == 409
    html = _html(response)
    assert "<h1>You have already voted</h1>" in html
    assert "You have already voted in this round. Each person can vote once." in html
    assert counts(app) == (1, 1)
    # The ballot page now says so too, instead of offering a second ballot.
    response = voter_client.get(f"/rounds/{setup.round_id}/vote")
    assert "You have already voted" in _html(response) and "rank1" not in _html(response)
    # And so does the review step.
    assert voter_client.post(f"/rounds/{setup.round_id}/vote/review", data=ranks(p[1])).status_code == 409


@pytest.mark.parametrize(
    "case, message",
    [
        ("unknown id", "Your 1st choice is not one of the projects on this ballot"),
        ("other round", "Your 2nd choice is not one of the projects on this ballot"),
        ("refused", "Your 1st choice is not one of the projects on this ballot"),
        ("duplicate", "Choose each project only once"),
        ("too many", "You can choose up to 3 projects"),
        ("not a number", "Your 1st choice is not one of the projects on this ballot"),
        ("empty", "Choose your 1st choice"),
        ("huge field number", "more choices than any round allows"),
    ],
)
def test_tampered_hidden_fields_on_cast_are_refused_and_store_nothing(voter_client, setup, app, case, message):
    p = setup.projects
    data = {
        "unknown id": ranks(424242),
        "other round": ranks(p[0], setup.other_project),
        "refused": ranks(setup.refused),
        "duplicate": ranks(p[0], p[1], p[0]),
        "too many": ranks(*p[:4]),
        "not a number": {"rank1": "1 OR 1=1"},
        "empty": {"rank1": ""},
        "huge field number": {"rank1": str(p[0]), "rank51": str(p[1])},
    }[case]
    response = voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=data)
    assert response.status_code == 400
    html = _html(response)
    assert "There is a problem" in html and message in html
    assert re.search(r"<h1>Choose your (1st|2nd|3rd) choice</h1>", html)  # back on the ballot, to fix it
    assert counts(app) == (0, 0)
    # The same refusal at the review step.
    assert voter_client.post(f"/rounds/{setup.round_id}/vote/review", data=data).status_code == 400
    assert counts(app) == (0, 0)


def test_error_is_shown_next_to_the_field_it_is_about(voter_client, setup):
    p = setup.projects
    html = _html(voter_client.post(f"/rounds/{setup.round_id}/vote/review", data=ranks(p[0], p[0])))
    assert '<a href="#rank2">' in html
    assert "<h1>Choose your 2nd choice</h1>" in html  # the page of the choice to fix
    assert re.search(r'<p class="field-error" id="rank2-error">.*?Choose each project only once', html, re.DOTALL)
    assert 'aria-describedby="rank2-error"' in html and 'id="rank2"' in html


def test_post_after_voting_closed_is_refused(voter_client, setup, app):
    assert voter_client.get(f"/rounds/{setup.round_id}/vote").status_code == 200
    _set_phase(app, setup.round_id, Phase.VOTING_CLOSED)
    response = voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0]))
    assert response.status_code == 409
    assert "<h1>Voting has closed</h1>" in _html(response)
    assert counts(app) == (0, 0)
    response = voter_client.get(f"/rounds/{setup.round_id}/vote")
    assert "Voting has closed" in _html(response) and "rank1" not in _html(response)


def test_visitor_not_signed_in_opening_a_closed_ballot_is_told_voting_has_closed(client, setup, app):
    _set_phase(app, setup.round_id, Phase.VOTING_CLOSED)
    response = client.get(f"/rounds/{setup.round_id}/vote")
    assert response.status_code == 200
    assert "<h1>Voting has closed</h1>" in _html(response) and "rank1" not in _html(response)
    assert client.head(f"/rounds/{setup.round_id}/vote").status_code == 200
    response = client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0]))
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert counts(app) == (0, 0)


def test_ballot_before_voting_opens(voter_client, app):
    with app.app_context():
        round_ = factories.make_round(phase=Phase.PROPOSALS_CLOSED)
        rid = round_.id
    html = _html(voter_client.get(f"/rounds/{rid}/vote"))
    assert "Voting has not opened yet" in html


def test_draft_round_ballot_does_not_exist(voter_client, app):
    with app.app_context():
        rid = factories.make_round(phase=Phase.DRAFT).id
    assert voter_client.get(f"/rounds/{rid}/vote").status_code == 404
    assert voter_client.post(f"/rounds/{rid}/vote/cast", data=ranks(1)).status_code in (404, 409)
    assert counts(app) == (0, 0)


def test_resident_without_eligibility_cannot_vote(client, auth, setup, app):
    with app.app_context():
        factories.make_resident(email="pending@example.net", status="pending")
    auth.login("pending@example.net")
    html = _html(client.get(f"/rounds/{setup.round_id}/vote"))
    assert "You cannot vote in this round" in html
    assert "waiting for a member of staff to check it" in html
    response = client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0]))
    assert response.status_code == 403
    assert counts(app) == (0, 0)


def test_signed_out_elsewhere_before_casting_goes_to_sign_in_and_stores_nothing(voter_client, voter, setup, app):
    """The ballot was open in one tab; "sign out everywhere" happened in another. The cast is not taken."""
    from pb.services import auth as auth_service

    assert voter_client.get(f"/rounds/{setup.round_id}/vote").status_code == 200
    with app.app_context():
        auth_service.sign_out(db.session.get(User, voter.id))
    response = voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0]))
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert counts(app) == (0, 0)


def test_a_switched_off_account_cannot_cast(voter_client, voter, setup, app):
    with app.app_context():
        db.session.get(User, voter.id).is_active_account = False
        db.session.commit()
    response = voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0]))
    assert response.status_code == 403
    assert "This account has been switched off." in _html(response)
    assert counts(app) == (0, 0)


def test_a_forged_sign_in_in_the_session_is_not_signed_in(app, setup):
    """A session naming an account with a made-up token (it would need the secret key to sign it) casts nothing."""
    with app.app_context():
        resident = factories.make_resident(email="forged@example.net")
        resident_id = resident.id
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{resident_id}:{'f' * 64}"
    response = client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0]))
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert counts(app) == (0, 0)


def test_staff_are_pointed_to_paper_voting(staff_client, setup, app):
    html = _html(staff_client.get(f"/rounds/{setup.round_id}/vote"))
    assert "Staff accounts cannot take part" in html
    assert f"/staff/rounds/{setup.round_id}/paper" in html
    assert staff_client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0])).status_code == 403
    assert counts(app) == (0, 0)


def test_round_needing_exactly_two_choices(client, auth, app):
    with app.app_context():
        s = make_voting_setup(min_ranks=2, max_ranks=2)
        factories.make_resident(email="two@example.net")
    auth.login("two@example.net")
    html = _html(client.get(f"/rounds/{s.round_id}/vote"))
    assert "<h1>Choose your 1st choice</h1>" in html and "Choose 2 different projects." in html
    # The 2nd choice is needed: its page offers no "No 2nd choice".
    second = _html(client.post(f"/rounds/{s.round_id}/vote", data={"step": "1", "rank1": str(s.projects[0])}))
    assert "<h1>Choose your 2nd choice</h1>" in second and "No 2nd choice" not in second
    response = client.post(f"/rounds/{s.round_id}/vote/cast", data=ranks(s.projects[0]))
    assert response.status_code == 400 and "Choose at least 2 projects" in _html(response)
    assert client.post(f"/rounds/{s.round_id}/vote/cast", data=ranks(*s.projects[:2])).status_code == 303


def test_receipt_page_without_a_vote_goes_to_the_ballot(voter_client, setup):
    response = voter_client.get(f"/rounds/{setup.round_id}/vote/receipt")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/rounds/{setup.round_id}/vote")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.dictionaries(
    st.one_of(st.sampled_from(["rank1", "rank2", "rank3", "rank4", "rank0", "rank12"]), st.text(max_size=6)),
    st.one_of(st.text(max_size=8), st.integers(-5, 10**9).map(str)),
    max_size=6,
))
def test_generated_form_posts_never_store_a_bad_ballot(voter_client, setup, app, form):
    """Arbitrary form fields: either a valid ballot is stored (303) or a clear refusal (400), never a 5xx.

    A control character in any field's name or value is refused by pb.request_checks before the
    view runs (its own 400 page, nothing stored); any other bad form gets the ballot's own errors.
    """
    from pb.request_checks import MESSAGE, REFUSED

    before = counts(app)  # an earlier example may have stored a (valid) ballot already
    response = voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=form)
    assert response.status_code in (303, 400, 409)
    stored = counts(app)
    if any(REFUSED.search(text) for text in (*form, *form.values())):
        assert response.status_code == 400 and MESSAGE in _html(response)
        assert stored == before
        return
    if response.status_code == 400:
        assert "There is a problem" in _html(response)
    if stored == (1, 1):
        with app.app_context():
            ballot = db.session.scalar(select(Ballot))
            ids = ballot.project_ids
            db.session.remove()
        assert 1 <= len(ids) <= 3 and len(set(ids)) == len(ids) and set(ids) <= set(setup.projects)
    else:
        assert stored == (0, 0)


# ---------------------------------------------------------------- voting with a code


def _code_for(app, round_id, **resident_kw):
    from pb.services import voting_codes

    with app.app_context():
        staff = factories.make_staff()
        resident = factories.make_resident(with_email=False, **resident_kw)
        code = voting_codes.issue_code(staff, resident, db.session.get(Round, round_id))
        return code, resident.id


def test_vote_with_a_code_marks_the_code_used_and_the_voter_roll(client, setup, app):
    code, resident_id = _code_for(app, setup.round_id)
    response = client.post("/vote-with-code", data={"code": code})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/rounds/{setup.round_id}/vote")
    html = _html(client.get(f"/rounds/{setup.round_id}/vote"))
    assert "Choose your 1st choice" in html
    with app.app_context():
        name = db.session.get(User, resident_id).name
    review = _html(client.post(f"/rounds/{setup.round_id}/vote/review", data=ranks(setup.projects[4])))
    assert f"You are voting with the voting code sent to {escape(name)}." in review
    response = client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[4]))
    assert response.status_code == 303
    assert "receipt-code" in _html(client.get(response.headers["Location"]))
    with app.app_context():
        (roll,) = db.session.scalars(select(VoterRoll)).all()
        assert (roll.user_id, roll.channel, roll.used_voting_code) == (resident_id, "online", True)
        assert db.session.scalar(select(VotingCode.used_at)) is not None
    # The code voter's session entry is gone: the next person at this computer starts afresh.
    assert client.get(f"/rounds/{setup.round_id}/vote").status_code == 302
    # And the code does not work again.
    response = client.post("/vote-with-code", data={"code": code})
    assert "already been used" in _html(response)
    assert counts(app) == (1, 1)


def test_code_used_in_another_tab_is_refused_at_cast(client, setup, app):
    code, _ = _code_for(app, setup.round_id)
    client.post("/vote-with-code", data={"code": code})
    other = app.test_client()
    other.post("/vote-with-code", data={"code": code})
    assert other.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0])).status_code == 303
    response = client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[1]))
    assert response.status_code == 409
    assert counts(app) == (1, 1)


def test_code_for_a_resident_who_voted_online_already_stores_nothing(client, auth, setup, app):
    with app.app_context():
        staff = factories.make_staff()
        resident = factories.make_resident(email="both@example.net")
        from pb.services import voting_codes

        code = voting_codes.issue_code(staff, resident, db.session.get(Round, setup.round_id))
    auth.login("both@example.net")
    assert client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0])).status_code == 303
    auth.logout()
    client.post("/vote-with-code", data={"code": code})
    response = client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[1]))
    assert response.status_code == 409
    assert counts(app) == (1, 1)


# ---------------------------------------------------------------- CSRF


def test_cast_needs_the_csrf_token_from_the_form(csrf_app):
    with csrf_app.app_context():
        s = make_voting_setup()
        factories.make_resident(email="csrf@example.net")
    client = csrf_app.test_client()
    html = _html(client.get("/sign-in"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    client.post("/sign-in", data={"email": "csrf@example.net", "password": factories.PASSWORD, "csrf_token": token})
    response = client.post(f"/rounds/{s.round_id}/vote/cast", data=ranks(s.projects[0]))
    assert response.status_code == 400 and "This form has expired" in _html(response)
    assert counts(csrf_app) == (0, 0)
    html = _html(client.post(f"/rounds/{s.round_id}/vote/review",
                             data={**ranks(s.projects[0]), "csrf_token": _token(client, s.round_id)}))
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(f"/rounds/{s.round_id}/vote/cast", data={**ranks(s.projects[0]), "csrf_token": token})
    assert response.status_code == 303
    assert counts(csrf_app) == (1, 1)


def _token(client, round_id):
    html = _html(client.get(f"/rounds/{round_id}/vote"))
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# ---------------------------------------------------------------- a busy database


def test_busy_database_answers_503_with_retry_after_and_stores_nothing(voter_client, setup, app, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from pb.services.ballot_store import FastBallotStore, OrmBallotStore

    def locked(*args, **kwargs):
        raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(FastBallotStore, "state", locked)
    monkeypatch.setattr(OrmBallotStore, "state", locked)
    response = voter_client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0]))
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "Nothing you sent has been saved" in _html(response)
    assert counts(app) == (0, 0)


@pytest.mark.sqlite_only
def test_write_lock_held_too_long_gives_503_not_500(migrated_database):
    """Another process holds SQLite's write lock past the busy timeout: 503 and Retry-After."""
    import sqlite3

    app = make_app(migrated_database, SQLITE_BUSY_TIMEOUT_MS=200)
    try:
        with app.app_context():
            s = make_voting_setup()
            factories.make_resident(email="busy@example.net")
        client = app.test_client()
        client.post("/sign-in", data={"email": "busy@example.net", "password": factories.PASSWORD})
        other = sqlite3.connect(migrated_database.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            response = client.post(f"/rounds/{s.round_id}/vote/cast", data=ranks(s.projects[0]))
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert response.status_code == 503 and response.headers["Retry-After"]
        assert counts(app) == (0, 0)
        # Once the lock is free the same vote goes through.
        assert client.post(f"/rounds/{s.round_id}/vote/cast", data=ranks(s.projects[0])).status_code == 303
    finally:
        empty_all_tables(app)


def test_ballot_offers_no_more_choices_than_there_are_projects(client, auth, app):
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN, max_ranks=3)
        ids = [factories.make_proposal(round_, title=t).id for t in ("Only one", "Only two")]
        factories.make_resident(email="few@example.net")
        rid = round_.id
    auth.login("few@example.net")
    html = _html(client.get(f"/rounds/{rid}/vote"))
    assert "choice 1 of 2" in html
    second = _html(client.post(f"/rounds/{rid}/vote", data={"step": "2", "rank1": str(ids[0]), "rank2": str(ids[1])}))
    assert "<h1>Check your choices</h1>" in second  # the 2nd choice was the last one



def test_ballot_with_too_few_projects_says_it_is_not_ready(client, auth, app):
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN, min_ranks=2, max_ranks=3)
        factories.make_proposal(round_, title="Lonely")
        factories.make_resident(email="early@example.net")
        rid = round_.id
    auth.login("early@example.net")
    html = _html(client.get(f"/rounds/{rid}/vote"))
    assert "This ballot is not ready" in html and 'id="rank1"' not in html


def test_code_voters_pages_are_not_cached(client, setup, app):
    code, _ = _code_for(app, setup.round_id)
    client.post("/vote-with-code", data={"code": code})
    for response in (client.get(f"/rounds/{setup.round_id}/vote"),
                     client.post(f"/rounds/{setup.round_id}/vote/review", data=ranks(setup.projects[0]))):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
    response = client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0]))
    assert client.get(response.headers["Location"]).headers["Cache-Control"] == "no-store"
