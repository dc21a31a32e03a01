"""Deny by default: every registered /staff route, of every area, for anonymous people,
residents, staff and (for administrator pages) non-admin staff.

The routes are read from the application's URL map, so a route added later is tested
without anyone remembering to list it.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from pb import create_app
from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import ProposalStatus
from tests import factories

ADMIN_ONLY = {"staff.accounts", "staff.deactivate_account", "staff.reactivate_account",
              "resident_lists.index", "resident_lists.upload", "resident_lists.detail", "resident_lists.replace",
              "resident_lists.delete",
              "suspicious_staff.settings"}


def _staff_routes(app) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.rule, method, rule.endpoint))
    return sorted(routes)


def _collect() -> list[tuple[str, str, str]]:
    # Only the URL map is needed here, so no database is touched.
    app = create_app({"PB_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://", "PB_SKIP_DB_CHECK": True})
    return _staff_routes(app)


STAFF_ROUTES = _collect()


def test_every_area_has_staff_routes_under_test(app):
    """The list the parametrised test runs over is the app's own list, and it is not empty."""
    assert _staff_routes(app) == STAFF_ROUTES
    endpoints = {endpoint for _, _, endpoint in STAFF_ROUTES}
    assert {"staff.dashboard", "staff.round_detail", "staff.phase_move", "staff.audit_log", "staff.accounts"} <= endpoints


def _objects(app) -> dict[str, object]:
    # Voting closed: every area's pages apply (the count page refuses everyone, staff
    # included, while voting is open, since nobody may see running totals).
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_CLOSED)
        proposal = factories.make_proposal(round_, status=ProposalStatus.SHORTLISTED)
        factories.make_proposal(round_, status=ProposalStatus.SHORTLISTED)
        other = factories.make_resident(email="someone.else@example.net")
        return {"round_id": round_.id, "proposal_id": proposal.id, "user_id": other.id, "target": Phase.RESULTS_PUBLISHED.value}


def _url(app, rule_path: str, endpoint: str, ids: dict[str, object]) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_path and r.endpoint == endpoint)
    values = {}
    for arg in rule.arguments:
        if arg in ids:
            values[arg] = ids[arg]
        elif isinstance(rule._converters.get(arg), IntegerConverter):
            values[arg] = ids["round_id"]  # an id of some real object; a 404 still proves access was granted
        else:
            values[arg] = "x"
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def _snapshot() -> dict[str, list]:
    """Every row of every table: a refused POST must leave all of it as it was."""
    db.session.expire_all()
    out = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        out[table.name] = sorted((tuple(str(v) for v in row) for row in rows))
    return out


def _signed_in_client(app, email: str):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": factories.PASSWORD})
    assert response.status_code == 302, f"could not sign in {email}"
    return client


@pytest.mark.parametrize("rule_path,method,endpoint", STAFF_ROUTES, ids=[f"{m} {r}" for r, m, _ in STAFF_ROUTES])
def test_staff_route_access(app, rule_path, method, endpoint):
    ids = _objects(app)
    with app.app_context():
        factories.make_resident(email="resident@example.org")
        factories.make_staff(email="staff@example.org")
        factories.make_staff(email="admin@example.org", admin=True)
    url = _url(app, rule_path, endpoint, ids)
    anonymous = app.test_client()
    resident = _signed_in_client(app, "resident@example.org")
    staff = _signed_in_client(app, "staff@example.org")
    admin = _signed_in_client(app, "admin@example.org")

    if method == "GET":
        response = anonymous.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
        assert resident.get(url).status_code == 403
        allowed = admin if endpoint in ADMIN_ONLY else staff
        response = allowed.get(url)
        assert response.status_code != 403
        assert response.status_code < 500
        if response.status_code == 302:
            assert "/sign-in" not in response.headers["Location"]
        if endpoint in ADMIN_ONLY:
            assert staff.get(url).status_code == 403
        return

    with app.app_context():
        before = _snapshot()
    response = anonymous.open(url, method=method, data={"title": "x", "expected_phase": "voting_open"})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    response = resident.open(url, method=method, data={"title": "x", "expected_phase": "voting_open"})
    assert response.status_code == 403
    if endpoint in ADMIN_ONLY:
        response = staff.open(url, method=method, data={"name": "x", "email": "x@example.org", "password": "long enough pass"})
        assert response.status_code == 403
    with app.app_context():
        assert _snapshot() == before
