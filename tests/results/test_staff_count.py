"""The staff count page: preview after close, compare the rules, re-count, then publish."""
from __future__ import annotations

from sqlalchemy import func, select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import CountResult
from tests import factories
from tests.conftest import empty_all_tables, make_app
from tests.results.conftest import TITLES, seed_round


def test_count_preview_compare_and_recount(app, staff_client):
    with app.app_context():
        s = seed_round()
    url = f"/staff/rounds/{s.round_id}/count"
    html = staff_client.get(url).get_data(as_text=True)
    assert "<h1>Count the votes: " in html
    assert "10 ballots were cast (8 online, 2 on paper)" in html
    assert "points" not in html  # nothing counted yet

    response = staff_client.post(url)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    html = staff_client.get(url).get_data(as_text=True)
    assert "The votes were counted: 2 projects funded from 10 ballots." in html
    assert "Preview: not public yet" in html
    assert "Not enough money left after higher-scoring projects: needed £3,000, £1,000 left." in html
    assert "Funded (1st)" in html and "Funded (2nd)" in html
    # Side by side with equal shares, which funds B and D instead of A.
    assert "The two rules fund different projects." in html
    assert "Method of Equal Shares" in html
    compare = html[html.index("compare-table"):]
    assert compare.count("(only this rule)") == 3
    assert f"{TITLES['A']} <strong>(only this rule)</strong>" in compare
    assert f"{TITLES['B']} <strong>(only this rule)</strong>" in compare
    # Publishing is the rounds area's confirmed phase move.
    assert f"/staff/rounds/{s.round_id}/phase/results_published" in html
    assert "style=" not in html

    staff_client.post(url)
    with app.app_context():
        results = db.session.scalars(select(CountResult).order_by(CountResult.id)).all()
        assert len(results) == 2 and results[0].funded == results[1].funded


def test_publish_then_page_is_final_and_recount_refused(app, staff_client):
    with app.app_context():
        s = seed_round()
    url = f"/staff/rounds/{s.round_id}/count"
    staff_client.post(url)
    response = staff_client.post(f"/staff/rounds/{s.round_id}/phase/results_published",
                                 data={"expected_phase": Phase.VOTING_CLOSED, "confirm": "y"})
    assert response.status_code in (302, 303)
    assert staff_client.get(f"/rounds/{s.round_id}/results").status_code == 200
    html = staff_client.get(url).get_data(as_text=True)
    assert "This count is final and cannot be run again." in html
    assert "Count the votes again" not in html
    response = staff_client.post(url, follow_redirects=True)
    assert "count is final and cannot be run again" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CountResult)) == 1


def test_publish_without_a_count_is_refused_on_the_page(app, staff_client):
    with app.app_context():
        s = seed_round()
    response = staff_client.post(f"/staff/rounds/{s.round_id}/phase/results_published",
                                 data={"expected_phase": Phase.VOTING_CLOSED, "confirm": "y"},
                                 follow_redirects=True)
    assert "Count the votes" in response.get_data(as_text=True)
    assert staff_client.get(f"/rounds/{s.round_id}/results").status_code == 404


def test_count_post_needs_a_csrf_token(migrated_database):
    app = make_app(migrated_database, WTF_CSRF_ENABLED=True)
    try:
        with app.app_context():
            s = seed_round()
            staff = factories.make_staff(email="csrf-staff@example.org")
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        import re

        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/sign-in", data={"email": staff.email, "password": factories.PASSWORD, "csrf_token": token})
        url = f"/staff/rounds/{s.round_id}/count"
        assert client.post(url).status_code == 400
        page = client.get(url).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(url, data={"csrf_token": token}).status_code == 302
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(CountResult)) == 1
    finally:
        empty_all_tables(app)


def test_a_counted_round_s_count_page_reads_the_ballots_once(app, staff_client):
    """The comparison of the rules and the first choices are kept with the count, not worked out per view."""
    from sqlalchemy import event

    with app.app_context():
        s = seed_round()
        engine = db.engine
    url = f"/staff/rounds/{s.round_id}/count"
    staff_client.post(url)
    first = staff_client.get(url).get_data(as_text=True)
    seen: list[str] = []
    listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        again = staff_client.get(url).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert "The two rules fund different projects." in again
    assert again.count("(only this rule)") == first.count("(only this rule)") == 3
    assert not any("FROM ballots" in statement for statement in seen)
