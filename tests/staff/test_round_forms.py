"""Creating and changing rounds through the staff pages: values, bad input, double submits, locks."""
from __future__ import annotations

from datetime import date

import pytest

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import AuditEvent, Round
from tests import factories
from tests.conftest import page_html, round_page
from tests.staff.conftest import audit_rows, count_rows, edit_form_data, round_form_data, round_snapshot


def test_new_round_form_renders_with_defaults(staff_client):
    html = page_html(staff_client, "/staff/rounds/new")
    assert "<h1>Create a new round</h1>" in html
    assert 'name="age_reference_date_day"' in html and 'name="age_reference_date_year"' in html
    assert 'name="form_token" type="hidden" value="' in html
    assert '<input checked class="radio-input" id="counting_rule-0" name="counting_rule" type="radio" value="greedy">' in html
    assert "Health and wellbeing\nArts and culture" in html
    assert "<script>" not in html and 'style="' not in html


def test_create_round_stores_typed_values(app, staff_client, staff_user):
    response = staff_client.post("/staff/rounds/new", data=round_form_data())
    assert response.status_code == 302
    with app.app_context():
        round_ = db.session.scalars(db.select(Round)).one()
        assert response.headers["Location"].endswith(f"/staff/rounds/{round_.id}")
        assert round_.phase == Phase.DRAFT
        assert round_.budget_pence == 5_000_000
        assert round_.accepted_postcodes == "E8\nE5\nN16 7AB"
        assert round_.review_postcodes == "E1"
        assert round_.age_reference_date == date(2027, 6, 1)
        assert round_.min_project_cost_pence == 50_000
        assert round_.max_project_cost_pence == 800_000
        assert round_.proposals_open_on == date(2027, 3, 1)
        assert round_.voting_open_on is None
        assert round_.points_scheme == "" and round_.points == [3, 2, 1]
        assert round_.created_by_id == staff_user.id
        assert round_.version == 1
        [event] = audit_rows("round.created")
        assert event.actor_id == staff_user.id and event.round_id == round_.id
        assert event.details["values"]["budget_pence"] == "£50,000"


def test_create_round_with_equal_shares_points_and_threshold(app, staff_client):
    data = round_form_data(counting_rule="equal-shares", completion="add1", points_scheme="5, 3, 1",
                           score_threshold="4", paper_double_entry="y", max_ranks="3", min_ranks="2")
    assert staff_client.post("/staff/rounds/new", data=data).status_code == 302
    with app.app_context():
        round_ = db.session.scalars(db.select(Round)).one()
        assert (round_.counting_rule, round_.completion) == ("equal-shares", "add1")
        assert round_.points_scheme == "5,3,1" and round_.points == [5, 3, 1]
        assert round_.score_threshold == 4
        assert round_.min_ranks == 2
        assert round_.paper_double_entry is True


def test_second_submit_of_the_new_round_form_creates_nothing_more(app, staff_client):
    first = staff_client.post("/staff/rounds/new", data=round_form_data())
    second = staff_client.post("/staff/rounds/new", data=round_form_data())
    assert first.status_code == 302 and second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    page = staff_client.get(second.headers["Location"]).get_data(as_text=True)
    assert "This form was sent twice" in page
    with app.app_context():
        assert count_rows(Round) == 1
        assert len(audit_rows("round.created")) == 1
    # A fresh form (new token) creates a second round.
    assert staff_client.post("/staff/rounds/new", data=round_form_data(form_token="another-token")).status_code == 302
    with app.app_context():
        assert count_rows(Round) == 2


def test_new_round_without_form_token_is_refused(app, staff_client):
    response = staff_client.post("/staff/rounds/new", data=round_form_data(form_token=None))
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    with app.app_context():
        assert count_rows(Round) == 0


