"""One person, one vote under real concurrency: gunicorn with several workers, many simultaneous posts.

SQLite by default; PostgreSQL when PB_TEST_DATABASE_URL is set (a schema of its own).
SECURITY.md #1, #2 and #4.
"""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from pb.domain.phases import Phase
from pb.extensions import db
from pb.services.ballot_store import STORES
from pb.models import Ballot, EligibilityStatus, Role, User, VoterRoll
from tests import factories
from tests.conftest import make_app
from tests.voting.live import Browser, Server, new_database, run_together

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("server")]


class Live:
    def __init__(self, app, server, url):
        self.app = app
        self.server = server
        self.url = url
        self._n = 0

    def voting_round(self):
        with self.app.app_context():
            round_ = factories.make_round(phase=Phase.VOTING_OPEN)
            projects = [factories.make_proposal(round_).id for _ in range(6)]
            return round_.id, projects

    def voters(self, n: int, verification: str = "staff") -> list[Browser]:
        """n eligible residents (verified by staff unless `verification` says otherwise), each signed in
        through the real sign-in form."""
        with self.app.app_context():
            password_hash = factories._hash(factories.PASSWORD)
            emails = []
            for _ in range(n):
                self._n += 1
                name = f"Live Voter {self._n}"
                emails.append(f"live{self._n}@example.net")
                db.session.add(User(role=Role.RESIDENT, name=name, name_key=name.lower(), email=emails[-1],
                                    password_hash=password_hash, date_of_birth=factories.date(1950, 1, 1),
                                    postcode="E8 1AB", eligibility_status=EligibilityStatus.ELIGIBLE, verification=verification))
            db.session.commit()
            db.session.remove()
        browsers = [Browser(self.server.port) for _ in emails]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda be: be[0].sign_in(be[1], factories.PASSWORD), zip(browsers, emails)))
        return browsers

    def counts(self, round_id: int) -> tuple[int, int]:
        with self.app.app_context():
            b = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id))
            v = db.session.scalar(select(func.count()).select_from(VoterRoll).where(VoterRoll.round_id == round_id))
            db.session.remove()
            return b, v


@pytest.fixture(scope="module", params=STORES)
def live(tmp_path_factory, request):
    """gunicorn with 4 workers on a database of its own, storing ballots with each ballot store in turn."""
    workdir = tmp_path_factory.mktemp(f"live-voting-{request.param}")
    url, drop = new_database(workdir, "voting")
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    server = Server(url, workdir, workers=4, threads=4, extra_env={"PB_BALLOT_STORE": request.param})
    try:
        yield Live(app, server, url)
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


def _cast(browser: Browser, round_id: int, ranking: list[int]):
    form = {f"rank{i + 1}": str(p) for i, p in enumerate(ranking)}
    return browser.request("POST", f"/rounds/{round_id}/vote/cast", form)


def _assert_clean(live: Live, results) -> Counter:
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    statuses = Counter(r.status for r in results)
    assert not [s for s in statuses if s >= 500], statuses
    log = live.server.errors()
    assert "database is locked" not in log and "Traceback" not in log, log[-3000:]
    return statuses


def test_twenty_simultaneous_posts_each_for_thirty_voters_store_exactly_thirty_ballots(live):
    round_id, projects = live.voting_round()
    voters = live.voters(30)
    tasks = []
    for attempt in range(20):
        for i, browser in enumerate(voters):
            ranking = [projects[(i + attempt) % 6], projects[(i + attempt + 1) % 6]]
            tasks.append(lambda b=browser, r=ranking: _cast(b, round_id, r))
    results = run_together(tasks)
    statuses = _assert_clean(live, results)
    assert statuses[303] == 30, statuses
    assert set(statuses) <= {303, 409}, statuses
    assert all("already voted" in r.body for r in results if r.status == 409)
    # Exactly one success per voter.
    per_voter = Counter(id(tasks_browser) for tasks_browser, r in zip(
        [b for _ in range(20) for b in voters], results) if r.status == 303)
    assert sorted(per_voter.values()) == [1] * 30
    assert live.counts(round_id) == (30, 30)
    # The access log holds addresses and paths, never a ranking: rankings travel only in POST bodies.
    access = live.server.access_log.read_text()
    assert f"/rounds/{round_id}/vote/cast" in access
    assert f"rank1={projects[0]}" not in access and "rank1=" not in access


def test_burst_of_two_hundred_voters_stores_two_hundred_ballots(live):
    round_id, projects = live.voting_round()
    voters = live.voters(200)
    results = run_together([lambda b=b, i=i: _cast(b, round_id, [projects[i % 6]]) for i, b in enumerate(voters)])
    statuses = _assert_clean(live, results)
    assert statuses == Counter({303: 200}), statuses
    assert live.counts(round_id) == (200, 200)


def _close_round(live: Live, round_id: int) -> int:
    """Close voting the way the phase move does (the round row locked for update), and count the
    ballots inside that same transaction: that count is final if nothing is stored after the close."""
    from pb.services import transaction as tx

    with live.app.app_context():
        token = tx._write_lock_wanted.set(True)  # on SQLite the transaction begins IMMEDIATE
        try:
            with db.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT id FROM rounds WHERE id = :id FOR UPDATE"), {"id": round_id})
                conn.execute(text("UPDATE rounds SET phase = 'voting_closed' WHERE id = :id"), {"id": round_id})
                at_close = conn.execute(
                    text("SELECT count(*) FROM ballots WHERE round_id = :id"), {"id": round_id}).scalar()
        finally:
            tx._write_lock_wanted.reset(token)
        db.engine.dispose()
    return at_close


def test_closing_voting_during_a_burst_stores_nothing_after_the_close(live):
    round_id, projects = live.voting_round()
    voters = live.voters(200)
    successes = []
    enough = threading.Event()
    lock = threading.Lock()

    def cast(b, i):
        r = _cast(b, round_id, [projects[i % 6], projects[(i + 3) % 6]])
        if r.status == 303:
            with lock:
                successes.append(r)
                if len(successes) >= 30:
                    enough.set()
        return r

    closer_result = {}

    def closer():
        enough.wait(60)
        closer_result["at_close"] = _close_round(live, round_id)

    closer_thread = threading.Thread(target=closer)
    closer_thread.start()
    results = run_together([lambda b=b, i=i: cast(b, i) for i, b in enumerate(voters)])
    closer_thread.join(60)
    statuses = _assert_clean(live, results)
    stored = live.counts(round_id)
    at_close = closer_result["at_close"]
    assert set(statuses) <= {303, 409}, statuses
    # Every success matches a stored ballot, every refusal stored none, and nothing came in after the close.
    assert statuses[303] == stored[0] == stored[1] == at_close, (statuses, stored, at_close)
    assert statuses[303] >= 30 and statuses[409] > 0, statuses
    assert all("Voting has closed" in r.body for r in results if r.status == 409)


def test_simultaneous_posts_by_self_declared_residents_in_a_verified_only_round_store_nothing(live):
    round_id, projects = live.voting_round()
    voters = live.voters(10, verification="self-declared")
    tasks = [lambda b=browser: _cast(b, round_id, [projects[0]]) for _ in range(10) for browser in voters]
    results = run_together(tasks)
    statuses = _assert_clean(live, results)
    assert statuses == Counter({403: 100}), statuses
    assert all("Before you can vote we need to check" in r.body for r in results)
    assert live.counts(round_id) == (0, 0)
