"""A resident sends in an idea (form, review step, sent), changes it, withdraws it, and sees its status."""
from __future__ import annotations

import re

import pytest

from pb.models import ProposalStatus
from tests import factories


def _new(client, round_, data):
    return client.post(f"/rounds/{round_.id}/proposals/new", data=data)


def _send(client, round_, data):
    return client.post(f"/rounds/{round_.id}/proposals/new/check", data={**data, "send": "1"})


def test_form_asks_for_every_field_with_hints(resident_client, open_round):
    response = resident_client.get(f"/rounds/{open_round.id}/proposals/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in ("title", "summary", "description", "amount", "category", "organisation", "contact"):
        assert f'id="{name}"' in html and f'for="{name}"' in html
    assert "Between £100 and £8,000" in html
    assert "Health and wellbeing" in html and "Getting out and about" in html
    # The resident's email is offered as the contact.
    assert 'value="resident@example.org"' in html
    assert html.count("<h1") == 1


def test_anonymous_visitor_is_asked_to_sign_in(client, open_round):
    response = client.get(f"/rounds/{open_round.id}/proposals/new")
    html = response.get_data(as_text=True)
    assert "Please sign in to send in an idea." in html
    assert f"/sign-in?next=/rounds/{open_round.id}/proposals/new" in html
    assert "<form method=\"post\" action=\"/rounds/" not in html


def test_anonymous_post_writes_nothing(client, open_round, good, proposal_count):
    response = _send(client, open_round, good)
    assert "Please sign in" in response.get_data(as_text=True)
    assert proposal_count() == 0


def test_resident_waiting_for_review_sees_why(app, client, auth, open_round, good, proposal_count):
    with app.app_context():
        factories.make_resident(email="pending@example.org", status="pending")
    auth.login("pending@example.org")
    response = client.get(f"/rounds/{open_round.id}/proposals/new")
    assert response.status_code == 403
    assert "waiting for a member of staff to check it" in response.get_data(as_text=True)
    assert _send(client, open_round, good).status_code == 403
    assert proposal_count() == 0


def test_resident_outside_the_area_is_refused(app, client, auth, open_round, good, proposal_count):
    with app.app_context():
        factories.make_resident(email="away@example.org", postcode="SW1A 1AA")
    auth.login("away@example.org")
    response = _send(client, open_round, good)
    assert response.status_code == 403
    assert proposal_count() == 0


def test_staff_account_cannot_propose_as_a_resident(staff_client, open_round):
    response = staff_client.get(f"/rounds/{open_round.id}/proposals/new")
    assert response.status_code == 403
    assert "Staff accounts cannot take part" in response.get_data(as_text=True)


def test_form_goes_to_review_step_without_saving(resident_client, open_round, good, proposal_count):
    response = _new(resident_client, open_round, good)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Check your idea before sending it" in html
    assert "£1,200.50" in html
    assert "<p>We would cook a two-course lunch.</p><p>Volunteers would bring people who cannot travel.</p>" in html
    # Everything is carried in hidden fields, with a Change button for each answer.
    assert re.search(r'<input[^>]*name="title"[^>]*type="hidden"|<input[^>]*type="hidden"[^>]*name="title"', html)
    assert html.count('name="change"') == 7
    assert "Send your idea" in html
    assert proposal_count() == 0


def test_change_button_returns_to_the_form_filled_in(resident_client, open_round, good, proposal_count):
    response = resident_client.post(
        f"/rounds/{open_round.id}/proposals/new/check", data={**good, "change": "summary"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Send in an idea for a project" in html
    assert 'value="Friday lunch club"' in html
    assert re.search(r'<input[^>]*autofocus[^>]*id="summary"|<input[^>]*id="summary"[^>]*autofocus', html)
    assert "Volunteers would bring people" in html
    assert proposal_count() == 0


def test_send_saves_the_idea_and_says_what_happens_next(resident_client, open_round, good, db_read, resident_user):
    response = _send(resident_client, open_round, good)
    assert response.status_code == 302
    from pb.extensions import db
    from pb.models import Proposal

    proposal = db_read(lambda: db.session.scalars(db.select(Proposal)).one())
    assert proposal.cost_pence == 120050
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.proposer_id == resident_user.id
    assert proposal.submitted_by_staff_id is None
    assert proposal.description == good["description"]
    assert proposal.category == "Social activities"
    assert response.headers["Location"].endswith(f"/rounds/{open_round.id}/proposals/{proposal.id}/sent")
    html = resident_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your idea has been sent" in html and "What happens next" in html
    assert "31 December 2026" in html  # when ideas close


def test_amount_in_plain_pounds_is_accepted(resident_client, open_round, good):
    assert _send(resident_client, open_round, {**good, "amount": "1250"}).status_code == 302
    html = resident_client.get("/proposals/mine").get_data(as_text=True)
    assert "£1,250" in html


BAD_INPUT = [
    ("title", "", "Enter a title for your idea"),
    ("title", "x" * 81, "The title must be 80 characters or fewer (it has 81)"),
    ("summary", "   ", "Enter a one-line summary of your idea"),
    ("summary", "s" * 201, "The summary must be 200 characters or fewer (it has 201)"),
    ("description", "", "Describe your idea"),
    ("description", "d" * 5001, "The description must be 5,000 characters or fewer (it has 5,001)"),
    ("amount", "lots", "Enter the amount as a number of pounds, for example 1250 or £1,250.50"),
    ("amount", "", "Enter an amount in pounds"),
    ("amount", "£1,200.505", "Enter the amount as a number of pounds"),
    ("amount", "-500", "Enter the amount as a number of pounds"),
    ("amount", "99.99", "Enter an amount between £100 and £8,000"),
    ("amount", "8000.01", "Enter an amount between £100 and £8,000"),
    ("category", "", "Choose the category that fits your idea best"),
    ("category", "Gardening", "Choose the category that fits your idea best"),
    ("organisation", "", "Enter the name of the group or organisation"),
    ("organisation", "o" * 121, "The name must be 120 characters or fewer"),
    ("contact", "", "Enter a phone number or email address"),
    ("contact", "call me", "Enter a phone number like 020 7946 0000"),
    ("contact", "me@home", "Enter an email address like name@example.org"),
]


@pytest.mark.parametrize("field,value,message", BAD_INPUT)
def test_bad_input_gets_a_message_next_to_the_field_and_saves_nothing(
    resident_client, open_round, good, proposal_count, field, value, message
):
    data = {**good, field: value}
    for response in (_new(resident_client, open_round, data), _send(resident_client, open_round, data)):
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "There is a problem" in html
        assert f'href="#{field}"' in html  # the error summary links to the field
        errors = re.findall(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
        assert errors and message in errors[0].replace("&#39;", "'")
        assert 'aria-invalid="true"' in html
        assert "Error: " in html.split("<title>")[1].split("</title>")[0]
    assert proposal_count() == 0


def test_exactly_at_the_limits_is_accepted(resident_client, open_round, good, proposal_count):
    data = {**good, "title": "t" * 80, "summary": "s" * 200, "description": "d" * 5000, "amount": "£8,000"}
    assert _send(resident_client, open_round, data).status_code == 302
    data = {**good, "amount": "100"}
    assert _send(resident_client, open_round, data).status_code == 302
    assert proposal_count() == 2


def test_several_errors_are_all_shown(resident_client, open_round, proposal_count):
    response = _new(resident_client, open_round, {"amount": "lots"})
    html = response.get_data(as_text=True)
    for field in ("title", "summary", "description", "amount", "category", "organisation", "contact"):
        assert f'id="{field}-error"' in html
    assert proposal_count() == 0


def test_my_ideas_shows_status_note_and_reason(app, resident_client, open_round, resident_user, proposal_factory):
    proposal_factory(open_round, title="Waiting idea", status="submitted", proposer_id=resident_user.id)
    proposal_factory(open_round, title="Needs work", status="changes_requested", proposer_id=resident_user.id,
                     staff_note="Please get a quote for the hall.")
    proposal_factory(open_round, title="Said no", status="refused", proposer_id=resident_user.id,
                     refusal_reason="The council already funds this.")
    proposal_factory(open_round, title="Someone else's", status="submitted")
    html = resident_client.get("/proposals/mine").get_data(as_text=True)
    assert "Waiting idea" in html and "Received" in html
    assert "Needs work" in html and "Changes requested" in html and "Please get a quote for the hall." in html
    assert "Said no" in html and "Not shortlisted" in html and "The council already funds this." in html
    assert "Someone else" not in html


def test_my_ideas_needs_sign_in(client):
    response = client.get("/proposals/mine")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_edit_goes_through_review_and_saves(resident_client, open_round, resident_user, proposal_factory, get_proposal, good):
    p = proposal_factory(open_round, status="submitted", proposer_id=resident_user.id, title="Old title", cost_pence=50000)
    form = resident_client.get(f"/rounds/{open_round.id}/proposals/{p.id}/edit").get_data(as_text=True)
    assert 'value="Old title"' in form and 'value="500"' in form
    review = resident_client.post(f"/rounds/{open_round.id}/proposals/{p.id}/edit", data={**good, "title": "New title"})
    assert "Check your changes before saving them" in review.get_data(as_text=True)
    assert get_proposal(p.id).title == "Old title"
    saved = resident_client.post(
        f"/rounds/{open_round.id}/proposals/{p.id}/edit/check", data={**good, "title": "New title", "send": "1"}
    )
    assert saved.status_code == 302
    after = get_proposal(p.id)
    assert after.title == "New title" and after.cost_pence == 120050 and after.status == "submitted"


def test_editing_after_changes_requested_sends_it_back_for_review(
    resident_client, open_round, resident_user, proposal_factory, get_proposal, good
):
    p = proposal_factory(open_round, status="changes_requested", proposer_id=resident_user.id, staff_note="Add a venue.")
    form = resident_client.get(f"/rounds/{open_round.id}/proposals/{p.id}/edit").get_data(as_text=True)
    assert "Add a venue." in form
    resident_client.post(f"/rounds/{open_round.id}/proposals/{p.id}/edit/check", data={**good, "send": "1"})
    assert get_proposal(p.id).status == ProposalStatus.SUBMITTED


def test_edit_with_bad_input_changes_nothing(resident_client, open_round, resident_user, proposal_factory, get_proposal, good):
    p = proposal_factory(open_round, status="submitted", proposer_id=resident_user.id, title="Keep me")
    response = resident_client.post(
        f"/rounds/{open_round.id}/proposals/{p.id}/edit/check", data={**good, "amount": "lots", "send": "1"}
    )
    assert response.status_code == 400
    assert "Enter the amount as a number of pounds" in response.get_data(as_text=True)
    assert get_proposal(p.id).title == "Keep me"


def test_withdraw_asks_first_then_withdraws(client, resident_client, open_round, resident_user, proposal_factory, get_proposal):
    p = proposal_factory(open_round, status="submitted", proposer_id=resident_user.id, title="Going away")
    confirm = resident_client.get(f"/rounds/{open_round.id}/proposals/{p.id}/withdraw")
    assert "Withdraw “Going away”?" in confirm.get_data(as_text=True)
    assert get_proposal(p.id).status == "submitted"
    done = resident_client.post(f"/rounds/{open_round.id}/proposals/{p.id}/withdraw", follow_redirects=True)
    assert "You have withdrawn “Going away”" in done.get_data(as_text=True)
    assert get_proposal(p.id).status == ProposalStatus.WITHDRAWN
    # The owner still sees it; the public list does not.
    assert "Withdrawn" in resident_client.get("/proposals/mine").get_data(as_text=True)
    resident_client.post("/sign-out")
    assert "Going away" not in client.get(f"/rounds/{open_round.id}/proposals").get_data(as_text=True)
    assert client.get(f"/rounds/{open_round.id}/proposals/{p.id}").status_code == 404


def test_withdrawn_idea_cannot_be_changed(resident_client, open_round, resident_user, proposal_factory, get_proposal, good):
    p = proposal_factory(open_round, status="withdrawn", proposer_id=resident_user.id, title="Gone")
    response = resident_client.post(f"/rounds/{open_round.id}/proposals/{p.id}/edit/check", data={**good, "send": "1"})
    assert response.status_code == 409
    assert get_proposal(p.id).title == "Gone" and get_proposal(p.id).status == "withdrawn"


def test_review_step_works_with_csrf_protection(migrated_database, good):
    """With CSRF on, the form and the review page both carry a token, and the idea is saved."""
    from tests.conftest import empty_all_tables, make_app

    app = make_app(migrated_database, WTF_CSRF_ENABLED=True)
    try:
        with app.app_context():
            factories.make_resident(email="csrf@example.org")
            round_ = factories.make_round(phase="proposals_open")
        client = app.test_client()

        def token(html):
            return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

        sign_in = client.get("/sign-in").get_data(as_text=True)
        client.post("/sign-in", data={"email": "csrf@example.org", "password": factories.PASSWORD,
                                      "csrf_token": token(sign_in)})
        form = client.get(f"/rounds/{round_.id}/proposals/new").get_data(as_text=True)
        review = client.post(f"/rounds/{round_.id}/proposals/new", data={**good, "csrf_token": token(form)})
        assert review.status_code == 200
        html = review.get_data(as_text=True)
        assert client.post(f"/rounds/{round_.id}/proposals/new/check", data={**good, "send": "1"}).status_code == 400
        sent = client.post(f"/rounds/{round_.id}/proposals/new/check",
                           data={**good, "send": "1", "csrf_token": token(html)})
        assert sent.status_code == 302
    finally:
        empty_all_tables(app)


def test_sending_twice_creates_one_idea(resident_client, open_round, good, proposal_count):
    first = _send(resident_client, open_round, good)
    second = _send(resident_client, open_round, good)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert proposal_count() == 1
    # A different idea from the same resident is still welcome.
    assert _send(resident_client, open_round, {**good, "title": "Second idea"}).status_code == 302
    assert proposal_count() == 2


def test_saving_without_changes_keeps_the_status(resident_client, open_round, resident_user, proposal_factory, get_proposal):
    from pb.domain.ideas import form_values

    p = proposal_factory(open_round, status="shortlisted", proposer_id=resident_user.id)
    form = resident_client.get(f"/rounds/{open_round.id}/proposals/{p.id}/edit").get_data(as_text=True)
    assert "If you change it, the team will need to check it again" in form
    values = form_values(get_proposal(p.id))
    resident_client.post(f"/rounds/{open_round.id}/proposals/{p.id}/edit/check", data={**values, "send": "1"})
    assert get_proposal(p.id).status == "shortlisted"