BAD_INPUTS = [
    ({"budget": "0"}, "The budget must be more than £0"),
    ({"budget": "-500"}, "Enter the budget as a number of pounds"),
    ({"budget": "fifty thousand"}, "Enter the budget as a number of pounds"),
    ({"budget": ""}, "Enter the budget as a number of pounds"),
    ({"min_ranks": "3", "max_ranks": "2", "points_scheme": ""}, "The most choices (2) cannot be fewer than the fewest choices (3)"),
    ({"max_ranks": "0"}, "Enter the most choices a voter can make"),
    ({"min_age": "121"}, "Enter a minimum age between 0 and 120"),
    ({"min_age": "-1"}, "Enter a minimum age between 0 and 120"),
    ({"min_age": "fifty"}, "Enter a minimum age between 0 and 120"),
    ({"accepted_postcodes": "E8\nnot a postcode\n12345"}, "“not a postcode”, “12345” are not postcodes or outward codes"),
    ({"accepted_postcodes": ""}, "Enter at least one postcode or outward code"),
    ({"review_postcodes": "E8 1A"}, "“E8 1A” is not a postcode or an outward code"),
    ({"age_reference_date_day": "31", "age_reference_date_month": "2"}, "Enter a real date as day, month and year"),
    ({"age_reference_date_day": "x"}, "Enter a real date as day, month and year"),
    ({"age_reference_date_day": "", "age_reference_date_month": "", "age_reference_date_year": ""}, "Enter the date on which age is worked out"),
    ({"voting_open_on_day": "12", "voting_open_on_month": "13", "voting_open_on_year": "2027"}, "Enter a real date as day, month and year"),
    ({"points_scheme": "3,2"}, "Give points for each of the 3 choices (you gave 2)"),
    ({"points_scheme": "1,2,3"}, "A higher choice cannot get fewer points than a lower one"),
    ({"points_scheme": "3,0,0"}, "Every rank must get at least 1 point"),
    ({"points_scheme": "three"}, "Enter whole numbers separated by commas"),
    ({"max_cost": "60000"}, "The largest project cost cannot be more than the budget (£50,000)"),
    ({"min_cost": "9000", "max_cost": "8000"}, "The largest project cost cannot be less than the smallest"),
    ({"min_cost": "lots"}, "Enter an amount in pounds, for example £500, or leave it empty"),
    ({"score_threshold": "0"}, "Enter a whole number of points of 1 or more"),
    ({"counting_rule": "random"}, "Choose greedy or Method of Equal Shares"),
    ({"title": "  "}, "Enter a title for the round"),
    ({"proposals_close_on_day": "1", "proposals_close_on_month": "1", "proposals_close_on_year": "2027"}, "This date cannot be before"),
]


@pytest.mark.parametrize("overrides,message", BAD_INPUTS, ids=[str(o) for o, _ in BAD_INPUTS])
def test_bad_input_on_new_round_is_refused_next_to_the_field(app, staff_client, overrides, message):
    response = staff_client.post("/staff/rounds/new", data=round_form_data(**overrides))
    assert response.status_code == 400
    html = response.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")
    assert "There is a problem" in html
    assert f'<span class="visually-hidden">Error:</span> {message}' in html
    with app.app_context():
        assert count_rows(Round) == 0
        assert count_rows(AuditEvent) == 0


