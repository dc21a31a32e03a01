"""Sign-in throttling under a burst of guesses, and guesses by others that must not lock a resident out
(issue 16, item 9). Attempts are counted before the password is checked, so a burst cannot slip
past the limit; a browser that signed in to the account before counts its attempts apart from
strangers'; at most 20 guesses an hour per account; staff can let a resident try again.

The burst tests run against a real gunicorn server with Redis (PB_TEST_REDIS_URL); the others in
process, as tests/auth/test_throttle.py does (which see about the shared Flask-Limiter object)."""
from __future__ import annotations

import os
import uuid
from collections import Counter

import pytest
from sqlalchemy import select

from config import Config
from pb.extensions import db, limiter
from pb.models import AuditEvent, User
from pb.residents import throttle
from tests import factories
from tests.auth.test_throttle import client_from, delete_redis_keys, sign_in
from tests.conftest import empty_all_tables, make_app
from tests.voting.live import Browser, Response, Server, new_database, run_together

WRONG = "The email address or password is not right"
REDIS_URL = os.environ.get("PB_TEST_REDIS_URL")


def refused(response) -> bool:
    page = response.get_data(as_text=True)
    return response.status_code == 429 and "Too many attempts" in page and WRONG not in page


# ---------------------------------------------------------------- against gunicorn and Redis

class Live:
    def __init__(self, app, server, prefix):
        self.app, self.server, self.prefix = app, server, prefix

    def resident(self) -> str:
        email = f"burst-{uuid.uuid4().hex[:12]}@example.org"
        with self.app.app_context():
            factories.make_resident(email=email)
            db.session.remove()
        return email

    def browser(self) -> Browser:
        return Browser(self.server.port)

    def burst(self, email: str, n: int = 40) -> list[Response]:
        """n wrong passwords for `email` at the same moment, each from a browser of its own."""
        def guess():
            return Browser(self.server.port).request("POST", "/sign-in", {"email": email, "password": "wrong password"})

        results = run_together([guess for _ in range(n)])
        problems = [r for r in results if not isinstance(r, Response)]
        assert not problems, problems[:3]
        return results


def evaluated(results: list[Response]) -> list[Response]:
    """The attempts whose password was checked: the sign-in form again, saying it was not right."""
    return [r for r in results if r.status == 400 and WRONG in r.body]


def turned_away(results: list[Response]) -> list[Response]:
    return [r for r in results if r.status == 429 and "Too many attempts" in r.body and WRONG not in r.body]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    if not REDIS_URL:
        pytest.skip("PB_TEST_REDIS_URL is not set (CI sets it to a Redis database for tests)")

    workdir = tmp_path_factory.mktemp("throttle-burst")
    url, drop = new_database(workdir, "throttle")
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.session.remove()
        db.engine.dispose()
    prefix = f"pb-test-{uuid.uuid4().hex[:12]}"
    server = Server(url, workdir, workers=4, threads=4, app="tests.auth.throttle_server:app", extra_env={
        "PB_RATELIMIT_STORAGE_URI": REDIS_URL,
        "PB_TEST_RATELIMIT_KEY_PREFIX": prefix,
        # Every request comes from 127.0.0.1: here it is the account that counts.
        "PB_LIMIT_SIGN_IN_PER_IP": "10000 per minute",
        "PB_LIMIT_SIGN_IN_PER_ACCOUNT": "5 per minute;20 per hour",
    })
    try:
        yield Live(app, server, prefix)
    finally:
        server.stop()
        delete_redis_keys(REDIS_URL, prefix)
        with app.app_context():
            db.engine.dispose()
        drop()


@pytest.mark.slow
@pytest.mark.xdist_group("server")
def test_of_forty_simultaneous_wrong_passwords_only_five_are_checked(live):
    results = live.burst(live.resident())
    assert Counter(r.status for r in results) == {400: 5, 429: 35}, live.server.errors()[-2000:]
    assert len(evaluated(results)) == 5
    assert len(turned_away(results)) == 35
    page = turned_away(results)[0]
    assert "Please wait a few minutes" in page.body and "The team can let you try again" in page.body
    assert 0 < int(page.headers["Retry-After"]) <= 60


