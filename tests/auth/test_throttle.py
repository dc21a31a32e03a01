"""Throttling of sign-in, registration and voting-code entry, across requests.

Each test builds its own app with RATELIMIT_ENABLED=True and small limits. Flask-Limiter's
extension object is shared by every app in the process, so these tests make no other app
while they send requests.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import pytest

from sqlalchemy import select

from pb.extensions import db, limiter
from pb.models import User
from tests import factories
from tests.conftest import PROJECT_ROOT, empty_all_tables, make_app
from tests.residents.conftest import GOOD_PASSWORD, register_steps

SMALL_LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "PB_LIMIT_SIGN_IN_PER_ACCOUNT": "3 per minute",
    "PB_LIMIT_SIGN_IN_PER_IP": "6 per minute",
    "PB_LIMIT_REGISTER_PER_IP": "4 per minute",
    "PB_LIMIT_REGISTER_PER_ACCOUNT": "3 per minute",
    "PB_LIMIT_REGISTER_STEPS_PER_IP": "20 per minute",
    "PB_LIMIT_CODE_PER_IP": "3 per minute",
}


@pytest.fixture
def limited_app(migrated_database):
    app = make_app(migrated_database, **SMALL_LIMITS)
    with app.app_context():
        factories.make_resident(email="ann@example.org")
        factories.make_resident(email="bob@example.org")
    yield app
    empty_all_tables(app)


def client_from(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def sign_in(client, email, password=factories.PASSWORD):
    return client.post("/sign-in", data={"email": email, "password": password})


def test_wrong_passwords_for_one_account_are_throttled_with_a_plain_page(limited_app):
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):  # spread over addresses: it is the account that counts
        assert sign_in(client_from(limited_app, ip), "ann@example.org", "wrong password").status_code == 400
    response = sign_in(client_from(limited_app, "10.0.0.4"), "ANN@example.org ", factories.PASSWORD)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "Please wait a few minutes" in page
    assert "Traceback" not in page
    # Another account is not affected.
    assert sign_in(client_from(limited_app, "10.0.0.4"), "bob@example.org").status_code == 302


def test_right_password_first_time_is_never_throttled(limited_app):
    client = client_from(limited_app, "10.0.1.1")
    for _ in range(10):  # well past both limits
        assert sign_in(client, "ann@example.org").status_code == 302
        client.post("/sign-out")


def test_failed_sign_ins_from_one_address_are_throttled_across_accounts(limited_app):
    client = client_from(limited_app, "10.0.2.1")
    for n in range(6):
        assert sign_in(client, f"nobody{n}@example.org", "wrong password").status_code == 400
    assert sign_in(client, "ann@example.org").status_code == 429
    # The same account from another address still works.
    assert sign_in(client_from(limited_app, "10.0.2.2"), "ann@example.org").status_code == 302


def test_looking_at_the_pages_is_not_counted(limited_app):
    client = client_from(limited_app, "10.0.3.1")
    for _ in range(20):
        assert client.get("/sign-in").status_code == 200
        assert client.get("/register").status_code == 200
        assert client.get("/vote-with-code").status_code == 200


def _at_the_check_page(client, **answers) -> None:
    """Answer the registration pages before the one that creates the account."""
    assert register_steps(client, stop_at="/register/check", **answers).headers["Location"] == "/register/check"


def test_registration_attempts_are_throttled_per_address(limited_app):
    for n in range(5):
        client = client_from(limited_app, "10.0.4.1")
        _at_the_check_page(client, name=f"Person {n}", email=f"person{n}@example.org")
        response = client.post("/register/check", data={"password": "short", "password_confirm": "short"})
        if n < 4:
            assert response.status_code == 400
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_failed_registrations_for_one_email_are_throttled_from_any_address(limited_app):
    """The email address answered on an earlier page names the account being registered."""
    for n in range(3):
        client = client_from(limited_app, f"10.0.5.{n}")
        _at_the_check_page(client, email="same@example.org")
        assert client.post("/register/check", data={"password": "short"}).status_code == 400
    client = client_from(limited_app, "10.0.5.9")
    _at_the_check_page(client, email="same@example.org")
    assert client.post("/register/check", data={"password": GOOD_PASSWORD, "password_confirm": GOOD_PASSWORD}).status_code == 429
    with limited_app.app_context():
        assert db.session.scalar(select(User.id).where(User.email == "same@example.org")) is None


def test_the_pages_before_registering_are_throttled_per_address_too(limited_app):
    client = client_from(limited_app, "10.0.4.2")
    for n in range(20):
        assert client.post("/register", data={"name": f"Person {n}", "dob_day": "31", "dob_month": "2",
                                              "dob_year": "1950"}).status_code == 400
    assert client.post("/register", data={"name": "Person 99"}).status_code == 429
    # Another address is not affected.
    assert client_from(limited_app, "10.0.4.3").get("/register").status_code == 200
    assert client_from(limited_app, "10.0.4.3").post("/register", data={"name": "Person 1"}).status_code == 400


def test_wrong_voting_codes_are_throttled_per_address(limited_app):
    client = client_from(limited_app, "10.0.6.1")
    for _ in range(3):
        assert client.post("/vote-with-code", data={"code": "AAAA-AAAA-AAAA"}).status_code == 400
    assert client.post("/vote-with-code", data={"code": "CCCC-CCCC-CCCC"}).status_code == 429
    # Someone else at another address can still enter their code.
    assert client_from(limited_app, "10.0.6.2").post("/vote-with-code", data={"code": "AAAA-AAAA-AAAA"}).status_code == 400


def test_ballots_from_one_address_are_never_throttled_and_skip_the_limiter(migrated_database, monkeypatch):
    """Residents at a community centre share an address: the ballot runs none of Flask-Limiter's hooks."""
    from flask_limiter import Limiter

    from tests.voting.conftest import counts, make_voting_setup, ranks

    checks: list[str | None] = []
    original = Limiter._check_request_limit

    def counted(self, *args, **kwargs):
        from flask import request

        checks.append(request.endpoint)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Limiter, "_check_request_limit", counted)
    app = make_app(migrated_database, **{**SMALL_LIMITS, "PB_LIMIT_SIGN_IN_PER_IP": "20 per minute"})
    try:
        with app.app_context():
            setup = make_voting_setup()
            emails = [factories.make_resident(email=f"neighbour{n}@example.org").email for n in range(8)]
        for email in emails:  # more ballots from one address than any limit allows
            client = client_from(app, "10.0.7.1")
            assert sign_in(client, email).status_code == 302
            response = client.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0]))
            assert response.status_code == 303, email
        assert counts(app, setup.round_id) == (8, 8)
        assert "voting.cast" not in checks
        assert checks.count("auth.sign_in") >= 8  # the limiter still checks the forms it limits
        # A wrong voting code from the same address is still counted and throttled.
        for _ in range(3):
            assert client.post("/vote-with-code", data={"code": "AAAA-AAAA-AAAA"}).status_code == 400
        assert client.post("/vote-with-code", data={"code": "AAAA-AAAA-AAAA"}).status_code == 429
    finally:
        empty_all_tables(app)


