"""`flask pb backup` and `flask pb restore` (issue 16, item 10).

SQLite by default; PostgreSQL when PB_TEST_DATABASE_URL is set, where pg_dump and pg_restore
do the work. The only skip: a PostgreSQL run on a machine without PostgreSQL's client tools.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import AuditEvent, Ballot, EligibilityStatus, Role, User, VoterRoll
from pb.services.ballots import cast_ballot
from tests import factories
from tests.conftest import PG_URL, make_app
from tests.pg_schema import fresh_schema
from tests.voting.live import Browser, Server, new_database, run_together

PG_TOOLS = bool(shutil.which("pg_dump") and shutil.which("pg_restore"))


@pytest.fixture
def pg_tools():
    """On PostgreSQL, skip without pg_dump and pg_restore (fail instead when PB_REQUIRE_PG_TOOLS=1)."""
    if PG_URL and not PG_TOOLS:
        reason = "pg_dump/pg_restore are not installed (apt-get install postgresql-client)"
        if os.environ.get("PB_REQUIRE_PG_TOOLS") == "1":
            pytest.fail(f"{reason}; PB_REQUIRE_PG_TOOLS=1 says the PostgreSQL backup tests must run", pytrace=False)
        pytest.skip(reason)


needs_pg_tools = pytest.mark.usefixtures("pg_tools")


# ---------------------------------------------------------------- helpers


def migrated_app(url: str):
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return app


@pytest.fixture
def new_db(tmp_path):
    """make(name): an app on a fresh, migrated database of its own (an SQLite file, or a PostgreSQL schema)."""
    made = []

    def make(name: str, migrate: bool = True):
        url, drop = new_database(tmp_path, name)
        app = migrated_app(url) if migrate else make_app(url)
        made.append((app, drop))
        return app

    yield make
    for app, drop in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["pb", *map(str, args)])


def cast_some(app, n: int) -> int:
    """A round open for voting with n ballots cast through the ballot service; returns the round's id."""
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN)
        projects = [factories.make_proposal(round_).id for _ in range(3)]
        for i in range(n):
            cast_ballot(round_, factories.make_resident(), [projects[i % 3], projects[(i + 1) % 3]])
        db.session.remove()
        return round_.id


def ballot_rows(app) -> list[tuple]:
    with app.app_context():
        rows = sorted(db.session.execute(select(Ballot.key, Ballot.round_id, Ballot.ranking, Ballot.nonce)).all())
        db.session.remove()
        db.engine.dispose()
        return [tuple(r) for r in rows]


def audit_details(app, action: str) -> list[dict]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == action)))
        db.session.remove()
        return found


def one_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def schema_of(app) -> str:
    with app.app_context():
        schema = db.session.scalar(text("SELECT current_schema()"))
        db.session.remove()
        return schema


def empty_database_like(app, tmp_path: Path):
    """An empty database the backup of `app` can be restored into: a new SQLite file (no tables at all),
    or, on PostgreSQL, `app`'s own schema dropped and made again empty (an archive restores into its schema)."""
    if not PG_URL:
        empty = make_app(f"sqlite:///{tmp_path / 'empty.sqlite'}")
        conn = sqlite3.connect(tmp_path / "empty.sqlite")  # start-up's check made the file: it holds nothing
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
        conn.close()
        return empty
    schema = schema_of(app)
    with app.app_context():
        db.engine.dispose()
        with db.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        db.engine.dispose()
    return app


def archive_rows(path: Path, table: str) -> list[dict]:
    """The rows of `table` in a pg_dump archive, read with pg_restore (columns from its COPY line)."""
    out = subprocess.run(["pg_restore", "--data-only", f"--table={table}", "--file=-", str(path)],
                         capture_output=True, text=True, check=True).stdout
    rows, columns = [], None
    for line in out.splitlines():
        if columns is not None:
            if line == "\\.":
                columns = None
            else:
                rows.append(dict(zip(columns, line.split("\t"))))
        elif line.startswith("COPY ") and line.endswith("FROM stdin;"):
            columns = [c.strip() for c in line[line.index("(") + 1: line.rindex(")")].split(",")]
    return rows


