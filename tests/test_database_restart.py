"""When the database server drops every connection (a restart), no page fails and a ballot is stored once.

Against a real gunicorn server on PostgreSQL. The server's connections carry an application_name of
their own, so the test ends exactly those, as a restart would, while each worker holds pooled
connections that were in use a moment before (the ping after an idle spell does not apply to them).
The first request each worker serves afterwards meets a dead connection; every one must succeed.

Two kinds of server: pb as it runs (wsgi:app), where checkout sees that the server has closed a
pooled connection and replaces it; and one whose checkout cannot see that (`blind_app`, as in the
instant before the server's goodbye arrives, or a link that died without one), where the dead
connection reaches a statement and the request is run again on a fresh connection. Each with both
ballot stores. Below them, the rules for running a request again, on any database.
"""
from __future__ import annotations

import logging
import os
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from pb import create_app
from pb.database import _RetryAfterLostConnection
from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import Ballot, VoterRoll
from pb.services.transaction import note_lost_connection
from tests import factories
from tests.conftest import make_app
from tests.voting.live import Browser, Server, new_database

PG_URL = os.environ.get("PB_TEST_DATABASE_URL")


def live_server(test):
    """Marks a test on the live server: slow, one server group, and PostgreSQL only (a database
    server that can drop connections), so it runs in the PostgreSQL run and is left out of SQLite's."""
    for mark in (pytest.mark.slow, pytest.mark.xdist_group("server"), pytest.mark.postgres_only):
        test = mark(test)
    return test


WORKERS = 2
APP_NAME = f"pb-restart-test-{os.getpid()}"
# Every request's worker in the access log: "PID STATUS METHOD PATH".
ACCESS_LOG_FORMAT = "%(p)s %(s)s %(m)s %(U)s"


def blind_app():
    """wsgi:app, with a pool that cannot see that the server closed a connection before it is used."""
    import pb.database

    pb.database._server_has_spoken = lambda dbapi_connection: False
    from wsgi import app

    return app


RETRIED = "lost its database connection before committing anything: run again on a new one"


class Live:
    def __init__(self, app, server: Server, blind: bool, round_id: int, projects: list[int]):
        self.app = app
        self.server = server
        self.blind = blind
        self.round_id = round_id
        self.projects = projects
        self._voters = 0

    # ------------------------------------------------------------ the server's workers

    def log_mark(self) -> int:
        return len(self._access_lines())

    def _access_lines(self) -> list[str]:
        path: Path = self.server.access_log
        return path.read_text().splitlines() if path.exists() else []

    def workers_since(self, mark: int) -> set[str]:
        """The worker pids that served a request since `mark` (the access log is written as each ends)."""
        time.sleep(0.05)
        return {line.split()[0] for line in self._access_lines()[mark:] if line.strip()}

    def until_every_worker_served(self, request, at_least: int, at_most: int = 60) -> list:
        """Make `request()` again and again, at least `at_least` times, until every worker has served one."""
        mark = self.log_mark()
        results = []
        while len(results) < at_least or len(self.workers_since(mark)) < WORKERS:
            assert len(results) < at_most, f"one worker served all of {at_most} requests"
            results.append(request())
        return results

    def warm_up(self) -> None:
        """Every worker serves pages, so each holds pooled connections used a moment ago."""
        self.until_every_worker_served(lambda: Browser(self.server.port).request("GET", f"/rounds/{self.round_id}"),
                                       at_least=6)

    def drop_server_connections(self) -> int:
        """End every connection the server holds, and wait until each is gone, as a restart of the database would."""
        admin = create_engine(PG_URL, poolclass=NullPool)
        try:
            with admin.connect() as conn:
                ended = conn.execute(text(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = :name AND pid <> pg_backend_pid()"
                ), {"name": APP_NAME}).scalars().all()
                for pid in ended:
                    conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        finally:
            admin.dispose()
        return len(ended)

    # ------------------------------------------------------------ residents and ballots

    def resident(self) -> str:
        self._voters += 1
        email = f"restart-{self._voters}@example.net"
        with self.app.app_context():
            factories.make_resident(email=email)
            db.session.remove()
        return email

    def counts(self) -> tuple[int, int, Counter]:
        with self.app.app_context():
            ballots = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == self.round_id))
            roll = Counter(db.session.scalars(select(VoterRoll.user_id).where(VoterRoll.round_id == self.round_id)))
            db.session.remove()
        return ballots, sum(roll.values()), roll