@pytest.mark.parametrize("overrides,message", BAD_INPUTS, ids=[str(o) for o, _ in BAD_INPUTS])
def test_bad_input_on_edit_changes_nothing(app, staff_client, overrides, message):
    with app.app_context():
        round_ = factories.make_round(budget_pence=5_000_000, max_project_cost_pence=800_000,
                                      proposals_open_on=date(2027, 3, 1))
        before = round_snapshot(round_.id)
        data = edit_form_data(round_, **overrides)
    response = staff_client.post(f"/staff/rounds/{before['id']}/edit", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")
    assert f'<span class="visually-hidden">Error:</span> {message}' in html
    with app.app_context():
        assert round_snapshot(before["id"]) == before
        assert count_rows(AuditEvent) == 0


def test_edit_records_before_and_after(app, staff_client, staff_user):
    with app.app_context():
        round_ = factories.make_round(budget_pence=1_000_000)
        data = edit_form_data(round_, title="Renamed round", budget="£12,500.50", accepted_postcodes="E8\nE9")
        round_id = round_.id
    response = staff_client.post(f"/staff/rounds/{round_id}/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_.title == "Renamed round"
        assert round_.budget_pence == 1_250_050
        assert round_.version == 2
        [event] = audit_rows("round.edited")
        assert event.actor_id == staff_user.id and event.round_id == round_id
        assert event.details["changes"]["budget_pence"] == {"before": "£10,000", "after": "£12,500.50"}
        assert event.details["changes"]["title"]["after"] == "Renamed round"
        assert event.details["changes"]["accepted_postcodes"] == {"before": "E2\nE5\nE8\nE9\nN16", "after": "E8\nE9"}
        assert set(event.details["changes"]) == {"title", "budget_pence", "accepted_postcodes"}


def test_edit_page_is_filled_with_the_round(app, staff_client):
    html = round_page(app, staff_client, "/staff/rounds/{id}/edit", title="Filled round", budget_pence=2_500_050)
    assert 'value="Filled round"' in html
    assert 'value="25000.50"' in html
    assert 'name="version" type="hidden" value="1"' in html


def test_second_submit_of_the_same_edit_changes_nothing(app, staff_client):
    with app.app_context():
        round_ = factories.make_round()
        data = edit_form_data(round_, title="First change")
        round_id = round_.id
    assert staff_client.post(f"/staff/rounds/{round_id}/edit", data=data).status_code == 302
    with app.app_context():
        after_first = round_snapshot(round_id)
    second = staff_client.post(f"/staff/rounds/{round_id}/edit", data={**data, "title": "Second change"})
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "This round was changed by someone else or the form was sent twice. Here is the latest version." in html
    assert 'value="First change"' in html and 'name="version" type="hidden" value="2"' in html
    with app.app_context():
        assert round_snapshot(round_id) == after_first
        assert len(audit_rows("round.edited")) == 1


def test_edit_without_version_is_refused(app, staff_client):
    with app.app_context():
        round_ = factories.make_round()
        data = edit_form_data(round_, title="No version", version=None)
        before = round_snapshot(round_.id)
    assert staff_client.post(f"/staff/rounds/{before['id']}/edit", data=data).status_code == 409
    with app.app_context():
        assert round_snapshot(before["id"]) == before


LOCKED_POSTS = [
    ("budget", "20000", "Budget cannot be changed after voting has opened"),
    ("min_age", "60", "Minimum age cannot be changed"),
    ("age_reference_date_year", "2030", "Age reference date cannot be changed"),
    ("accepted_postcodes", "E8", "Accepted postcodes cannot be changed"),
    ("review_postcodes", "", "Postcodes checked by staff cannot be changed"),
    ("min_ranks", "2", "Fewest choices cannot be changed"),
    ("max_ranks", "2", "Most choices cannot be changed"),
    ("points_scheme", "5,3,1", "Points per rank cannot be changed"),
    ("counting_rule", "equal-shares", "Counting rule cannot be changed"),
    ("completion", "add1", "Equal Shares completion cannot be changed"),
    ("score_threshold", "5", "Score threshold cannot be changed"),
]


@pytest.mark.parametrize("phase", [Phase.VOTING_OPEN, Phase.VOTING_CLOSED, Phase.RESULTS_PUBLISHED])
@pytest.mark.parametrize("name,value,message", LOCKED_POSTS, ids=[p[0] for p in LOCKED_POSTS])
def test_direct_post_to_a_locked_field_is_refused(app, staff_client, phase, name, value, message):
    with app.app_context():
        round_ = factories.make_round(phase=phase)
        data = edit_form_data(round_, title="Also renamed")
        before = round_snapshot(round_.id)
    data[name] = value
    if name == "age_reference_date_year":
        data.update(age_reference_date_day="1", age_reference_date_month="6")
    response = staff_client.post(f"/staff/rounds/{before['id']}/edit", data=data)
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert round_snapshot(before["id"]) == before
        assert count_rows(AuditEvent) == 0


def test_locked_round_form_shows_rules_read_only_and_still_saves_title(app, staff_client):
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN, budget_pence=3_000_000)
        round_id, version = round_.id, round_.version
    html = staff_client.get(f"/staff/rounds/{round_id}/edit").get_data(as_text=True)
    assert "Locked since voting opened" in html
    assert "£30,000" in html
    for name in ("budget", "min_age", "accepted_postcodes", "min_ranks", "max_ranks", "points_scheme",
                 "counting_rule", "completion", "score_threshold", "age_reference_date_day"):
        assert f'name="{name}"' not in html
    # What the browser posts from that page: only the unlocked fields.
    data = {"title": "New title while voting", "description": "New words", "area_name": "Hackney",
            "categories": "Health and wellbeing", "min_cost": "100", "max_cost": "8000",
            "voting_close_on_day": "30", "voting_close_on_month": "6", "voting_close_on_year": "2026",
            "version": str(version)}
    response = staff_client.post(f"/staff/rounds/{round_id}/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_.title == "New title while voting"
        assert round_.voting_close_on == date(2026, 6, 30)
        assert round_.budget_pence == 3_000_000
        [event] = audit_rows("round.edited")
        assert "budget_pence" not in event.details["changes"]


def test_locked_field_posted_with_its_current_value_is_accepted(app, staff_client):
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN)
        data = edit_form_data(round_, title="Same rules")
        round_id = round_.id
    assert staff_client.post(f"/staff/rounds/{round_id}/edit", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Round, round_id).title == "Same rules"


def test_rules_can_change_before_voting_opens(app, staff_client):
    with app.app_context():
        round_ = factories.make_round(phase=Phase.PROPOSALS_CLOSED)
        data = edit_form_data(round_, budget="20000", max_ranks="5", counting_rule="equal-shares")
        round_id = round_.id
    assert staff_client.post(f"/staff/rounds/{round_id}/edit", data=data).status_code == 302
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert (round_.budget_pence, round_.max_ranks, round_.counting_rule) == (2_000_000, 5, "equal-shares")


def test_unknown_round_is_404(staff_client):
    assert staff_client.get("/staff/rounds/999999").status_code == 404
    assert staff_client.get("/staff/rounds/999999/edit").status_code == 404
    assert staff_client.post("/staff/rounds/999999/edit", data={}).status_code == 404


def test_all_problems_are_shown_at_once(app, staff_client):
    data = round_form_data(title="", budget="0", min_age="130", accepted_postcodes="E8\nbad one",
                           age_reference_date_day="31", age_reference_date_month="2")
    response = staff_client.post("/staff/rounds/new", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in ("Enter a title for the round", "The budget must be more than £0",
                    "Enter a minimum age between 0 and 120", "“bad one” is not a postcode",
                    "Enter a real date as day, month and year"):
        assert message in html
    # The summary lists them in the order of the form, each linking to its input.
    summary = html[html.index('class="error-summary"'):html.index("</div>", html.index('class="error-summary"'))]
    assert summary.index("#title") < summary.index("#budget") < summary.index("#min_age") < summary.index("#age_reference_date_day")
    with app.app_context():
        assert count_rows(Round) == 0
