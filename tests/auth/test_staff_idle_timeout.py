"""Staff sessions end after a spell of inactivity on any page, against a real gunicorn server: the clock
starts at sign-in, so signing in with next=/ and waiting does not keep the console open."""
from __future__ import annotations

import time

import pytest

from pb.extensions import db
from tests import factories
from tests.conftest import make_app
from tests.voting.live import Browser, Server, new_database

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("server")]

IDLE_SECONDS = 3


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("idle")
    url, drop = new_database(workdir, "idle")
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        factories.make_staff(email="idle@example.org")
        factories.make_resident(email="resident-idle@example.org")
        db.session.remove()
        db.engine.dispose()
    running = Server(url, workdir, workers=2, threads=1,
                     extra_env={"PB_STAFF_IDLE_MINUTES": str(IDLE_SECONDS / 60)})
    try:
        yield running
    finally:
        running.stop()
        with app.app_context():
            db.engine.dispose()
        drop()


def _sign_in(server, email: str, next_path: str) -> Browser:
    browser = Browser(server.port)
    r = browser.request("POST", f"/sign-in?next={next_path}", {"email": email, "password": factories.PASSWORD,
                                                               "next": next_path})
    assert r.status == 302 and r.headers["Location"].endswith(next_path), (r.status, r.headers.get("Location"))
    return browser


def test_a_staff_session_that_never_opened_the_console_still_expires(server):
    browser = _sign_in(server, "idle@example.org", "/")
    time.sleep(IDLE_SECONDS + 1)
    r = browser.request("GET", "/staff/")
    assert r.status == 302 and "/sign-in" in r.headers["Location"]
    # Signed out for good: the old cookie no longer opens anything.
    assert browser.request("GET", "/staff/").status == 302


def test_activity_on_any_page_keeps_a_staff_session_alive(server):
    browser = _sign_in(server, "idle@example.org", "/")
    for _ in range(3):
        time.sleep(IDLE_SECONDS / 2)
        assert browser.request("GET", "/").status == 200  # a public page counts as activity
    assert browser.request("GET", "/staff/").status == 200


def test_a_public_page_after_the_timeout_signs_staff_out(server):
    browser = _sign_in(server, "idle@example.org", "/")
    time.sleep(IDLE_SECONDS + 1)
    r = browser.request("GET", "/")
    assert r.status == 302 and "/sign-in" in r.headers["Location"]
    assert browser.request("GET", "/staff/").status == 302


def test_residents_are_not_timed_out_like_staff(server):
    browser = _sign_in(server, "resident-idle@example.org", "/")
    time.sleep(IDLE_SECONDS + 1)
    assert browser.request("GET", "/account").status == 200