@pytest.fixture(scope="module", params=[("wsgi:app", "fast"), ("wsgi:app", "orm"),
                                        ("tests.test_database_restart:blind_app()", "fast"),
                                        ("tests.test_database_restart:blind_app()", "orm")],
                ids=["fast", "orm", "blind-fast", "blind-orm"])
def live(tmp_path_factory, request):
    wsgi, store = request.param
    workdir = tmp_path_factory.mktemp("restart")
    url, drop = new_database(workdir, "restart")
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        round_ = factories.make_round(phase=Phase.VOTING_OPEN)
        projects = [factories.make_proposal(round_).id for _ in range(3)]
        round_id = round_.id
        db.session.remove()
        db.engine.dispose()
    env = {
        "PB_BALLOT_STORE": store,
        # Long enough that no pooled connection is pinged for having sat idle during a test.
        "PB_DB_PING_AFTER_IDLE_SECONDS": "3600",
        "GUNICORN_CMD_ARGS": f"--access-logformat '{ACCESS_LOG_FORMAT}'",
    }
    server = Server(f"{url}&application_name={APP_NAME}", workdir, workers=WORKERS, threads=2,
                    extra_env=env, app=wsgi)
    try:
        yield Live(app, server, wsgi != "wsgi:app", round_id, projects)
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


def _no_server_errors(live: Live, results: list[tuple[str, int]], log_from: int) -> None:
    log = live.server.errors()[log_from:]
    failed = [(what, status) for what, status in results if status >= 500]
    assert not failed, f"{len(failed)} of {len(results)} requests failed: {failed[:6]}\n{log[-4000:]}"
    if live.blind:  # every worker's first request met a dead connection, and ran again
        assert log.count(RETRIED) >= WORKERS, log[-4000:]
    else:  # checkout replaced the dead connections: no request even met one
        assert RETRIED not in log and "Traceback" not in log, log[-4000:]


@live_server
def test_no_page_fails_right_after_the_database_server_dropped_every_connection(live):
    live.warm_up()
    log_from = len(live.server.errors())
    assert live.drop_server_connections() >= WORKERS
    pages = iter(["/", f"/rounds/{live.round_id}"] * 100)

    def page():
        path = next(pages)
        return f"GET {path}", Browser(live.server.port).request("GET", path).status

    results = live.until_every_worker_served(page, at_least=20)
    _no_server_errors(live, results, log_from)
    assert {status for _, status in results} == {200}, results

    # A form post as the first request each worker serves after the drop.
    live.warm_up()
    emails = [live.resident() for _ in range(12)]
    log_from = len(live.server.errors())
    assert live.drop_server_connections() >= WORKERS
    people = iter(emails)

    def sign_in():
        r = Browser(live.server.port).request("POST", "/sign-in", {"email": next(people), "password": factories.PASSWORD})
        return "POST /sign-in", r.status

    results = live.until_every_worker_served(sign_in, at_least=2, at_most=len(emails))
    _no_server_errors(live, results, log_from)
    assert {status for _, status in results} == {302}, results  # signed in


@live_server
def test_a_ballot_cast_right_after_the_database_server_dropped_every_connection_is_stored_once(live):
    ballots_before, roll_before, _ = live.counts()
    voters = []
    for _ in range(12):
        browser = Browser(live.server.port)
        browser.sign_in(live.resident(), factories.PASSWORD)
        voters.append(browser)
    live.warm_up()
    log_from = len(live.server.errors())
    assert live.drop_server_connections() >= WORKERS
    queue = iter(voters)
    cast_by = []

    def cast():
        browser = next(queue)
        cast_by.append(browser)
        form = {"rank1": str(live.projects[0]), "rank2": str(live.projects[1])}
        return "POST cast", browser.request("POST", f"/rounds/{live.round_id}/vote/cast", form).status

    results = live.until_every_worker_served(cast, at_least=2, at_most=len(voters))
    _no_server_errors(live, results, log_from)
    assert {status for _, status in results} == {303}, results  # to the receipt
    ballots, roll_rows, per_voter = live.counts()
    assert ballots - ballots_before == roll_rows - roll_before == len(cast_by)
    assert set(per_voter.values()) == {1}  # nobody's ballot stored twice
    receipt = cast_by[0].request("GET", f"/rounds/{live.round_id}/vote/receipt")
    assert receipt.status == 200 and re.search(r"receipt", receipt.body, re.I)


