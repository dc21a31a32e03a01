"""Backups: a consistent copy of the database taken while pb serves, and putting a copy back.

SQLite: sqlite3's online backup API, copying the whole file in one step, so the copy is one
snapshot even while ballots are being written (WAL readers never wait for writers). The copy
is written beside PATH under a temporary name, checked with `PRAGMA integrity_check`, and only
then renamed to PATH: a failed backup never leaves half a file under PATH.

PostgreSQL: `pg_dump --format=custom` of the schema pb uses (one snapshot, in one transaction),
and `pg_restore --clean --if-exists --single-transaction` to put it back, so a restore is all
or nothing. The password goes to the tools in PGPASSWORD, never on their command line.

A restore refuses to replace a database that holds any ballots unless asked in so many words
(`overwrite_ballots`): ballots cannot be cast again. Both record an audit event (actor: the
command line): a backup in the live database, a restore in the restored one.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404 - runs pg_dump and pg_restore, with no shell
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import URL, func, inspect, select, text
from sqlalchemy.exc import OperationalError

from pb.domain.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from pb.domain.words import _, n_
from pb.extensions import db
from pb.models import Ballot, Round
from pb.services import audit
from pb.services.transaction import sqlite_write_turn, transaction

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# What makes a database pb's: Alembic's record of the schema, and the tables ballots live in.
PB_TABLES = ("alembic_version", "rounds", "users", "ballots", "voter_roll", "audit_events")


class BackupFailed(DomainError):
    """The copy could not be made or put back (a tool failed, the copy is damaged); nothing was replaced."""

    status_code = 500


@dataclass(frozen=True)
class BackupSummary:
    """What a backup or a restore did: the file, the database (password hidden), and what the copy holds."""

    path: Path
    database: str
    size_bytes: int
    ballots: int
    rounds: int
    revision: str | None
    replaced_ballots: int = 0      # a restore: the ballots the database held before it
    schema_is_current: bool = True  # a restore: False when the copy needs `flask pb init`


def backup_database(path: str | os.PathLike, *, replace: bool = False) -> BackupSummary:
    """Write a consistent copy of the live database to `path`, and audit it.

    Refuses (ValidationFailed) a `path` that exists (unless `replace`), is a folder, sits in a
    folder that does not exist, or is the live database itself. BackupFailed when the copy
    cannot be made or fails its check; ValidationFailed when pg_dump is not installed.
    """
    target = Path(path).expanduser().absolute()
    _check_backup_target(target, replace)
    if _is_sqlite():
        source = _sqlite_file()
        if not source.is_file():
            raise NotFound(_("There is no database file %(file)s yet: run `flask pb init` to create it.", file=source))
        if target.resolve() == source.resolve():
            raise ValidationFailed(_("%(file)s is pb's live database: choose another file for the backup.", file=target))
        write = lambda partial: _sqlite_copy(source, partial, standalone=True)  # noqa: E731
        read = _sqlite_contents
    else:
        dump = _pg_tool("pg_dump", f"pg_dump --format=custom --file=PATH '{_libpq_url()}'")
        options = ["--format=custom", f"--schema={_pg_schema()}"]  # pb's own schema, not the whole server's
        write = lambda partial: _pg_run([dump, *options, f"--file={partial}"])  # noqa: E731
        read = _pg_contents
    fd, partial_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(fd)
    partial = Path(partial_name)
    try:
        write(partial)
        contents = read(partial)
        if not contents.pb_tables:
            raise BackupFailed(_("The copy does not hold pb's tables (%(tables)s missing); is DATABASE_URL pb's database?",
                                 tables=", ".join(contents.missing)))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    summary = BackupSummary(path=target, database=_database_name(), size_bytes=target.stat().st_size,
                            ballots=contents.ballots, rounds=contents.rounds, revision=contents.revision)
    with transaction():
        audit.record(None, "database.backed_up", path=str(target), bytes=summary.size_bytes,
                     ballots=summary.ballots, rounds=summary.rounds, revision=summary.revision)
    return summary


def restore_database(path: str | os.PathLike, *, overwrite_ballots: bool = False) -> BackupSummary:
    """Replace the live database's contents with the backup at `path`, and audit it there.

    The file is checked first: it must exist, be a backup of the kind the live database takes
    (an SQLite file or a pg_dump archive), pass its integrity check and hold pb's tables at a
    schema revision this pb knows (NotFound, ValidationFailed). Refuses (NotAllowed) when the
    live database holds any ballot, unless `overwrite_ballots`. Nothing is changed by a refusal.
    On SQLite pb's own writers wait their turn while the restore runs, so no ballot is stored
    between the check and the copy; on PostgreSQL the restore is one transaction.
    """
    source = Path(path).expanduser().absolute()
    if not source.exists():
        raise NotFound(_("There is no file %(file)s.", file=source))
    if not source.is_file():
        raise ValidationFailed(_("%(file)s is not a file.", file=source))
    with source.open("rb") as handle:
        magic = handle.read(16)
    if _is_sqlite():
        if magic.startswith(PG_DUMP_MAGIC):
            raise ValidationFailed(_("%(file)s is a PostgreSQL backup, but pb's database here is SQLite.", file=source))
        if not magic.startswith(SQLITE_MAGIC):
            raise ValidationFailed(_("%(file)s is not an SQLite database (nor a pb backup).", file=source))
        live = _sqlite_file()
        if live.exists() and source.resolve() == live.resolve():
            raise ValidationFailed(_("%(file)s is pb's live database: there is nothing to restore.", file=source))
        contents = _checked_pb_copy(source, _sqlite_contents(source, damaged=ValidationFailed))
        with sqlite_write_turn():  # pb's writers queue behind the check and the copy
            replaced = _refuse_ballots_unless(overwrite_ballots)
            _sqlite_copy(source, live, standalone=False)
    else:
        if magic.startswith(SQLITE_MAGIC):
            raise ValidationFailed(_("%(file)s is an SQLite database, but pb's database here is PostgreSQL.", file=source))
        restore = _pg_tool("pg_restore", "pg_restore --clean --if-exists --no-owner --single-transaction "
                                         f"--dbname='{_libpq_url()}' '{source}'")
        contents = _checked_pb_copy(source, _pg_contents(source))
        schema = _pg_schema()
        if contents.schemas != {schema}:
            raise ValidationFailed(_("%(file)s is a backup of schema %(schemas)s, but pb uses schema %(schema)s here.",
                                     file=source, schemas=", ".join(sorted(contents.schemas)), schema=schema))
        replaced = _refuse_ballots_unless(overwrite_ballots)
        _pg_run([restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)])
    db.engine.dispose()  # connections opened before the restore must not serve what it replaced
    ballots, rounds = _live_counts()
    with transaction():
        audit.record(None, "database.restored", path=str(source), bytes=source.stat().st_size, ballots=ballots,
                     rounds=rounds, revision=contents.revision, replaced_ballots=replaced)
    return BackupSummary(path=source, database=_database_name(), size_bytes=source.stat().st_size, ballots=ballots,
                         rounds=rounds, revision=contents.revision, replaced_ballots=replaced,
                         schema_is_current=contents.revision == _schema_revisions()[0])


# ---------------------------------------------------------------- checks


@dataclass(frozen=True)
class _Contents:
    """What a copy holds: its tables, schema revision, ballots and rounds (and, for PostgreSQL, its schemas)."""

    tables: frozenset[str]
    revision: str | None
    ballots: int
    rounds: int
    schemas: frozenset[str] = frozenset()

    @property
    def missing(self) -> list[str]:
        return [t for t in PB_TABLES if t not in self.tables]

    @property
    def pb_tables(self) -> bool:
        return not self.missing and self.revision is not None


def _check_backup_target(target: Path, replace: bool) -> None:
    if target.is_dir():
        raise ValidationFailed(_("%(file)s is a folder: give the name of the backup file to write.", file=target))
    if not target.parent.is_dir():
        raise ValidationFailed(_("The folder %(folder)s does not exist.", folder=target.parent))
    if target.exists() and not replace:
        raise ValidationFailed(_("%(file)s exists already: choose a new name, or add --force to replace it.", file=target))


def _checked_pb_copy(source: Path, contents: _Contents) -> _Contents:
    """The copy's contents, if it is a pb database at a schema revision this pb knows (else ValidationFailed)."""
    if not contents.pb_tables:
        missing = ", ".join(contents.missing)
        raise ValidationFailed(_("%(file)s is not a pb database: it has no %(tables)s.", file=source, tables=missing)
                               if missing else _("%(file)s is not a pb database: it has no alembic_version row.", file=source))
    head, known = _schema_revisions()
    if contents.revision not in known:
        raise ValidationFailed(_("%(file)s is at schema revision %(revision)s, which this pb does not know (newest here: %(head)s): "
                                 "restore it with the pb that made it.", file=source, revision=contents.revision, head=head))
    return contents


