"""Receipts against a real gunicorn server: a voter's receipt never reaches an access log or an address,
and a voter whose answer was lost on the way sees the receipt of the ballot they cast.

SQLite by default; PostgreSQL when PB_TEST_DATABASE_URL is set. Issue 16, items 2 and 3.
"""
from __future__ import annotations

import re
import socket
import threading
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import Ballot, Round, User, VoterRoll
from tests import factories
from tests.conftest import make_app
from tests.voting.live import Browser, Server, free_port, new_database

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("server")]

CODE_IN_PAGE = re.compile(r'class="receipt-code"[^>]*>([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{3})<')


class Forms(HTMLParser):
    """Every form on a page: its method, action and the fields a browser would send."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (attrs.get("method") or "get").upper(), "action": attrs.get("action"),
                               "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def forms_on(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def submit(browser: Browser, form: dict, **typed):
    """Send a form the way a browser does: GET puts the fields in the address, POST in the body."""
    fields = dict(form["fields"], **typed)
    if form["method"] == "GET":
        return browser.request("GET", f"{form['action']}?{urlencode(fields)}")
    return browser.request("POST", form["action"], fields)


class DroppingProxy:
    """A TCP relay in front of the server that can lose the answer to the next matching request.

    The request reaches the server and the server answers in full, but the proxy closes the
    browser's connection without passing the answer on: the browser sees the connection drop.
    """

    def __init__(self, upstream_port: int):
        self.upstream = upstream_port
        self.port = free_port()
        self.drop_next: bytes | None = None
        self.dropped = 0
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket):
        with client, socket.create_connection(("127.0.0.1", self.upstream)) as server:
            request = self._read_request(client)
            server.sendall(request)
            answer = b""
            while chunk := server.recv(65536):  # the browser's requests say Connection: close
                answer += chunk
            if self.drop_next is not None and request.startswith(self.drop_next):
                self.drop_next = None
                self.dropped += 1
                return  # the answer is lost: the browser's connection closes with nothing sent
            client.sendall(answer)

    @staticmethod
    def _read_request(sock: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(body) < length:
            body += sock.recv(65536)
        return head + b"\r\n\r\n" + body

    def close(self):
        self._listener.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("receipts")
    url, drop = new_database(workdir, "receipts")
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    server = Server(url, workdir, workers=2, threads=2)
    proxy = DroppingProxy(server.port)
    try:
        yield app, server, proxy
    finally:
        proxy.close()
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


def _voting_round(app) -> tuple[int, list[int], str]:
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN)
        projects = [factories.make_proposal(round_).id for _ in range(4)]
        voter = factories.make_resident()
        email = voter.email
        db.session.remove()
    return round_.id, projects, email


def _check_page_form(browser: Browser, round_id: int, projects: list[int]) -> dict:
    """Open the ballot, choose, and return the check page's "Cast my vote" form."""
    assert browser.request("GET", f"/rounds/{round_id}/vote").status == 200
    review = browser.request("POST", f"/rounds/{round_id}/vote/review",
                             {"rank1": str(projects[1]), "rank2": str(projects[0])})
    assert review.status == 200, review.status
    (cast,) = [f for f in forms_on(review.body) if f["action"] == f"/rounds/{round_id}/vote/cast"]
    return cast


def _stored(app, round_id: int) -> tuple[list[str], int]:
    with app.app_context():
        receipts = list(db.session.scalars(select(Ballot.receipt).where(Ballot.round_id == round_id)))
        roll = db.session.scalar(select(func.count()).select_from(VoterRoll).where(VoterRoll.round_id == round_id))
        db.session.remove()
    return receipts, roll


def test_a_lost_answer_then_a_retry_shows_the_receipt_of_the_one_ballot_cast(live):
    app, server, proxy = live
    round_id, projects, email = _voting_round(app)
    browser = Browser(proxy.port)
    browser.sign_in(email, factories.PASSWORD)
    cast = _check_page_form(browser, round_id, projects)

    proxy.drop_next = f"POST /rounds/{round_id}/vote/cast ".encode()
    with pytest.raises((ConnectionError, OSError)):
        submit(browser, cast)
    assert proxy.dropped == 1
    (stored,), roll = _stored(app, round_id)
    assert roll == 1  # the ballot was stored; its receipt never reached the voter

    # The browser sends the same form again (as "Try again" on its error page does).
    again = submit(browser, cast)
    assert again.status == 303 and again.headers["Location"].endswith(f"/rounds/{round_id}/vote/receipt")
    page = browser.request("GET", f"/rounds/{round_id}/vote/receipt")
    assert CODE_IN_PAGE.search(page.body).group(1) == stored
    assert "has not been cast twice" in page.body
    assert _stored(app, round_id) == ([stored], 1)


def test_no_access_log_line_address_or_referer_carries_a_receipt(live):
    app, server, proxy = live
    round_id, projects, email = _voting_round(app)
    browser = Browser(server.port)
    browser.sign_in(email, factories.PASSWORD)
    cast = submit(browser, _check_page_form(browser, round_id, projects))
    assert cast.status == 303
    receipt_page = browser.request("GET", cast.headers["Location"])
    receipt = CODE_IN_PAGE.search(receipt_page.body).group(1)
    assert "no-store" in receipt_page.headers["Cache-Control"]

    with app.app_context():
        staff = factories.make_staff()
        from pb.services import counting, rounds

        rounds.move_phase(round_id, staff, Phase.VOTING_CLOSED, Phase.VOTING_OPEN)
        counting.count_round(db.session.get(Round, round_id), db.session.get(User, staff.id))
        rounds.move_phase(round_id, staff, Phase.RESULTS_PUBLISHED, Phase.VOTING_CLOSED)
        db.session.remove()

    # The checker as the results page offers it, and as the receipt page links to it.
    results = browser.request("GET", f"/rounds/{round_id}/results")
    (on_results,) = [f for f in forms_on(results.body) if "code" in f["fields"]]
    answers = [submit(browser, on_results, code=receipt.lower().replace("-", " "))]
    checker = browser.request("GET", f"/rounds/{round_id}/receipt")
    (on_checker,) = [f for f in forms_on(checker.body) if "code" in f["fields"]]
    answers.append(submit(browser, on_checker, code=receipt))
    for answer in answers:
        assert answer.status == 200 and "<h1>Counted</h1>" in answer.body
        assert "no-store" in answer.headers["Cache-Control"]
        assert answer.headers["Referrer-Policy"] == "same-origin"
    # What the next page's Referer and the browser's history would hold: the addresses the forms went to.
    for form in (on_results, on_checker):
        assert form["method"] == "POST" and receipt not in form["action"]

    server_log = server.access_log.read_text()
    assert f"/rounds/{round_id}/receipt" in server_log  # the checks were logged, without what was typed
    for spelling in (receipt, receipt.replace("-", ""), receipt.lower(), receipt.replace("-", "").lower(),
                     receipt.replace("-", "+"), receipt.lower().replace("-", "+")):
        assert spelling not in server_log, spelling