def test_the_limiters_before_after_and_teardown_hooks_are_the_ones_skipped(limited_app):
    """If Flask-Limiter changed how it hooks into Flask, pb would notice here rather than throttle ballots."""
    from pb.web import skip_limiter_hooks

    hooks = [f for funcs in (limited_app.before_request_funcs, limited_app.after_request_funcs,
                             limited_app.teardown_request_funcs) for f in funcs.get(None, [])]
    wrapped = [f.__wrapped__ for f in hooks if hasattr(f, "__wrapped__")]
    owners = [h.args[0] if hasattr(h, "args") else getattr(h, "__self__", None) for h in wrapped]
    assert len(wrapped) == 3 and all(owner is limiter for owner in owners)
    assert skip_limiter_hooks(limited_app, frozenset({"voting.cast"})) == 0  # none of the limiter's is left bare


REDIS_URL = os.environ.get("PB_TEST_REDIS_URL")


def delete_redis_keys(url: str, prefix: str) -> None:
    """Remove the rate-limit counters whose keys hold `prefix`, and no others."""
    import redis

    store = redis.Redis.from_url(url)
    for key in store.scan_iter(match=f"*{prefix}*"):
        store.delete(key)

WORKER_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from tests.conftest import make_app
    app = make_app({db!r}, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI={redis!r}, RATELIMIT_KEY_PREFIX={prefix!r},
                   PB_LIMIT_SIGN_IN_PER_ACCOUNT="3 per minute", PB_LIMIT_SIGN_IN_PER_IP="100 per minute")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.0.1"
    codes = [client.post("/sign-in", data={{"email": {email!r}, "password": "wrong password"}}).status_code for _ in range(3)]
    print(",".join(map(str, codes)))
    """
)


@pytest.mark.skipif(not REDIS_URL, reason="PB_TEST_REDIS_URL is not set (CI sets it to a Redis database for tests)")
def test_workers_share_counters_through_redis(migrated_database):
    """Two processes, as two gunicorn workers: failures in one are counted in the other."""
    email = f"shared-{uuid.uuid4().hex[:12]}@example.org"  # fresh counters on every run
    # Keys of this test's own: tests running meanwhile (tests/auth/test_throttle_burst.py) share the Redis database.
    prefix = f"pb-test-{uuid.uuid4().hex[:12]}"
    app = make_app(
        migrated_database,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
        PB_LIMIT_SIGN_IN_PER_ACCOUNT="3 per minute",
        PB_LIMIT_SIGN_IN_PER_IP="100 per minute",
    )
    try:
        with app.app_context():
            factories.make_resident(email=email)
        here = client_from(app, "10.9.0.2")
        # This worker has seen no failure for the account: the right password works.
        assert sign_in(here, email).status_code == 302
        here.post("/sign-out")
        script = WORKER_SCRIPT.format(root=str(PROJECT_ROOT), db=migrated_database, redis=REDIS_URL, prefix=prefix, email=email)
        other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
        assert other.returncode == 0, other.stderr[-2000:]
        assert other.stdout.strip().splitlines()[-1] == "400,400,400"
        # The other worker's three failures count here too, for a browser new to the account;
        # the one that signed in before counts apart (pb.residents.throttle, own devices).
        assert sign_in(client_from(app, "10.9.0.3"), email).status_code == 429
        assert sign_in(here, email).status_code == 302
    finally:
        # Only this test's keys: limiter.reset() would empty every test's counters in the database.
        delete_redis_keys(REDIS_URL, prefix)
        empty_all_tables(app)


def test_unreachable_shared_storage_falls_back_to_memory_instead_of_failing(migrated_database):
    """Redis down: sign-in still answers, and still throttles, from each worker's memory."""
    app = make_app(migrated_database, **{**SMALL_LIMITS, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    try:
        client = client_from(app, "10.0.7.1")
        codes = [sign_in(client, "ann@example.org", "wrong password").status_code for _ in range(4)]
        assert codes == [400, 400, 400, 429]
    finally:
        # The extension object outlives this app: forget that its storage was found dead.
        limiter._storage_dead = False
        empty_all_tables(app)