def _refuse_ballots_unless(overwrite_ballots: bool) -> int:
    """The live database's ballots; NotAllowed if there are any and `overwrite_ballots` is not given."""
    ballots, _rounds = _live_counts()
    if ballots and not overwrite_ballots:
        raise NotAllowed(_("The database %(database)s holds %(ballots)s, which the restore would replace: nothing was changed. "
                           "Back it up first; to replace it anyway, run the restore again with --overwrite-ballots.",
                           database=_database_name(), ballots=n_("%(num)s ballot", "%(num)s ballots", ballots)))
    return ballots


def _live_counts() -> tuple[int, int]:
    """(ballots, rounds) in the live database; (0, 0) for an empty one. Ends the session's transaction."""
    try:
        if not inspect(db.engine).has_table(Ballot.__tablename__):
            return 0, 0
        return (db.session.scalar(select(func.count()).select_from(Ballot)),
                db.session.scalar(select(func.count()).select_from(Round)))
    except OperationalError as exc:
        raise BackupFailed(_("Cannot read the database %(database)s: %(error)s", database=_database_name(),
                             error=_first_line(str(exc.orig)))) from None
    finally:
        db.session.remove()  # a read transaction left open would hold locks the restore needs


def _schema_revisions() -> tuple[str | None, set[str]]:
    """(the newest migration, every migration) this pb has."""
    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    script = ScriptDirectory.from_config(config)
    return script.get_current_head(), {r.revision for r in script.walk_revisions()}