@pytest.mark.slow
@pytest.mark.xdist_group("server")
def test_strangers_guesses_do_not_lock_the_owner_out_of_the_browser_they_signed_in_on(live):
    email = live.resident()
    owner = live.browser()
    owner.sign_in(email, factories.PASSWORD)  # some day before: this browser is one of the account's own
    assert owner.request("POST", "/sign-out").status == 302

    assert turned_away(live.burst(email))  # strangers, everywhere, lock the account

    # A browser new to the account is turned away even with the right password...
    fresh = live.browser().request("POST", "/sign-in", {"email": email, "password": factories.PASSWORD})
    assert fresh.status == 429 and "Too many attempts" in fresh.body
    # ...but the owner's own browser is not: their attempts have a bucket of their own.
    wrong = owner.request("POST", "/sign-in", {"email": email, "password": "a typo"})
    assert wrong.status == 400 and WRONG in wrong.body
    right = owner.request("POST", "/sign-in", {"email": email, "password": factories.PASSWORD})
    assert right.status == 302
    assert owner.request("GET", "/account").status == 200


# ---------------------------------------------------------------- in process

HOURLY = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "PB_LIMIT_SIGN_IN_PER_IP": "1000 per minute",
    # The real hourly limit, with the per-minute one out of the way so the test need not wait.
    "PB_LIMIT_SIGN_IN_PER_ACCOUNT": "1000 per minute;20 per hour",
    "PB_LIMIT_SIGN_IN_OWN_DEVICE": "1000 per minute;20 per hour",
}


@pytest.fixture
def hourly_app(migrated_database):
    app = make_app(migrated_database, **HOURLY)
    with app.app_context():
        factories.make_resident(email="ann@example.org")
    yield app
    empty_all_tables(app)


def test_the_configured_limits_are_five_a_minute_and_twenty_an_hour_per_account(migrated_database):
    assert throttle.DEFAULT_LIMITS["PB_LIMIT_SIGN_IN_PER_ACCOUNT"] == "5 per minute;20 per hour"
    assert throttle.DEFAULT_LIMITS["PB_LIMIT_SIGN_IN_OWN_DEVICE"] == "5 per minute;20 per hour"
    if "PB_LIMIT_SIGN_IN_PER_ACCOUNT" not in os.environ:
        assert Config.PB_LIMIT_SIGN_IN_PER_ACCOUNT == "5 per minute;20 per hour"
    app = make_app(migrated_database)
    with app.app_context():
        assert throttle.configured("PB_LIMIT_SIGN_IN_OWN_DEVICE")() == "5 per minute;20 per hour"


def test_at_most_twenty_guesses_an_hour_from_strangers_and_twenty_from_the_owners_device(hourly_app):
    owner = client_from(hourly_app, "10.1.0.1")
    assert sign_in(owner, "ann@example.org").status_code == 302
    owner.post("/sign-out")

    for n in range(20):  # strangers, from twenty addresses
        assert sign_in(client_from(hourly_app, f"10.1.1.{n}"), "ann@example.org", "guess").status_code == 400
    response = sign_in(client_from(hourly_app, "10.1.2.1"), "ann@example.org", factories.PASSWORD)
    assert refused(response)
    page = response.get_data(as_text=True)
    assert "Please wait until" in page and "The team can let you try again" in page
    assert 60 < int(response.headers["Retry-After"]) <= 3600

    # The owner's browser still gets in, and its own guesses are capped the same way.
    for _ in range(20):
        assert sign_in(owner, "ann@example.org", "guess").status_code == 400
    assert refused(sign_in(owner, "ann@example.org", "guess"))
    assert refused(sign_in(owner, "ann@example.org", factories.PASSWORD))