def copy_counts(path: Path, round_id: int) -> tuple[int, int]:
    """(ballots, voter-roll rows) for the round in a backup, after checking the backup is sound."""
    if PG_URL:
        assert path.read_bytes()[:5] == b"PGDMP"
        subprocess.run(["pg_restore", "--list", str(path)], capture_output=True, check=True)
        ballots = [r for r in archive_rows(path, "ballots") if r["round_id"] == str(round_id)]
        roll = [r for r in archive_rows(path, "voter_roll") if r["round_id"] == str(round_id)]
        return len(ballots), len(roll)
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no -wal beside it
        return (conn.execute("SELECT count(*) FROM ballots WHERE round_id = ?", (round_id,)).fetchone()[0],
                conn.execute("SELECT count(*) FROM voter_roll WHERE round_id = ?", (round_id,)).fetchone()[0])
    finally:
        conn.close()


# ---------------------------------------------------------------- 1. a backup during a burst of ballots


@pytest.mark.slow
@pytest.mark.xdist_group("server")
@needs_pg_tools
def test_backups_taken_during_a_burst_of_ballots_are_consistent(tmp_path):
    url, drop = new_database(tmp_path, "backup")
    app = migrated_app(url)
    server = None
    try:
        server = Server(url, tmp_path, workers=4, threads=4)
        with app.app_context():
            round_ = factories.make_round(phase=Phase.VOTING_OPEN)
            round_id = round_.id
            projects = [factories.make_proposal(round_).id for _ in range(6)]
            password_hash = factories._hash(factories.PASSWORD)
            emails = [f"burst{i}@example.net" for i in range(200)]
            for i, email in enumerate(emails):
                db.session.add(User(role=Role.RESIDENT, name=f"Burst Voter {i}", name_key=f"burst voter {i}",
                                    email=email, password_hash=password_hash, date_of_birth=factories.date(1950, 1, 1),
                                    postcode="E8 1AB", eligibility_status=EligibilityStatus.ELIGIBLE,
                                    verification="staff"))
            db.session.commit()
            db.session.remove()
        voters = [Browser(server.port) for _ in emails]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda be: be[0].sign_in(be[1], factories.PASSWORD), zip(voters, emails)))

        successes = []
        lock = threading.Lock()
        started = threading.Event()
        burst_over = threading.Event()

        def cast(browser, i):
            r = browser.request("POST", f"/rounds/{round_id}/vote/cast",
                                {"rank1": str(projects[i % 6]), "rank2": str(projects[(i + 1) % 6])})
            if r.status == 303:
                with lock:
                    successes.append(r)
                    if len(successes) >= 20:
                        started.set()
            return r

        backups = []  # (acknowledged ballots when it began, path, CLI result, acknowledged when it ended)

        def back_up_until_the_burst_is_over():
            started.wait(60)
            while not burst_over.is_set() and len(backups) < 6:
                path = tmp_path / f"during-{len(backups)}.backup"
                before = len(successes)
                result = cli(app, "backup", path)
                backups.append((before, path, result, len(successes)))

        backer = threading.Thread(target=back_up_until_the_burst_is_over)
        backer.start()
        results = run_together([lambda b=b, i=i: cast(b, i) for i, b in enumerate(voters)])
        burst_over.set()
        backer.join(120)

        assert not [r for r in results if isinstance(r, Exception)], results[:3]
        assert [r.status for r in results] == [303] * 200, [r.status for r in results if r.status != 303][:5]
        log = server.errors()
        assert "Traceback" not in log and "database is locked" not in log, log[-3000:]
        with app.app_context():
            stored = (db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)),
                      db.session.scalar(select(func.count()).select_from(VoterRoll).where(VoterRoll.round_id == round_id)))
            db.session.remove()
        assert stored == (200, 200)
        assert backups, "no backup was taken"
        assert backups[0][0] < 200, "the first backup began only after the burst was over"
        for before, path, result, after in backups:
            assert result.exit_code == 0, result.output
            ballots, roll = copy_counts(path, round_id)
            # One snapshot: every ballot in the copy has its voter-roll row, and the other way round;
            # it holds every ballot acknowledged before it began, and none that were never stored.
            assert ballots == roll > 0, (ballots, roll)
            assert before <= ballots <= 200, (before, ballots, after)
            assert f"{ballots:,} ballot" in result.output
        assert len(audit_details(app, "database.backed_up")) == len(backups)
    finally:
        if server is not None:
            server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


# ---------------------------------------------------------------- 2. restore