# ---------------------------------------------------------------- SQLite


def _is_sqlite() -> bool:
    return db.engine.url.get_backend_name() == "sqlite"


def _sqlite_file() -> Path:
    database = db.engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise ValidationFailed(_("pb's database is held in memory, not in a file: there is nothing to back up."))
    return Path(database).expanduser().absolute()


def _sqlite_connect(path: Path, mode: str) -> sqlite3.Connection:
    """A plain sqlite3 connection: mode "ro" (read only), "rw" (no new file) or "rwc"."""
    timeout = current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 30_000) / 1000
    return sqlite3.connect(f"{path.as_uri()}?mode={mode}", uri=True, timeout=timeout, isolation_level=None)


def _sqlite_copy(source: Path, target: Path, standalone: bool) -> None:
    """Copy the database `source` onto `target` with the online backup API, in one step (one snapshot).

    A `standalone` copy (a backup file) is left in rollback-journal mode, one file with no -wal
    beside it; a restored live database keeps its WAL mode.
    """
    try:
        src = _sqlite_connect(source, "rw")
    except sqlite3.Error as exc:
        raise BackupFailed(_("Cannot open the database %(file)s: %(error)s.", file=source, error=exc)) from None
    try:
        dst = _sqlite_connect(target, "rwc")
        try:
            src.backup(dst)  # pages=-1: every page in one step, under one read transaction
            if standalone:
                dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupFailed(_("The copy failed: %(error)s. Nothing was replaced.", error=exc)) from None
    finally:
        src.close()


def _sqlite_contents(path: Path, damaged: type[DomainError] = BackupFailed) -> _Contents:
    """What an SQLite file holds, after its integrity check (a failed one raises `damaged`)."""
    try:
        conn = _sqlite_connect(path, "ro")
    except sqlite3.Error as exc:
        raise ValidationFailed(_("%(file)s cannot be opened as an SQLite database: %(error)s.", file=path, error=exc)) from None
    try:
        check = conn.execute("PRAGMA integrity_check").fetchall()
        if check != [("ok",)]:
            raise damaged(_("%(file)s fails SQLite's integrity check: %(error)s.", file=path, error=check[0][0]))
        tables = frozenset(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        revision = ballots = rounds = None
        if "alembic_version" in tables:
            revision = (conn.execute("SELECT version_num FROM alembic_version").fetchone() or (None,))[0]
        if {"ballots", "rounds"} <= tables:
            ballots = conn.execute("SELECT count(*) FROM ballots").fetchone()[0]
            rounds = conn.execute("SELECT count(*) FROM rounds").fetchone()[0]
        return _Contents(tables, revision, ballots or 0, rounds or 0)
    except sqlite3.DatabaseError as exc:
        raise damaged(_("%(file)s is not a readable SQLite database: %(error)s.", file=path, error=exc)) from None
    finally:
        conn.close()


# ---------------------------------------------------------------- PostgreSQL


def _database_name() -> str:
    return db.engine.url.render_as_string(hide_password=True)


def _libpq_url() -> str:
    """The database as a libpq connection URI (no driver name, no password)."""
    url = db.engine.url
    return URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                      query=url.query).render_as_string(hide_password=False)


