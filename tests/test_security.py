"""Security headers, CSRF, error pages, request size and cookie flags."""
from __future__ import annotations

from tests import factories
from tests.conftest import make_app


def test_security_headers_on_every_page(client):
    for path in ["/", "/how-it-works", "/accessibility", "/sign-in", "/no-such-page"]:
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "object-src 'none'" in csp
        assert "base-uri 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_in_pages(client):
    html = client.get("/").get_data(as_text=True)
    import re

    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, f"inline script found: {tag}"
    assert " onclick=" not in html and " onload=" not in html


def test_signed_in_pages_are_not_cached(staff_client):
    response = staff_client.get("/staff/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_post_without_csrf_token_is_refused_with_expired_form_page(csrf_app):
    with csrf_app.app_context():
        factories.make_staff(email="s@example.org")
    client = csrf_app.test_client()
    response = client.post("/sign-in", data={"email": "s@example.org", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    # And nothing happened: still not signed in.
    assert client.get("/staff/").status_code == 302


def test_post_with_wrong_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/sign-in", data={"email": "a@b.c", "password": "x", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_post_with_csrf_token_from_form_is_accepted(csrf_app):
    import re

    with csrf_app.app_context():
        factories.make_staff(email="s2@example.org")
    client = csrf_app.test_client()
    html = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    token = token.group(1) or token.group(2)
    response = client.post("/sign-in", data={"email": "s2@example.org", "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_unknown_route_gives_plain_404_page(client):
    response = client.get("/this/does/not/exist")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Page not found" in body
    assert "Traceback" not in body


def test_oversized_body_gives_413(client):
    response = client.post("/sign-in", data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_server_error_page_has_no_stack_trace(migrated_database):
    app = make_app(migrated_database, TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Sorry, something went wrong" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_forbidden_page(resident_client):
    response = resident_client.get("/staff/")
    assert response.status_code == 403
    assert "You cannot see this page" in response.get_data(as_text=True)


def test_session_cookie_flags(client, staff_user):
    response = client.post("/sign-in", data={"email": staff_user.email, "password": factories.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_session_cookie_is_secure(migrated_database):
    app = make_app(migrated_database, PB_ENV="production", SECRET_KEY="y" * 64, WTF_CSRF_ENABLED=False)
    with app.app_context():
        factories.make_staff(email="prod@example.org")
    try:
        response = app.test_client().post("/sign-in", data={"email": "prod@example.org", "password": factories.PASSWORD})
        assert "Secure" in response.headers["Set-Cookie"]
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        from tests.conftest import empty_all_tables

        empty_all_tables(app)


def test_get_requests_never_change_state(app):
    """Every route that accepts GET is read-only: walk them all with a staff session."""
    from sqlalchemy import event

    from pb.extensions import db

    with app.app_context():
        staff = factories.make_staff(email="walker@example.org")
        round_ = factories.make_round(phase="voting_open")
        factories.make_proposal(round_)
    client = app.test_client()
    client.post("/sign-in", data={"email": "walker@example.org", "password": factories.PASSWORD})
    writes: list[str] = []

    def capture(conn, cursor, statement, *args):
        if statement.split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            for rule in app.url_map.iter_rules():
                if "GET" not in rule.methods or rule.endpoint == "static":
                    continue
                values = {arg: 1 for arg in rule.arguments}
                if "round_id" in rule.arguments:
                    values["round_id"] = round_.id
                try:
                    url = app.url_for(rule.endpoint, **values) if False else rule.build(values)[1]
                except Exception:  # noqa: BLE001 - a rule with non-integer arguments
                    continue
                client.get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
    # Signing in wrote the session token; nothing after that may write.
    assert writes == [], writes


def test_huge_ids_in_urls_are_not_found(client):
    for path in ["/rounds/99999999999999999999999", "/rounds/99999999999999999999999/proposals",
                 "/rounds/99999999999999999999999/results"]:
        response = client.get(path)
        assert response.status_code == 404, path
