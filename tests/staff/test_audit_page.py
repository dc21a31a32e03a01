"""The audit log page in words: sentences with names and £ amounts, the raw record kept for auditors."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import event

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import ProposalStatus, Round, User
from pb.services import audit, resident_review
from tests import factories
from tests.conftest import page_html
from pb.services.transaction import transaction
from tests.staff.conftest import edit_form_data

RAW = re.compile(r'<details class="audit-raw">.*?</details>', re.S)
SUMMARY = "<summary>Details for auditors</summary>"


@pytest.fixture
def setting(app):
    """Two members of staff, a round in draft with a £20,000 budget, and a round open for voting."""
    with app.app_context():
        asha = factories.make_staff(name="Asha Patel", email="asha@example.org")
        sam = factories.make_staff(name="Sam Lee", email="sam@example.org")
        draft = factories.make_round(title="Hackney 50+ Fund 2026", budget_pence=2_000_000)
        voting = factories.make_round(phase=Phase.VOTING_OPEN, title="Spring vote", results_on=None)
        projects = [factories.make_proposal(voting, title=f"Project {name}", status=ProposalStatus.SHORTLISTED).id
                    for name in ("Apple", "Bench", "Choir")]
        return {"asha": asha.email, "sam": sam.email, "asha_id": asha.id, "draft": draft.id, "voting": voting.id,
                "projects": projects}


def _resident(app, name: str) -> int:
    with app.app_context():
        return factories.make_resident(name=name, date_of_birth=date(1944, 3, 27), postcode="E8 2XY",
                                       with_email=False).id


def _sign_in(auth, email: str) -> None:
    auth.logout()
    assert auth.login(email).status_code in (302, 303)


def _key_paper_ballot(client, round_id: int, resident_id: int, ranking: list[int]) -> None:
    data = {f"rank{i + 1}": str(p) for i, p in enumerate(ranking)}
    data["identity_checked"] = "y"
    response = client.post(f"/staff/rounds/{round_id}/paper/residents/{resident_id}/store", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)


def _change_budget(app, client, round_id: int, budget: str) -> None:
    with app.app_context():
        data = edit_form_data(db.session.get(Round, round_id), budget=budget)
    response = client.post(f"/staff/rounds/{round_id}/edit", data=data)
    assert response.status_code in (302, 303), response.get_data(as_text=True)


def _entries(html: str) -> int:
    return html.count(SUMMARY)


def test_events_read_as_sentences_with_names_and_pounds(app, client, auth, setting):
    rita = _resident(app, "Rita Brown")
    _sign_in(auth, setting["asha"])
    _change_budget(app, client, setting["draft"], "£25,000")
    _sign_in(auth, setting["sam"])
    _key_paper_ballot(client, setting["voting"], rita, setting["projects"][1:3])

    html = page_html(client, "/staff/audit")
    assert "Asha Patel changed the budget of “Hackney 50+ Fund 2026” from £20,000 to £25,000." in html
    assert "Sam Lee keyed a paper ballot for Rita Brown in “Spring vote”." in html
    assert html.index("Sam Lee keyed") < html.index("Asha Patel changed")  # newest first
    assert _entries(html) == 2
    # The ranking is never in the audit log, so never on this page.
    assert "Project Bench" not in html and "Project Choir" not in html


def test_developer_keys_and_ids_appear_only_in_the_details_for_auditors(app, client, auth, setting):
    rita = _resident(app, "Rita Brown")
    _sign_in(auth, setting["asha"])
    _change_budget(app, client, setting["draft"], "£25,000")
    _key_paper_ballot(client, setting["voting"], rita, setting["projects"][:1])

    html = page_html(client, "/staff/audit")
    raw = "".join(RAW.findall(html))
    outside = RAW.sub("", html)
    assert len(RAW.findall(html)) == 2
    for key in ("budget_pence", "resident_id", "entered_by_id", "round.edited", "ballot.paper_entered"):
        assert key in raw, key
        assert key not in outside.replace(f'value="{key}"', ""), key  # the filter's option values aside
    for developer_words in ("null", "entered by id", "resident id", "None"):
        assert developer_words not in outside
    # The raw record is all there for auditors: the field, its value before and after, whose ballot.
    assert "<td>budget_pence</td><td>Budget</td><td>£20,000</td><td>£25,000</td>" in raw
    assert f"<li>resident_id: {rita}</li>" in raw
    assert f"<li>entered_by_id: {setting['asha_id']}</li>" in raw


def test_a_resident_whose_data_was_deleted_shows_as_a_deleted_account(app, client, auth, setting):
    gone = _resident(app, "Bob Gone")
    _sign_in(auth, setting["sam"])
    _key_paper_ballot(client, setting["voting"], gone, setting["projects"][:1])
    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.email == setting["asha"]))
        resident_review.delete_resident(admin, gone)

    html = page_html(client, "/staff/audit")
    assert "Sam Lee keyed a paper ballot for a deleted account in “Spring vote”." in html
    assert "Asha Patel deleted a resident&#39;s personal data" in html  # the apostrophe as the page escapes it
    assert "Bob Gone" not in html


def test_the_filters_still_choose_by_action_and_round_and_name_actions_in_words(app, client, auth, setting):
    rita = _resident(app, "Rita Brown")
    _sign_in(auth, setting["asha"])
    _change_budget(app, client, setting["draft"], "£25,000")
    _key_paper_ballot(client, setting["voting"], rita, setting["projects"][:1])

    html = page_html(client, "/staff/audit?action=ballot.paper_entered")
    assert '<option value="ballot.paper_entered" selected>Paper ballot keyed</option>' in html
    assert '<option value="round.edited">Round details changed</option>' in html
    assert "keyed a paper ballot for Rita Brown" in html and "changed the budget" not in html
    assert "1 entry" in html
    html = page_html(client, f"/staff/audit?round={setting['draft']}")
    assert "changed the budget" in html and "keyed a paper ballot" not in html


def test_the_page_looks_names_up_once_per_kind_however_many_events_it_shows(app, client, auth, setting):
    _sign_in(auth, setting["sam"])

    def statements() -> tuple[int, str]:
        with app.app_context():
            engine = db.engine
        seen: list[str] = []

        def listener(*args):
            seen.append(args[2])

        event.listen(engine, "before_cursor_execute", listener)
        try:
            html = page_html(client, "/staff/audit")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen), html

    _key_paper_ballot(client, setting["voting"], _resident(app, "Rita Brown"), setting["projects"][:1])
    few, few_html = statements()
    for name in ("Bob Green", "Mary Khan", "Joan Smith", "Ali Khan"):
        _key_paper_ballot(client, setting["voting"], _resident(app, name), setting["projects"][:1])
    many, many_html = statements()
    assert "keyed a paper ballot for Rita Brown" in few_html
    assert all(f"keyed a paper ballot for {name}" in many_html for name in ("Bob Green", "Ali Khan", "Rita Brown"))
    assert many == few


def test_an_unknown_action_still_gets_a_sentence_and_its_details(app, staff_client, staff_user):
    with app.app_context():
        actor = db.session.get(User, staff_user.id)
        with transaction():
            audit.record(actor, "future.thing", colour_code="teal-42")
    html = page_html(staff_client, "/staff/audit")
    assert f"{staff_user.name}: Future thing." in html
    assert "<li>colour_code: teal-42</li>" in "".join(RAW.findall(html))
