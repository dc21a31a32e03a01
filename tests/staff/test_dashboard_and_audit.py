"""The staff console's dashboard, round page and audit log."""
from __future__ import annotations

from datetime import datetime, timezone

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import AuditEvent, CountResult, EligibilityStatus, ProposalStatus, VoterRoll
from pb.services import audit
from pb.services.transaction import transaction
from tests import factories
from tests.conftest import page_html


def _voters(round_id: int, online: int, paper: int) -> None:
    for i in range(online + paper):
        resident = factories.make_resident()
        db.session.add(VoterRoll(round_id=round_id, user_id=resident.id, channel="online" if i < online else "paper"))
    db.session.commit()


def test_dashboard_shows_every_round_with_counts_and_no_project_totals(app, staff_client):
    with app.app_context():
        factories.make_resident(status=EligibilityStatus.PENDING)
        voting = factories.make_round(phase=Phase.VOTING_OPEN, title="Voting round", budget_pence=5_000_000)
        p1 = factories.make_proposal(voting, status=ProposalStatus.SHORTLISTED, title="Lunch club")
        factories.make_proposal(voting, status=ProposalStatus.SHORTLISTED, title="Walking group")
        factories.make_proposal(voting, status=ProposalStatus.REFUSED, title="Refused idea")
        _voters(voting.id, online=3, paper=1)  # 4 eligible residents
        factories.make_round(phase=Phase.DRAFT, title="Draft round")
    html = staff_client.get("/staff/").get_data(as_text=True)
    assert "Voting round" in html and "Draft round" in html
    assert "£50,000" in html
    assert "Across the whole site, 4 residents are registered and able to take part" in html
    assert "3 in all: 2 shortlisted, 1 not shortlisted" in html
    assert "4 (3 online, 1 on paper)" in html
    # Counts of ballots only: no project is named, let alone scored, while voting is open.
    assert p1.title not in html and "Walking group" not in html
    assert "Voting open" in html and "Draft (not public yet)" in html


def test_next_action_links_to_the_right_page(app, staff_client):
    with app.app_context():
        draft = factories.make_round(phase=Phase.DRAFT)
        review = factories.make_round(phase=Phase.PROPOSALS_CLOSED)
        factories.make_proposal(review, status=ProposalStatus.SUBMITTED)
        closed = factories.make_round(phase=Phase.VOTING_CLOSED, voting_closed_at=datetime.now(timezone.utc))
        ids = (draft.id, review.id, closed.id)
    html = staff_client.get("/staff/").get_data(as_text=True)
    assert f'href="/staff/rounds/{ids[0]}/phase/proposals_open"' in html
    assert "Review project ideas (1 waiting)" in html
    if app.view_functions.get("proposals_staff.review_queue"):
        assert f'href="/staff/rounds/{ids[1]}/proposals"' in html
    if app.view_functions.get("results_staff.count"):
        assert f'href="/staff/rounds/{ids[2]}/count">Count the votes</a>' in html
    with app.app_context():
        db.session.add(CountResult(round_id=ids[2], rule="greedy"))
        db.session.commit()
    html = staff_client.get("/staff/").get_data(as_text=True)
    assert f'href="/staff/rounds/{ids[2]}/phase/results_published">Check the count, then publish the results</a>' in html


def test_empty_dashboard_says_what_to_do(staff_client):
    html = staff_client.get("/staff/").get_data(as_text=True)
    assert "There are no funding rounds yet" in html
    assert 'href="/staff/rounds/new"' in html


def test_round_page_shows_rules_dates_counts_and_area_links(app, staff_client):
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN, title="Detail round", points_scheme="5,3,1",
                                      counting_rule="equal-shares", completion="add1u",
                                      voting_opened_at=datetime(2026, 7, 1, 11, 0, tzinfo=timezone.utc))
        _voters(round_.id, online=2, paper=0)
        round_id = round_.id
    html = page_html(staff_client, f"/staff/rounds/{round_id}")
    assert "<h1>Detail round</h1>" in html
    assert "Aged 50 or over on 1 June 2026" in html
    assert "5, 3, 1" in html and "Method of Equal Shares, completion: add1u" in html
    assert "2 (2 online, 0 on paper)" in html
    assert "1 July 2026 at 12:00pm" in html  # UK summer time
    assert f'href="/staff/rounds/{round_id}/phase/voting_closed"' in html
    for endpoint, url in [("proposals_staff.review_queue", f"/staff/rounds/{round_id}/proposals"),
                          ("voting_staff.paper", f"/staff/rounds/{round_id}/paper")]:
        if endpoint in app.view_functions:
            assert f'href="{url}"' in html
    # The count page is offered only once voting has closed.
    assert f'href="/staff/rounds/{round_id}/count"' not in html
    assert f'href="/staff/audit?round={round_id}"' in html


