"""Nothing about counts before voting closes; nothing public before publication."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import AuditEvent, CountResult, Round
from tests import factories
from tests.results.conftest import seed_round

UNPUBLISHED = [Phase.DRAFT, Phase.PROPOSALS_OPEN, Phase.PROPOSALS_CLOSED, Phase.VOTING_OPEN, Phase.VOTING_CLOSED]


def public_requests(round_id: int, receipt: str) -> list[tuple[str, str, dict | None]]:
    """(method, path, form) for every public results page; receipts are checked by POST."""
    return [
        ("GET", f"/rounds/{round_id}/results", None),
        ("GET", f"/rounds/{round_id}/results/open-data", None),
        ("GET", f"/rounds/{round_id}/results/print", None),
        ("GET", f"/rounds/{round_id}/results/ballots.csv", None),
        ("GET", f"/rounds/{round_id}/results/ballots.pb", None),
        ("GET", f"/rounds/{round_id}/results/results.csv", None),
        ("GET", f"/rounds/{round_id}/results/steps.json", None),
        ("GET", f"/rounds/{round_id}/receipt", None),
        ("POST", f"/rounds/{round_id}/receipt", {"code": receipt}),
        ("POST", f"/rounds/{round_id}/receipt", {"code": "ABCD-EFGH-JKM"}),
        ("POST", "/receipt", {"code": receipt}),
    ]


def public_urls(round_id: int, receipt: str) -> list[str]:
    return [path for _method, path, _form in public_requests(round_id, receipt)]


def test_every_public_results_route_is_in_the_list(app):
    """A new results URL cannot slip past these guard tests unnoticed."""
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("results.")}
    listed = {u.split("?")[0].replace("/1/", "/<int:round_id>/") for u in public_urls(1, "x")}
    assert rules == listed


@pytest.mark.parametrize("phase", UNPUBLISHED)
def test_nothing_public_before_publication(app, client, phase):
    with app.app_context():
        s = seed_round(phase=phase)
        if phase == Phase.VOTING_CLOSED:
            # Even a staff preview count stays private until publication.
            from pb.services import counting

            counting.count_round(db.session.get(Round, s.round_id), None)
    receipt = s.receipts[0]
    for method, url, form in public_requests(s.round_id, receipt):
        response = client.open(url, method=method, data=form)
        if phase == Phase.DRAFT and url.startswith("/receipt"):
            # A draft round does not exist for the public: its (impossible) ballots are simply not found.
            assert "Receipt code not found" in response.get_data(as_text=True)
            continue
        assert response.status_code in (403, 404), (phase, url, response.status_code)
        html = response.get_data(as_text=True)
        for word in ("points", "Funded", "Counted", "rank_1"):
            assert word not in html, (phase, url, word)
        if phase != Phase.DRAFT and (url.endswith(("/results", "/open-data")) or "receipt" in url):
            assert "Results are not published yet" in html, url


@pytest.mark.parametrize("phase", [Phase.VOTING_OPEN, Phase.VOTING_CLOSED])
def test_nothing_for_residents_or_anonymous_signed_in(app, client, auth, phase):
    with app.app_context():
        s = seed_round(phase=phase)
        resident = factories.make_resident(email="voter@example.org")
    auth.login(resident.email)
    for method, url, form in public_requests(s.round_id, s.receipts[0]):
        assert client.open(url, method=method, data=form).status_code in (403, 404), url
    assert client.get(f"/staff/rounds/{s.round_id}/count").status_code == 403
    assert client.post(f"/staff/rounds/{s.round_id}/count").status_code == 403


def test_staff_count_page_refused_while_voting_is_open(app, staff_client):
    with app.app_context():
        s = seed_round(phase=Phase.VOTING_OPEN)
    response = staff_client.get(f"/staff/rounds/{s.round_id}/count")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Votes can only be counted after voting has closed" in html
    assert "points" not in html
    # A direct POST cannot count either, and stores nothing.
    response = staff_client.post(f"/staff/rounds/{s.round_id}/count")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CountResult)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "round.counted")) == 0


@pytest.mark.parametrize("phase", [Phase.DRAFT, Phase.PROPOSALS_OPEN, Phase.PROPOSALS_CLOSED])
def test_staff_count_page_refused_before_voting(app, staff_client, phase):
    with app.app_context():
        s = seed_round(phase=phase)
    assert staff_client.get(f"/staff/rounds/{s.round_id}/count").status_code == 403


def test_staff_count_page_needs_staff(app, client):
    with app.app_context():
        s = seed_round()
    response = client.get(f"/staff/rounds/{s.round_id}/count")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.get("/staff/rounds/99999/count").status_code == 302


def test_unknown_round(client, staff_client):
    for url in public_urls(99999, "0" * 64)[:-1]:
        assert client.get(url).status_code == 404, url
    assert staff_client.get("/staff/rounds/99999/count").status_code == 404