@needs_pg_tools
def test_restore_refuses_a_database_holding_ballots_and_replaces_it_when_told_to(tmp_path, new_db):
    app = new_db("live")
    cast_some(app, 3)
    backup = tmp_path / "pb.backup"
    result = cli(app, "backup", backup)
    assert result.exit_code == 0, result.output
    assert "3 ballots in 1 round" in result.output and str(backup) in result.output
    assert backup.stat().st_size > 0
    [event] = audit_details(app, "database.backed_up")
    assert event["path"] == str(backup) and event["ballots"] == 3 and event["bytes"] == backup.stat().st_size
    at_backup = ballot_rows(app)
    cast_some(app, 2)
    now = ballot_rows(app)
    assert len(now) == 5

    refused = cli(app, "restore", backup)
    assert refused.exit_code == 2, refused.output
    line = one_line(refused)
    assert "holds 5 ballots" in line and "nothing was changed" in line and "--overwrite-ballots" in line
    assert ballot_rows(app) == now
    assert audit_details(app, "database.restored") == []

    result = cli(app, "restore", backup, "--overwrite-ballots")
    assert result.exit_code == 0, result.output
    assert "replacing 5 ballots" in result.output and "now holds 3 ballots in 1 round" in result.output
    assert ballot_rows(app) == at_backup
    # The restored database records the restore (the backup's own audit row came after the copy).
    [event] = audit_details(app, "database.restored")
    assert event["replaced_ballots"] == 5 and event["ballots"] == 3 and event["path"] == str(backup)
    assert audit_details(app, "database.backed_up") == []


@needs_pg_tools
def test_restore_into_an_empty_database_gives_back_the_same_ballots(tmp_path, new_db):
    app = new_db("source")
    round_id = cast_some(app, 4)
    original = ballot_rows(app)
    backup = tmp_path / "pb.backup"
    assert cli(app, "backup", backup).exit_code == 0

    target = empty_database_like(app, tmp_path)
    result = cli(target, "restore", backup)
    assert result.exit_code == 0, result.output
    assert "now holds 4 ballots in 1 round" in result.output and "replacing" not in result.output
    assert "pb init" not in result.output  # the copy's schema is this pb's newest
    assert ballot_rows(target) == original and len(original) == 4
    with target.app_context():
        assert db.session.scalar(select(func.count()).select_from(VoterRoll).where(VoterRoll.round_id == round_id)) == 4
        db.session.remove()
    # The restored database serves pb as the original did: `flask pb verify` reads the round.
    verify = cli(target, "verify", round_id)
    assert f"Verifying round {round_id}" in verify.output, verify.output


@pytest.mark.sqlite_only
def test_restore_keeps_the_live_sqlite_database_in_wal_mode(tmp_path, new_db):
    app = new_db("wal")
    cast_some(app, 1)
    backup = tmp_path / "pb.backup"
    assert cli(app, "backup", backup).exit_code == 0
    assert cli(app, "restore", backup, "--overwrite-ballots").exit_code == 0
    with app.app_context():
        live = Path(db.engine.url.database)
        db.engine.dispose()
    conn = sqlite3.connect(live)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


# ---------------------------------------------------------------- 3. bad input changes nothing


@pytest.fixture
def holding_a_ballot(app):
    """The test database with one ballot in it: what a bad restore must leave alone."""
    cast_some(app, 1)
    return ballot_rows(app)


def assert_unchanged(app, rows):
    assert ballot_rows(app) == rows
    assert audit_details(app, "database.restored") == []


def test_restore_of_a_missing_file_changes_nothing(app, tmp_path, holding_a_ballot):
    result = cli(app, "restore", tmp_path / "nowhere.backup", "--overwrite-ballots")
    assert result.exit_code == 2
    assert one_line(result) == f"Error: There is no file {tmp_path / 'nowhere.backup'}."
    assert_unchanged(app, holding_a_ballot)


def test_restore_of_a_folder_changes_nothing(app, tmp_path, holding_a_ballot):
    result = cli(app, "restore", tmp_path, "--overwrite-ballots")
    assert result.exit_code == 2
    assert one_line(result) == f"Error: {tmp_path} is not a file."
    assert_unchanged(app, holding_a_ballot)


@needs_pg_tools
def test_restore_of_a_text_file_changes_nothing(app, tmp_path, holding_a_ballot):
    notes = tmp_path / "notes.txt"
    notes.write_text("This is not a backup.\n" * 20)
    result = cli(app, "restore", notes, "--overwrite-ballots")
    assert result.exit_code == 2, result.output
    expected = "is not a pg_dump archive in custom format" if PG_URL else "is not an SQLite database"
    assert expected in one_line(result)
    assert_unchanged(app, holding_a_ballot)