def _event(actor, action, round_=None, when=None, **details):
    with transaction():
        event = audit.record(actor, action, round=round_, **details)
        if when is not None:
            event.created_at = when
    return event


def test_audit_log_lists_newest_first_with_actor_details_and_london_time(app, staff_client, staff_user):
    with app.app_context():
        round_ = factories.make_round(title="Audited round")
        actor = db.session.get(type(staff_user), staff_user.id)
        _event(actor, "round.created", round_, when=datetime(2026, 1, 10, 9, 0, tzinfo=timezone.utc))
        _event(actor, "round.edited", round_, when=datetime(2026, 7, 10, 12, 30, tzinfo=timezone.utc),
               changes={"budget_pence": {"before": "£10,000", "after": "£12,000"}})
    html = staff_client.get("/staff/audit").get_data(as_text=True)
    assert html.index("<td>round.edited</td>") < html.index("<td>round.created</td>")
    assert "10 July 2026 at 1:30pm" in html  # BST
    assert "10 January 2026 at 9:00am" in html  # GMT
    assert staff_user.name in html
    assert "<td>Budget</td><td>£10,000</td><td>£12,000</td>" in html
    assert ">Audited round</a>" in html


def test_audit_log_shows_phase_names(app, staff_client, staff_user):
    with app.app_context():
        round_ = factories.make_round()
        actor = db.session.get(type(staff_user), staff_user.id)
        _event(actor, "round.phase_moved", round_, **{"from": "draft", "to": "proposals_open"})
    html = staff_client.get("/staff/audit").get_data(as_text=True)
    assert "from: Draft (not public yet)" in html and "to: Open for project ideas" in html


def test_audit_log_filters_by_round_and_action(app, staff_client, staff_user):
    with app.app_context():
        a = factories.make_round(title="Round A")
        b = factories.make_round(title="Round B")
        actor = db.session.get(type(staff_user), staff_user.id)
        _event(actor, "round.created", a, marker="a-created")
        _event(actor, "round.phase_moved", a, marker="a-moved")
        _event(actor, "round.created", b, marker="b-created")
        a_id = a.id
    html = staff_client.get(f"/staff/audit?round={a_id}").get_data(as_text=True)
    assert "a-created" in html and "a-moved" in html and "b-created" not in html
    html = staff_client.get("/staff/audit?action=round.created").get_data(as_text=True)
    assert "a-created" in html and "b-created" in html and "a-moved" not in html
    html = staff_client.get(f"/staff/audit?round={a_id}&action=round.created").get_data(as_text=True)
    assert "a-created" in html and "a-moved" not in html and "b-created" not in html
    assert "1 entry" in html


def test_audit_log_is_paginated(app, staff_client, staff_user):
    with app.app_context():
        actor = db.session.get(type(staff_user), staff_user.id)
        with transaction():
            for i in range(120):
                event = audit.record(actor, "test.event", n=f"event-{i:03d}")
                event.created_at = datetime(2026, 1, 1, tzinfo=timezone.utc).replace(minute=i % 60, hour=i // 60)
    first = staff_client.get("/staff/audit?action=test.event").get_data(as_text=True)
    assert "120 entries, page 1 of 3" in first
    assert "event-119" in first and "event-070" in first and "event-069" not in first
    assert 'href="/staff/audit?action=test.event&amp;page=2"' in first
    third = staff_client.get("/staff/audit?action=test.event&page=3").get_data(as_text=True)
    assert "event-019" in third and "event-000" in third and "event-020" not in third
    assert "Older entries" not in third and "Newer entries" in third
    # A page number past the end shows the last page rather than an empty one.
    assert "event-000" in staff_client.get("/staff/audit?action=test.event&page=99").get_data(as_text=True)


def test_audit_page_shows_creation_values_without_the_form_token(app, staff_client):
    from tests.staff.conftest import round_form_data

    staff_client.post("/staff/rounds/new", data=round_form_data(form_token="secret-looking-token"))
    html = staff_client.get("/staff/audit").get_data(as_text=True)
    assert "round.created" in html and "£50,000" in html
    assert "secret-looking-token" not in html
    with app.app_context():
        assert db.session.scalars(db.select(AuditEvent)).one().details["form_token"] == "secret-looking-token"
