"""Browser fixtures: the real pb app served by gunicorn on a fresh SQLite database, and
Debian's Chromium driven by Playwright.

The server runs with PB_ENV=development, so CSRF protection is on exactly as in
production; only rate limits are off (the journeys sign in many times from one address).

Without /usr/bin/chromium these tests skip, unless PB_REQUIRE_BROWSER=1 (set by .ci/run),
in which case they fail: CI must never pass without having driven a browser.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import a11y
from tests.conftest import PROJECT_ROOT, make_app
from tests.voting.live import free_port, stop_process, wait_for_server

CHROMIUM = Path(os.environ.get("PB_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("PB_REQUIRE_BROWSER") == "1"
SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"

# Flags for a closed network: no background fetches, updates, sync or QUIC probes.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# The machine may be busy running the rest of the suite: give pages time to arrive.
NAVIGATION_TIMEOUT_MS = 20_000
EXPECT_TIMEOUT_MS = 10_000

STAFF_EMAIL = "staff@example.org"
ADMIN_EMAIL = "admin@example.org"
PASSWORD = "correct horse battery"


@dataclass
class LiveServer:
    url: str
    database_url: str
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        try:
            kept = [line for line in self.log_path.read_text(errors="replace").splitlines()
                    if "GET /static/" not in line]
            return "\n".join(kept[-lines:])
        except OSError:
            return "(no server log)"


@dataclass
class Accounts:
    staff_email: str = STAFF_EMAIL
    admin_email: str = ADMIN_EMAIL
    password: str = PASSWORD


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"Chromium not found at {CHROMIUM} (install it with: apt-get install chromium)"
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason}; PB_REQUIRE_BROWSER=1 says the browser tests must run", pytrace=False)
    pytest.skip(reason)


def _seed_staff(database_url: str) -> None:
    """Migrate a fresh database and add the only rows the journeys do not make in the UI."""
    from flask_migrate import upgrade

    from pb.extensions import db
    from tests import factories

    app = make_app(database_url)
    with app.app_context():
        upgrade()
        factories.make_staff(email=STAFF_EMAIL, name="Sam Staff", password=PASSWORD)
        factories.make_staff(email=ADMIN_EMAIL, name="Alex Admin", admin=True, password=PASSWORD)
        db.session.remove()
        db.engine.dispose()


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    def answers() -> bool:
        with urllib.request.urlopen(url + "/", timeout=2) as response:
            return response.status == 200

    problem = wait_for_server(proc, answers, timeout)
    if problem:
        raise RuntimeError(f"pb server {problem}:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> LiveServer:
    _require_chromium()
    workdir = tmp_path_factory.mktemp("live")
    database_url = f"sqlite:///{workdir / 'pb-browser.sqlite'}"
    _seed_staff(database_url)
    port = free_port()
    log_path = workdir / "server.log"
    env = dict(
        os.environ,
        PB_ENV="development",
        DATABASE_URL=database_url,
        PB_RATELIMIT_ENABLED="0",
        SECRET_KEY=secrets.token_hex(32),
        FLASK_DEBUG="0",
    )
    env.pop("PB_TEST_DATABASE_URL", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
             "--timeout", "60", "--access-logfile", "-", "wsgi:app"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", database_url=database_url, log_path=log_path)
    try:
        _wait_until_up(server.url, proc, log_path)
        yield server
    finally:
        stop_process(proc, timeout=10)


@pytest.fixture(scope="session")
def accounts() -> Accounts:
    return Accounts()


@pytest.fixture(scope="session")
def chromium(live_server):
    """One headless Chromium for the session. Playwright gives each launch a fresh,
    temporary user-data directory, so no profile state leaks between runs."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def auditor(chromium):
    """The session-wide record of pages checked with axe."""
    auditor = a11y.Auditor(screenshots=SCREENSHOTS, browser=chromium)
    yield auditor
    # One summary per test process: xdist may run the browser tests in more than one.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    auditor.write_summary(PROJECT_ROOT / "test-output" / f"axe-pages{'-' + worker if worker else ''}.txt")


@pytest.fixture
def new_context(chromium, live_server):
    """Make browser contexts (fresh cookies) against the live server; closed after the test."""
    contexts = []

    def make(**kw):
        kw.setdefault("base_url", live_server.url)
        kw.setdefault("viewport", {"width": 1024, "height": 800})
        kw.setdefault("locale", "en-GB")
        kw.setdefault("timezone_id", "Europe/London")
        context = chromium.new_context(**kw)
        context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed browser test, add the server's last log lines to the report."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "live_server" in item.fixturenames:
        server = item.funcargs.get("live_server")
        if server is not None:
            report.sections.append(("pb server log", server.log_tail()))
