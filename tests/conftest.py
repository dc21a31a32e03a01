"""Shared fixtures: an app on a migrated database (SQLite, or PostgreSQL when
PB_TEST_DATABASE_URL is set), a client, a CLI runner, sign-in helpers and factories.

The schema is built once per test session by running the migrations; every test then
starts from empty tables.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from pb import create_app
from pb.extensions import db
from tests import factories
from tests.pg_schema import fresh_schema

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PB_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    """A database of this test process's own: a PostgreSQL schema, or an SQLite file."""
    if PG_URL:
        # One schema per test process, so parallel workers (and parallel runs) never meet.
        url, drop = fresh_schema(PG_URL, f"pb_test_{worker_id}_{os.getpid()}")
        yield url
        drop()
        return
    path = tmp_path_factory.mktemp("db") / "pb-test.sqlite"
    yield f"sqlite:///{path}"


def make_app(database_url: str, **overrides):
    config = {
        "PB_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def migrated_database(database_url) -> str:
    app = make_app(database_url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return database_url


def empty_all_tables(app) -> None:
    from pb.services.count_cache import count_cache

    count_cache.clear()  # ids are reused once the tables are empty
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def app(migrated_database):
    app = make_app(migrated_database)
    yield app
    empty_all_tables(app)


@pytest.fixture
def app_ctx(app):
    """An app context for tests that call services directly (not with the test client)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Sign in and out through the real sign-in form."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = factories.PASSWORD, follow_redirects: bool = False):
        return self._client.post(
            "/sign-in", data={"email": email, "password": password}, follow_redirects=follow_redirects
        )

    def logout(self):
        return self._client.post("/sign-out")


@pytest.fixture
def auth(client):
    return AuthActions(client)


# User fixtures do not keep an app context pushed: a request made by the test client
# must get its own context and session, as it would in production.
@pytest.fixture
def staff_user(app):
    with app.app_context():
        return factories.make_staff(email="staff@example.org")


@pytest.fixture
def admin_user(app):
    with app.app_context():
        return factories.make_staff(email="admin@example.org", admin=True)


@pytest.fixture
def resident_user(app):
    with app.app_context():
        return factories.make_resident(email="resident@example.org")


@pytest.fixture
def staff_client(client, auth, staff_user):
    auth.login(staff_user.email)
    return client


@pytest.fixture
def admin_client(client, auth, admin_user):
    auth.login(admin_user.email)
    return client


@pytest.fixture
def resident_client(client, auth, resident_user):
    auth.login(resident_user.email)
    return client


def pytest_collection_modifyitems(config, items):
    """Browser tests are marked by folder; SQLite-only tests are left out of a PostgreSQL run, and the reverse."""
    kept, dropped = [], []
    for item in items:
        if f"{os.sep}browser{os.sep}" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("postgres_only" if not PG_URL else "sqlite_only"):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