def _foreign_sqlite(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT, ballots INTEGER)")
    conn.execute("INSERT INTO recipes VALUES ('soup', 3)")
    conn.commit()
    conn.close()
    return path


def test_restore_of_an_sqlite_file_that_is_not_pbs_changes_nothing(app, tmp_path, holding_a_ballot):
    result = cli(app, "restore", _foreign_sqlite(tmp_path / "recipes.sqlite"), "--overwrite-ballots")
    assert result.exit_code == 2, result.output
    if PG_URL:
        assert "is an SQLite database, but pb's database here is PostgreSQL" in one_line(result)
    else:
        assert "is not a pb database: it has no alembic_version, rounds, users, ballots" in one_line(result)
    assert_unchanged(app, holding_a_ballot)


@pytest.mark.sqlite_only
def test_restore_of_a_pb_database_from_an_unknown_schema_revision_changes_nothing(app, tmp_path, holding_a_ballot):
    backup = tmp_path / "pb.backup"
    assert cli(app, "backup", backup).exit_code == 0
    conn = sqlite3.connect(backup)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    result = cli(app, "restore", backup, "--overwrite-ballots")
    assert result.exit_code == 2, result.output
    assert "is at schema revision 9999, which this pb does not know" in one_line(result)
    assert_unchanged(app, holding_a_ballot)


@pytest.mark.sqlite_only
def test_restore_of_a_damaged_sqlite_file_changes_nothing(app, tmp_path, holding_a_ballot):
    backup = tmp_path / "pb.backup"
    assert cli(app, "backup", backup).exit_code == 0
    data = bytearray(backup.read_bytes())
    data[4096 * 2: 4096 * 6] = b"\xa5" * (4096 * 4)  # garble pages past the first
    backup.write_bytes(bytes(data))
    result = cli(app, "restore", backup, "--overwrite-ballots")
    assert result.exit_code == 2, result.output
    line = one_line(result)
    assert "fails SQLite's integrity check" in line or "is not a readable SQLite database" in line, line
    assert_unchanged(app, holding_a_ballot)


@pytest.mark.postgres_only
@needs_pg_tools
def test_restore_of_a_postgres_archive_that_is_not_pbs_changes_nothing(app, tmp_path, holding_a_ballot):
    url, drop = fresh_schema(PG_URL, f"pb_not_pb_{os.getpid()}")
    try:
        other = make_app(url)
        with other.app_context():
            with db.engine.begin() as conn:
                conn.execute(text("CREATE TABLE recipes (name text)"))
                conn.execute(text("INSERT INTO recipes VALUES ('soup')"))
            schema = db.session.scalar(text("SELECT current_schema()"))
            db.session.remove()
            db.engine.dispose()
        archive = tmp_path / "recipes.dump"
        subprocess.run(["pg_dump", "--format=custom", f"--schema={schema}", f"--file={archive}",
                        PG_URL.replace("postgresql+psycopg://", "postgresql://")], check=True)
    finally:
        drop()
    result = cli(app, "restore", archive, "--overwrite-ballots")
    assert result.exit_code == 2, result.output
    assert "is not a pb database" in one_line(result)
    assert_unchanged(app, holding_a_ballot)


def test_backup_will_not_overwrite_a_file_unless_forced(app, tmp_path, holding_a_ballot):
    existing = tmp_path / "yesterday.backup"
    existing.write_text("yesterday's backup")
    result = cli(app, "backup", existing)
    assert result.exit_code == 2
    assert one_line(result) == f"Error: {existing} exists already: choose a new name, or add --force to replace it."
    assert existing.read_text() == "yesterday's backup"
    assert audit_details(app, "database.backed_up") == []
    for bad, words in ((tmp_path / "missing" / "pb.backup", f"The folder {tmp_path / 'missing'} does not exist"),
                       (tmp_path, "is a folder")):
        result = cli(app, "backup", bad)
        assert result.exit_code == 2 and words in one_line(result)
    assert not (tmp_path / "missing").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["yesterday.backup"]


@needs_pg_tools
def test_backup_with_force_replaces_the_file(app, tmp_path, holding_a_ballot):
    existing = tmp_path / "yesterday.backup"
    existing.write_text("yesterday's backup")
    result = cli(app, "backup", existing, "--force")
    assert result.exit_code == 0, result.output
    assert "1 ballot in 1 round" in result.output
    magic = b"PGDMP" if PG_URL else b"SQLite format 3\x00"
    assert existing.read_bytes()[: len(magic)] == magic
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600  # residents' personal data: for its owner only
    assert sorted(p.name for p in tmp_path.iterdir()) == ["yesterday.backup"]  # no partial file left behind


