"""The staff pages as HTML: plain forms that work without JavaScript, labelled inputs,
one heading, unique titles, no inline script or style (the CSP forbids them), and CSRF
tokens that are really checked."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import func, select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import AuditEvent, ProposalStatus, Round, User
from tests import factories
from tests.staff.conftest import round_form_data


def _pages(app) -> list[str]:
    with app.app_context():
        draft = factories.make_round(title="Draft page round")
        voting = factories.make_round(phase=Phase.VOTING_OPEN, title="Voting page round")
        factories.make_proposal(voting, status=ProposalStatus.SHORTLISTED)
        closed = factories.make_round(phase=Phase.VOTING_CLOSED, voting_closed_at=datetime.now(timezone.utc))
        return [
            "/staff/",
            "/staff/rounds/new",
            f"/staff/rounds/{draft.id}",
            f"/staff/rounds/{draft.id}/edit",
            f"/staff/rounds/{voting.id}",
            f"/staff/rounds/{voting.id}/edit",
            f"/staff/rounds/{draft.id}/phase/proposals_open",
            f"/staff/rounds/{voting.id}/phase/voting_closed",
            f"/staff/rounds/{closed.id}/phase/results_published",
            "/staff/audit",
            "/staff/accounts",
        ]


def test_staff_pages_are_plain_accessible_html(app, admin_client):
    titles = {}
    for path in _pages(app):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert len(re.findall(r"<h1[ >]", html)) == 1, path
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        titles.setdefault(title, []).append(path)
        labels = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
        for control in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if re.search(r'type="(hidden|submit)"', control):
                continue
            ident = re.search(r'id="([^"]+)"', control)
            assert ident and ident.group(1) in labels, (path, control)
        for form in re.findall(r'<form[^>]*method="post"[^>]*>.*?</form>', html, re.S):
            assert 'name="csrf_token"' in form, path
    duplicates = {t: p for t, p in titles.items() if len(p) > 1}
    assert not duplicates


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


def test_staff_forms_check_the_csrf_token(csrf_app):
    with csrf_app.app_context():
        admin = factories.make_staff(email="csrf-admin@example.org", admin=True)
        other = factories.make_staff(email="csrf-other@example.org")
        round_ = factories.make_round()
        round_id, other_id, admin_id = round_.id, other.id, admin.id
    client = csrf_app.test_client()
    client.post("/sign-in", data={"email": "csrf-admin@example.org", "password": factories.PASSWORD,
                                  "csrf_token": _token(client, "/sign-in")})
    assert client.get("/staff/").status_code == 200

    # Without the token: refused, nothing changes.
    assert client.post("/staff/rounds/new", data=round_form_data()).status_code == 400
    assert client.post(f"/staff/rounds/{round_id}/phase/proposals_open", data={"expected_phase": "draft"}).status_code == 400
    assert client.post(f"/staff/accounts/{other_id}/deactivate").status_code == 400
    with csrf_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 1
        assert db.session.get(Round, round_id).phase == Phase.DRAFT
        assert db.session.get(User, other_id).is_active_account is True
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0

    # With the token from the page: it works.
    form_page = client.get("/staff/rounds/new").get_data(as_text=True)
    form_token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', form_page).group(1)
    data = round_form_data(form_token=form_token, csrf_token=_token(client, "/staff/rounds/new"))
    assert client.post("/staff/rounds/new", data=data).status_code == 302
    token = _token(client, f"/staff/rounds/{round_id}/phase/proposals_open")
    response = client.post(f"/staff/rounds/{round_id}/phase/proposals_open",
                           data={"expected_phase": "draft", "csrf_token": token})
    assert response.status_code == 302
    token = _token(client, "/staff/accounts")
    assert client.post(f"/staff/accounts/{other_id}/deactivate", data={"csrf_token": token}).status_code == 302
    with csrf_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 2
        assert db.session.get(Round, round_id).phase == Phase.PROPOSALS_OPEN
        assert db.session.get(User, other_id).is_active_account is False
        assert db.session.get(User, admin_id).is_active_account is True


def test_the_staff_menu_is_at_the_top_of_the_page_above_messages_and_the_way_back(app, client, auth, staff_user):
    """A message after an action appears under the console's menu, not between the header and it."""
    html = auth.login(staff_user.email, follow_redirects=True).get_data(as_text=True)
    main = html[html.index('<main id="main"'):]
    assert main.index('class="staff-nav') < main.index('class="flashes"')
    with app.app_context():
        round_id = factories.make_round(phase=Phase.DRAFT).id
    page = client.get(f"/staff/rounds/{round_id}").get_data(as_text=True)
    main = page[page.index('<main id="main"'):]
    assert main.index('class="staff-nav') < main.index("All rounds") < main.index("<h1>")
