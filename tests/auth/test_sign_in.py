"""Signing in and out, and the session token that makes sign-out final."""
from __future__ import annotations

from pb.extensions import db
from pb.models import User
from tests import factories


def test_staff_sign_in_goes_to_console(client, staff_user):
    response = client.post("/sign-in", data={"email": "STAFF@example.org ", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/")
    assert client.get("/staff/").status_code == 200


def test_wrong_password_is_refused_with_message(client, staff_user):
    response = client.post("/sign-in", data={"email": staff_user.email, "password": "wrong password"})
    assert response.status_code == 400
    assert "email address or password is not right" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_sign_in_follows_only_local_next(client, staff_user):
    response = client.post("/sign-in", data={"email": staff_user.email, "password": factories.PASSWORD, "next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/staff/")


def test_anonymous_staff_page_redirects_to_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_sign_in_rotates_session_token(app, client, staff_user):
    with app.app_context():
        before = db.session.get(User, staff_user.id).session_token
    client.post("/sign-in", data={"email": staff_user.email, "password": factories.PASSWORD})
    with app.app_context():
        assert db.session.get(User, staff_user.id).session_token != before


def test_copied_cookie_is_dead_after_sign_out(app, staff_user):
    first = app.test_client()
    first.post("/sign-in", data={"email": staff_user.email, "password": factories.PASSWORD})
    cookie = first.get_cookie("session")
    assert cookie is not None
    # Somebody copies the cookie while the session is live.
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/staff/").status_code == 200
    first.post("/sign-out")
    assert thief.get("/staff/").status_code == 302


def test_deactivated_account_cannot_sign_in(app, client, staff_user):
    with app.app_context():
        db.session.get(User, staff_user.id).is_active_account = False
        db.session.commit()
    response = client.post("/sign-in", data={"email": staff_user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "switched off" in response.get_data(as_text=True)


def test_copied_resident_cookie_is_dead_after_sign_out(app, resident_user):
    first = app.test_client()
    response = first.post("/sign-in", data={"email": resident_user.email, "password": factories.PASSWORD})
    assert response.headers["Location"].endswith("/")
    cookie = first.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/account").status_code == 200
    assert thief.get("/account/export.json").status_code == 200
    first.post("/sign-out")
    assert first.get("/account").status_code == 302
    # The copied cookie no longer opens the account page or the data download.
    for path in ("/account", "/account/export.json"):
        response = thief.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_sign_in_starts_a_fresh_session(app, resident_user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    client.post("/sign-in", data={"email": resident_user.email, "password": factories.PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id", "").startswith(f"{resident_user.id}:")
