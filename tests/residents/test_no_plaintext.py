"""Passwords and voting codes are never stored or logged in plain text."""
from __future__ import annotations

import logging
import re

import pytest

from sqlalchemy import select

from pb.extensions import db
from tests import factories
from tests.residents.conftest import register_steps

PASSWORD = "Tangerine-Lighthouse-4471"


def _every_stored_text(app) -> list[str]:
    """Every value of every column of every table, as text."""
    values = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                values.extend(str(v) for v in row if v is not None)
    return values


def _forms_of(code: str) -> set[str]:
    compact = code.replace("-", "")
    return {code, compact, code.lower(), compact.lower(), f"{compact[:4]} {compact[4:8]} {compact[8:]}"}


@pytest.fixture
def everything_logged(caplog):
    """Every logger on at DEBUG, SQL statements with their parameters included.

    Alembic's logging set-up (run by the migrations) switches existing loggers off and
    SQLAlchemy's to WARNING; this turns them all back on for the test, then restores them.
    """
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    saved = [(lg, lg.disabled, lg.level) for lg in loggers]
    for lg in loggers:
        lg.disabled = False
        lg.setLevel(logging.NOTSET)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for lg, disabled, level in saved:
        lg.disabled = disabled
        lg.setLevel(level)


def test_password_and_code_appear_nowhere_in_the_database_or_the_log(app, everything_logged):
    caplog = everything_logged
    with app.app_context():
        round_ = factories.make_round(phase="voting_open")
        factories.make_staff(email="staff@example.org")
    resident = app.test_client()
    response = register_steps(resident, password=PASSWORD, password_confirm=PASSWORD)
    assert response.status_code == 302
    stored = _every_stored_text(app)
    assert stored, "the scan read nothing"
    assert not [v for v in stored if PASSWORD in v or PASSWORD.lower() in v.lower()]

    staff = app.test_client()
    staff.post("/sign-in", data={"email": "staff@example.org", "password": factories.PASSWORD})
    with app.app_context():
        from pb.models import User

        user_id = db.session.scalar(select(User.id).where(User.email == "margaret@example.org"))
    letter = staff.post(f"/staff/residents/{user_id}/code", data={"round_id": round_.id, "issued_count": "0"})
    code = re.search(r'letter-code">([A-Z0-9-]+)<', letter.get_data(as_text=True)).group(1)
    voter = app.test_client()
    assert voter.post("/vote-with-code", data={"code": code.lower()}).status_code == 302
    # A wrong attempt at the same code's neighbour is logged nowhere either.
    voter.post("/vote-with-code", data={"code": code[:-1] + ("A" if code[-1] != "A" else "C")})

    stored = _every_stored_text(app)
    for form in _forms_of(code) | {PASSWORD}:
        leaks = [v for v in stored if form.lower() in v.lower()]
        assert not leaks, f"{form!r} stored in plain text: {leaks[:3]}"
    logged = "\n".join(r.getMessage() + " " + str(r.args) for r in caplog.records)
    # SQL statements with their parameters were logged, so the check has teeth.
    assert "INSERT INTO voting_codes" in logged and "INSERT INTO users" in logged
    with app.app_context():
        from pb.services.voting_codes import code_hash

        assert code_hash(code) in logged  # parameters included: only the hash ever reaches the database
    for form in _forms_of(code) | {PASSWORD}:
        assert form.lower() not in logged.lower()
    # Nor is the code kept in the voter's session cookie.
    cookie = voter.get_cookie("session").value
    from itsdangerous import URLSafeTimedSerializer  # noqa: F401  (the cookie is only signed, not encrypted)
    import base64, zlib

    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.startswith("."):
        raw = zlib.decompress(raw)
    assert b"code_voter" in raw
    for form in _forms_of(code):
        assert form.encode() not in raw
