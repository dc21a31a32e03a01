"""`flask pb ...` commands."""
from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, select

from pb.extensions import db
from pb.models import Ballot, CountResult, Proposal, ProposalStatus, ResidentList, Round, User, VerificationLetter, VoterRoll
from pb.services.suspicious_registrations import open_groups
from tests.conftest import PROJECT_ROOT, make_app


def test_init_brings_database_up_to_date(runner):
    result = runner.invoke(args=["pb", "init"])
    assert result.exit_code == 0, result.output
    assert "Database is ready" in result.output


def test_create_staff_prompts_for_password_and_hashes_it(app, runner):
    result = runner.invoke(args=["pb", "create-staff", "new.staff@example.org"], input="a long staff password\na long staff password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.staff@example.org"))
        assert user.role == "staff"
        assert user.password_hash and "a long staff password" not in user.password_hash


def test_create_staff_admin_flag(app, runner):
    result = runner.invoke(args=["pb", "create-staff", "boss@example.org", "--admin", "--password", "a long admin password"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.email == "boss@example.org")) == "admin"


def test_create_staff_refuses_common_password_and_duplicates(app, runner):
    result = runner.invoke(args=["pb", "create-staff", "x@example.org", "--password", "password123"])
    assert result.exit_code == 2
    assert "too common" in result.output
    runner.invoke(args=["pb", "create-staff", "y@example.org", "--password", "a long staff password"])
    result = runner.invoke(args=["pb", "create-staff", "Y@example.org", "--password", "a long staff password"])
    assert result.exit_code == 2
    assert "already an account" in result.output


def test_demo_loads_realistic_data(app, runner):
    result = runner.invoke(args=["pb", "demo", "--residents", "60"])
    assert result.exit_code == 0, result.output
    assert "staff@example.org" in result.output and "pb-demo-password" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "staff@example.org")).is_staff
        resident = db.session.scalar(select(User).where(User.email == "resident@example.org"))
        assert resident.is_eligible
        voting = db.session.scalar(select(Round).where(Round.phase == "voting_open"))
        shortlisted = db.session.scalar(
            select(func.count()).select_from(Proposal).where(
                Proposal.round_id == voting.id, Proposal.status == ProposalStatus.SHORTLISTED
            )
        )
        assert shortlisted >= 20
        assert db.session.scalar(select(func.count()).select_from(User)) >= 60
        # Proposals in every status, a round with published results, and ballots cast through the service.
        statuses = set(db.session.scalars(select(Proposal.status).distinct()))
        assert statuses == {s.value for s in ProposalStatus}
        published = db.session.scalar(select(Round).where(Round.phase == "results_published"))
        assert published is not None
        ballots = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == published.id))
        roll = db.session.scalar(select(func.count()).select_from(VoterRoll).where(VoterRoll.round_id == published.id))
        assert ballots == roll > 0
        count = db.session.scalar(select(CountResult).where(CountResult.round_id == published.id, CountResult.is_published))
        assert count is not None and count.funded
        # Verification: the open round takes verified residents only; the demo resident matched the
        # demo's resident list; letters wait to be printed; one cluster waits for staff.
        assert voting.verified_only and not published.verified_only
        assert resident.verification == "list"
        assert db.session.scalar(select(func.count()).select_from(ResidentList)) == 1
        assert db.session.scalar(select(func.count()).select_from(VerificationLetter).where(
            VerificationLetter.printed_at.is_(None))) >= 3
        assert [g.kind for g in open_groups()] == ["shared-postcode"]
        assert db.session.scalar(select(func.count()).select_from(VoterRoll).where(
            VoterRoll.round_id == voting.id, VoterRoll.verification == "self-declared")) == 0
        # The demo resident has not voted in the voting round.
        assert db.session.scalar(select(func.count()).select_from(VoterRoll).where(
            VoterRoll.round_id == voting.id, VoterRoll.user_id == resident.id)) == 0


def test_demo_if_empty_does_not_load_twice(app, runner):
    runner.invoke(args=["pb", "demo-if-empty"])
    result = runner.invoke(args=["pb", "demo-if-empty"])
    assert "already has data" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "staff@example.org")) == 1


def test_reset_demo_empties_and_reloads(app, runner):
    runner.invoke(args=["pb", "demo", "--residents", "20"])
    result = runner.invoke(args=["pb", "reset-demo", "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "staff@example.org")) == 1


def test_production_refuses_demo(migrated_database):
    app = make_app(migrated_database, PB_ENV="production", SECRET_KEY="z" * 64)
    result = app.test_cli_runner().invoke(args=["pb", "demo"])
    assert result.exit_code == 2
    assert "cannot be loaded in production" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_unreachable_database_gives_one_clear_line():
    env = {**os.environ, "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/nowhere", "FLASK_APP": "wsgi"}
    proc = subprocess.run(
        [sys.executable, "-m", "flask", "pb", "init"], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0
    assert "DATABASE_URL" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len([line for line in proc.stderr.splitlines() if line.strip()]) == 1