def test_the_right_password_on_the_owners_device_gives_its_attempt_back(hourly_app):
    owner = client_from(hourly_app, "10.2.0.1")
    for _ in range(30):  # more than the hourly limit
        assert sign_in(owner, "ann@example.org").status_code == 302
        owner.post("/sign-out")


def test_a_device_stops_being_the_owners_when_the_password_changes_or_the_cookie_is_forged(migrated_database):
    app = make_app(migrated_database, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                   PB_LIMIT_SIGN_IN_PER_ACCOUNT="3 per minute", PB_LIMIT_SIGN_IN_PER_IP="100 per minute")
    try:
        with app.app_context():
            factories.make_resident(email="ann@example.org")
            factories.make_resident(email="bob@example.org")
        owner = client_from(app, "10.3.0.1")
        assert sign_in(owner, "ann@example.org").status_code == 302
        cookie = owner.get_cookie("pb_device", path="/sign-in")
        assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
        for email in ("ann@example.org", "bob@example.org"):
            for n in range(3):
                assert sign_in(client_from(app, f"10.3.1.{n}"), email, "guess").status_code == 400
        # Ann's device is not Bob's.
        assert refused(sign_in(owner, "bob@example.org"))
        # A cookie tampered with names nobody.
        forger = client_from(app, "10.3.2.1")
        forger.set_cookie("pb_device", cookie.value[:-2] + "xx", path="/sign-in")
        assert refused(sign_in(forger, "ann@example.org"))
        # Ann's device works until her password changes.
        assert sign_in(owner, "ann@example.org").status_code == 302
        owner.post("/sign-out")
        with app.app_context():
            ann = db.session.scalar(select(User).where(User.email == "ann@example.org"))
            ann.password_hash = factories._hash("a brand new password")
            db.session.commit()
        assert refused(sign_in(owner, "ann@example.org", "a brand new password"))
    finally:
        empty_all_tables(app)


def test_staff_can_let_a_locked_out_resident_try_again_and_it_is_audited(migrated_database):
    app = make_app(migrated_database, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                   PB_LIMIT_SIGN_IN_PER_ACCOUNT="3 per minute", PB_LIMIT_SIGN_IN_PER_IP="100 per minute")
    try:
        with app.app_context():
            ann_id = factories.make_resident(email="ann@example.org", name="Ann Example").id
            factories.make_staff(email="staff@example.org")
        for n in range(3):
            assert sign_in(client_from(app, f"10.4.0.{n}"), "ann@example.org", "guess").status_code == 400
        assert refused(sign_in(client_from(app, "10.4.1.1"), "ann@example.org"))

        # A resident cannot lift it.
        with app.app_context():
            factories.make_resident(email="eve@example.org")
        eve = client_from(app, "10.4.2.1")
        assert sign_in(eve, "eve@example.org").status_code == 302
        assert eve.post(f"/staff/residents/{ann_id}/let-sign-in-again").status_code in (302, 403)
        assert refused(sign_in(client_from(app, "10.4.1.2"), "ann@example.org"))

        staff = client_from(app, "10.4.3.1")
        assert sign_in(staff, "staff@example.org").status_code == 302
        page = staff.get(f"/staff/residents/{ann_id}").get_data(as_text=True)
        assert "Signing in to this account is paused" in page and "Let them try signing in again" in page
        response = staff.post(f"/staff/residents/{ann_id}/let-sign-in-again", follow_redirects=True)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Ann Example can try signing in again now." in page
        assert "Signing in to this account is paused" not in page

        with app.app_context():
            events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "resident.sign_in_unpaused")).all()
            assert [e.details for e in events] == [{"resident_id": ann_id}]
        assert sign_in(client_from(app, "10.4.1.3"), "ann@example.org").status_code == 302
    finally:
        with app.app_context():
            limiter.reset()
        empty_all_tables(app)
