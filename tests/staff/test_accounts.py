"""Staff accounts: administrators add, switch off and switch on accounts; others cannot."""
from __future__ import annotations

from pb.extensions import db
from pb.models import User
from tests import factories
from tests.staff.conftest import audit_rows


def _user(email: str) -> User:
    return db.session.scalars(db.select(User).where(User.email == email)).one()


def test_admin_sees_the_list(admin_client, app):
    with app.app_context():
        factories.make_staff(email="colleague@example.org", name="Pat Colleague")
    response = admin_client.get("/staff/accounts")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Pat Colleague" in html and "colleague@example.org" in html
    assert "(you)" in html


def test_admin_adds_a_staff_member_who_can_sign_in(app, admin_client, admin_user):
    response = admin_client.post("/staff/accounts", data={
        "name": "Sam New", "email": "Sam.New@Example.org", "password": "a long new password"})
    assert response.status_code == 302
    with app.app_context():
        user = _user("sam.new@example.org")
        assert user.role == "staff" and user.is_active_account
        [event] = audit_rows("staff.created")
        assert event.actor_id == admin_user.id and event.details["email"] == "sam.new@example.org"
    other = app.test_client()
    assert other.post("/sign-in", data={"email": "sam.new@example.org", "password": "a long new password"}).status_code == 302
    assert other.get("/staff/").status_code == 200


def test_adding_with_bad_values_shows_messages_and_adds_nothing(app, admin_client):
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count()).select_from(User))
    response = admin_client.post("/staff/accounts", data={"name": "", "email": "not-an-email", "password": "short"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter an email address" in html and "Enter the staff member&#39;s name" in html
    # The same email twice (a double submit) adds one account.
    data = {"name": "Twice", "email": "twice@example.org", "password": "a long new password"}
    assert admin_client.post("/staff/accounts", data=data).status_code == 302
    again = admin_client.post("/staff/accounts", data=data)
    assert again.status_code == 400
    assert "There is already an account with this email address" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == before + 1


def test_deactivating_signs_the_person_out_and_stops_sign_in(app, admin_client, admin_user):
    with app.app_context():
        target = factories.make_staff(email="leaver@example.org")
    leaver = app.test_client()
    leaver.post("/sign-in", data={"email": "leaver@example.org", "password": factories.PASSWORD})
    assert leaver.get("/staff/").status_code == 200
    response = admin_client.post(f"/staff/accounts/{target.id}/deactivate")
    assert response.status_code == 302
    # Their open session is dead at once.
    response = leaver.get("/staff/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    response = leaver.post("/sign-in", data={"email": "leaver@example.org", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "switched off" in response.get_data(as_text=True)
    with app.app_context():
        assert _user("leaver@example.org").is_active_account is False
        [event] = audit_rows("staff.deactivated")
        assert event.actor_id == admin_user.id and event.details["user_id"] == target.id
    # Switched on again, they sign in with their password.
    assert admin_client.post(f"/staff/accounts/{target.id}/reactivate").status_code == 302
    assert leaver.post("/sign-in", data={"email": "leaver@example.org", "password": factories.PASSWORD}).status_code == 302
    with app.app_context():
        assert len(audit_rows("staff.reactivated")) == 1


def test_deactivating_twice_records_once(app, admin_client):
    with app.app_context():
        target = factories.make_staff(email="twice-off@example.org")
    admin_client.post(f"/staff/accounts/{target.id}/deactivate")
    admin_client.post(f"/staff/accounts/{target.id}/deactivate")
    with app.app_context():
        assert len(audit_rows("staff.deactivated")) == 1


def test_admin_cannot_switch_off_themselves(app, admin_client, admin_user):
    response = admin_client.post(f"/staff/accounts/{admin_user.id}/deactivate", follow_redirects=True)
    assert "You cannot switch off your own account" in response.get_data(as_text=True)
    with app.app_context():
        assert _user(admin_user.email).is_active_account is True
        assert audit_rows("staff.deactivated") == []


def test_residents_accounts_cannot_be_switched_off_here(app, admin_client):
    with app.app_context():
        resident = factories.make_resident()
    assert admin_client.post(f"/staff/accounts/{resident.id}/deactivate").status_code == 404
    with app.app_context():
        assert db.session.get(User, resident.id).is_active_account is True


def test_non_admin_staff_get_403_and_change_nothing(app, staff_client, staff_user):
    with app.app_context():
        target = factories.make_staff(email="safe@example.org")
    assert staff_client.get("/staff/accounts").status_code == 403
    assert staff_client.post("/staff/accounts", data={
        "name": "Sneaky", "email": "sneaky@example.org", "password": "a long new password"}).status_code == 403
    assert staff_client.post(f"/staff/accounts/{target.id}/deactivate").status_code == 403
    with app.app_context():
        assert _user("safe@example.org").is_active_account is True
        assert db.session.scalars(db.select(User).where(User.email == "sneaky@example.org")).first() is None
    # The console does not offer the page to them.
    assert "/staff/accounts" not in staff_client.get("/staff/").get_data(as_text=True)