@pytest.mark.sqlite_only
def test_backup_refuses_to_write_onto_the_live_database(app):
    with app.app_context():
        live = Path(db.engine.url.database)
    before = ballot_rows(app)
    result = cli(app, "backup", live, "--force")
    assert result.exit_code == 2
    assert "is pb's live database" in one_line(result)
    assert ballot_rows(app) == before


# ---------------------------------------------------------------- 4. PostgreSQL


@pytest.mark.postgres_only
@needs_pg_tools
def test_postgres_backup_is_a_custom_format_archive_of_pbs_schema(app, tmp_path, holding_a_ballot):
    archive = tmp_path / "pb.dump"
    result = cli(app, "backup", archive)
    assert result.exit_code == 0, result.output
    assert archive.stat().st_size > 0 and archive.read_bytes()[:5] == b"PGDMP"
    listing = subprocess.run(["pg_restore", "--list", str(archive)], capture_output=True, text=True, check=True).stdout
    schema = schema_of(app)
    assert f"TABLE DATA {schema} ballots " in listing
    assert {line.split()[5] for line in listing.splitlines() if " TABLE DATA " in line} == {schema}
    assert len(archive_rows(archive, "ballots")) == 1
    assert "1 ballot in 1 round" in result.output


def _fake_tool(folder: Path, name: str) -> Path:
    """A stand-in for a PostgreSQL tool: it records its arguments and PGPASSWORD, then fails."""
    folder.mkdir(exist_ok=True)
    tool = folder / name
    tool.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"json.dump({{'argv': sys.argv, 'password': os.environ.get('PGPASSWORD')}}, open({str(folder / 'call.json')!r}, 'w'))\n"
        f"sys.stderr.write('{name}: error: connection to server failed (simulated)\\n')\n"
        "sys.exit(1)\n"
    )
    tool.chmod(0o755)
    return tool


@pytest.mark.postgres_only
def test_pg_dump_gets_the_password_in_its_environment_and_a_failure_leaves_nothing(tmp_path, monkeypatch):
    # The test server trusts local connections, so the password is accepted and not needed.
    url = PG_URL.replace("postgresql+psycopg://postgres@", "postgresql+psycopg://postgres:s3cret-pw@", 1)
    assert "s3cret-pw" in url
    app = make_app(url)
    tools = tmp_path / "bin"
    _fake_tool(tools, "pg_dump")
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "out"
    out.mkdir()
    result = cli(app, "backup", out / "pb.dump")
    assert result.exit_code == 1, result.output
    assert one_line(result) == "Error: pg_dump failed: error: connection to server failed (simulated). Nothing was replaced."
    call = json.loads((tools / "call.json").read_text())
    assert call["password"] == "s3cret-pw"
    assert not any("s3cret-pw" in arg for arg in call["argv"]), call["argv"]
    assert "--format=custom" in call["argv"] and any(a.startswith("--schema=") for a in call["argv"])
    assert list(out.iterdir()) == []  # neither the backup nor its partial file


def test_without_pg_dump_backup_explains_how_to_run_it_by_hand(tmp_path, monkeypatch):
    # A PostgreSQL configuration, no server needed: the missing tool is found before anything connects.
    app = make_app("postgresql+psycopg://pb:s3cret-pw@127.0.0.1:1/pb", PB_SKIP_DB_CHECK=True)
    empty = tmp_path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("pg_dump") is None
    result = cli(app, "backup", tmp_path / "pb.dump")
    assert result.exit_code == 2, result.output
    line = one_line(result)
    assert line.startswith("Error: pg_dump is not installed here")
    assert "apt-get install postgresql-client" in line
    assert line.endswith("run by hand: pg_dump --format=custom --file=PATH 'postgresql://pb@127.0.0.1:1/pb'")
    assert "s3cret-pw" not in result.output
    assert not (tmp_path / "pb.dump").exists()

    archive = tmp_path / "pb-old.dump"
    archive.write_bytes(b"PGDMP" + b"\0" * 100)
    result = cli(app, "restore", archive)
    assert result.exit_code == 2, result.output
    line = one_line(result)
    assert line.startswith("Error: pg_restore is not installed here")
    assert f"pg_restore --clean --if-exists --no-owner --single-transaction --dbname='postgresql://pb@127.0.0.1:1/pb' '{archive}'" in line