def _pg_tool(name: str, by_hand: str) -> str:
    """The path of PostgreSQL's client tool `name`; ValidationFailed saying how to run it by hand if it is missing."""
    found = shutil.which(name)
    if found is None:
        raise ValidationFailed(_("%(tool)s is not installed here, so pb cannot do this itself: install PostgreSQL's "
                                 "client tools (e.g. apt-get install postgresql-client), or run by hand: %(command)s",
                                 tool=name, command=by_hand))
    return found


def _pg_schema() -> str:
    """The schema pb's tables live in (public unless the URL's search_path says otherwise)."""
    try:
        return db.session.scalar(text("SELECT current_schema()"))
    except OperationalError as exc:
        raise BackupFailed(_("Cannot reach the database %(database)s: %(error)s", database=_database_name(),
                             error=_first_line(str(exc.orig)))) from None
    finally:
        db.session.remove()


def _tool(command: list[str], against_live: bool = False) -> subprocess.CompletedProcess:
    """Run a PostgreSQL client tool (found by _pg_tool; a list of arguments, no shell), with the live
    database as its --dbname and its password in PGPASSWORD when `against_live`."""
    env = dict(os.environ)
    if against_live:
        command = [command[0], f"--dbname={_libpq_url()}", *command[1:]]
        if db.engine.url.password:
            env["PGPASSWORD"] = db.engine.url.password
    return subprocess.run(command, env=env, capture_output=True, text=True)  # nosec B603 - no shell, pb's own arguments


def _pg_run(command: list[str]) -> None:
    """Run a PostgreSQL client tool against the live database; BackupFailed with its first error line if it fails."""
    result = _tool(command, against_live=True)
    if result.returncode != 0:
        name = Path(command[0]).name
        error = _first_line(result.stderr, name) or _("exit code %(code)s", code=result.returncode)
        raise BackupFailed(_("%(tool)s failed: %(error)s. Nothing was replaced.", tool=name, error=error))


_TOC_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA (\S+) (\S+) ")


def _pg_contents(path: Path) -> _Contents:
    """What a pg_dump archive holds, read with pg_restore --list and its data for three small tables."""
    pg_restore = _pg_tool("pg_restore", f"pg_restore --list '{path}'")
    listing = _tool([pg_restore, "--list", str(path)])
    if listing.returncode != 0:
        raise ValidationFailed(_("%(file)s is not a pg_dump archive in custom format (%(error)s).", file=path,
                                 error=_first_line(listing.stderr, "pg_restore")))
    data = [m.groups() for m in map(_TOC_DATA.match, listing.stdout.splitlines()) if m]
    tables = frozenset(table for _schema, table in data)

    def rows(table: str) -> list[str]:
        out = _tool([pg_restore, "--data-only", f"--table={table}", "--file=-", str(path)]) if table in tables else None
        if out is not None and out.returncode != 0:
            raise BackupFailed(_("%(file)s cannot be read: %(error)s.", file=path, error=_first_line(out.stderr, "pg_restore")))
        return _copy_rows(out.stdout) if out is not None else []

    versions = rows("alembic_version")
    return _Contents(tables, versions[0].split("\t")[0] if versions else None, len(rows("ballots")),
                     len(rows("rounds")), frozenset(schema for schema, _table in data))


def _copy_rows(sql: str) -> list[str]:
    """The data lines of the COPY blocks in pg_restore's SQL output."""
    found, inside = [], False
    for line in sql.splitlines():
        if inside:
            if line == "\\.":
                inside = False
            else:
                found.append(line)
        elif line.startswith("COPY ") and line.endswith("FROM stdin;"):
            inside = True
    return found


def _first_line(message: str, tool: str | None = None) -> str:
    """The first non-blank line of an error message (without a tool's "pg_dump: " in front)."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line.removeprefix(f"{tool}: ") if tool else line
