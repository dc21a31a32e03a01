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
from tests.voting.live import run_together

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def pytest_sessionstart(session):
    """A fresh clone has the language catalogs but not their compiled form: make it, as `make test` does."""
    from pb.i18n import compile_catalogs

    compile_catalogs()
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


def signed_in_client(user_fixture: str):
    """A fixture: the test client, signed in through the form as the user that fixture `user_fixture` gives."""

    @pytest.fixture(name=user_fixture.removesuffix("_user") + "_client")
    def signed_in(client, auth, request):
        auth.login(request.getfixturevalue(user_fixture).email)
        return client

    return signed_in


staff_client = signed_in_client("staff_user")
admin_client = signed_in_client("admin_user")
resident_client = signed_in_client("resident_user")


@pytest.fixture
def csrf_app(migrated_database):
    """An app that checks CSRF tokens, as production does."""
    app = make_app(migrated_database, WTF_CSRF_ENABLED=True)
    yield app
    empty_all_tables(app)


def page_html(client, path: str) -> str:
    """GET `path`, check that it answers 200 and return the page's text."""
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def round_page(app, client, path: str, **round_kw) -> str:
    """Make a round (factories.make_round(**round_kw)) and return the text of `path`, where {id} is its id."""
    with app.app_context():
        round_id = factories.make_round(**round_kw).id
    return client.get(path.format(id=round_id)).get_data(as_text=True)


def run_together_in_app(app, work, n: int, timeout: float | None = None) -> list:
    """Run `work()` in n threads, each in an app context of its own, all released at the same moment;
    return what each returned or raised."""

    def in_app():
        with app.app_context():
            return work()

    return run_together([in_app] * n, timeout)


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