# ---------------------------------------------------------------- running a request again


class Flaky:
    """A WSGI app that does in its n-th run what the n-th of `runs` says (and then serves the page):

    "lost" a statement's connection is lost (as the pool's invalidate event notes it) and the page fails,
    "committed, lost" the same after a COMMIT, "lost, raised" the same with the error raised, not
    rendered, "failed" it fails without a lost connection, "lost, served" the page is served anyway.
    """

    def __init__(self, app, *runs: str):
        self.app = app
        self.runs = runs
        self.bodies: list[bytes] = []

    def __call__(self, environ, start_response):
        self.bodies.append(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        run = self.runs[len(self.bodies) - 1] if len(self.bodies) <= len(self.runs) else "served"
        with self.app.app_context():
            if "committed" in run:
                db.session.commit()
            if "lost" in run:
                note_lost_connection()
        if "raised" in run:
            raise RuntimeError("lost")
        if "served" in run:
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"served: " + self.bodies[-1]]
        start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
        return [b"error page"]


def _post(flaky: Flaky, body: bytes = b"rank1=3&rank2=4", max_body: int = 2**20):
    from werkzeug.test import Client

    client = Client(_RetryAfterLostConnection(flaky, logging.getLogger("test"), max_body))
    return client.post("/rounds/1/vote/cast", data=body, content_type="application/x-www-form-urlencoded")


def test_a_request_that_lost_its_connection_before_committing_runs_once_more_with_its_body(app):
    flaky = Flaky(app, "lost")
    r = _post(flaky)
    assert (r.status_code, r.data) == (200, b"served: rank1=3&rank2=4")
    assert flaky.bodies == [b"rank1=3&rank2=4"] * 2


def test_one_whose_lost_connection_raised_runs_once_more_too(app):
    flaky = Flaky(app, "lost, raised")
    assert _post(flaky).status_code == 200
    assert len(flaky.bodies) == 2


def test_one_that_had_sent_a_commit_keeps_its_error_page(app):
    flaky = Flaky(app, "committed, lost")
    assert _post(flaky).status_code == 500
    assert len(flaky.bodies) == 1


def test_a_failure_without_a_lost_connection_is_not_run_again(app):
    flaky = Flaky(app, "failed")
    assert _post(flaky).status_code == 500
    assert len(flaky.bodies) == 1


def test_a_request_served_despite_a_lost_connection_is_not_run_again(app):
    flaky = Flaky(app, "lost, served")
    assert _post(flaky).status_code == 200
    assert len(flaky.bodies) == 1


def test_a_request_runs_again_only_once(app):
    flaky = Flaky(app, "lost", "lost")
    assert _post(flaky).status_code == 500
    assert len(flaky.bodies) == 2


def test_a_body_too_large_to_keep_is_not_run_again(app):
    flaky = Flaky(app, "lost")
    assert _post(flaky, body=b"x" * 100, max_body=99).status_code == 500
    assert len(flaky.bodies) == 1


def test_only_an_app_on_a_database_server_runs_requests_again(tmp_path):
    sqlite = create_app({"PB_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.sqlite'}"})
    server = create_app({"PB_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "postgresql://u@localhost/x",
                         "PB_SKIP_DB_CHECK": True})
    assert not isinstance(sqlite.wsgi_app, _RetryAfterLostConnection)  # a file has no connection to lose
    assert isinstance(server.wsgi_app, _RetryAfterLostConnection)
