"""`flask pb ...`: set up the database, staff accounts and the demo."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from pb.database import upgrade_database, wipe_database
from pb.domain.errors import DomainError
from pb.domain.words import _, n_
from pb.services import backups, staff_accounts
from pb.services.suspicious_registrations import purge_network_keys

pb_cli = AppGroup("pb", help="Run and look after a pb site.")


@pb_cli.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database, or bring it up to date, and compile the language catalogs."""
    # Here, not at the top: only this command compiles the catalogs.
    from pb.i18n import compile_catalogs

    upgrade_database()
    compile_catalogs()
    click.echo(_("Database is ready."))


@pb_cli.command("create-staff")
@click.argument("email")
@click.option("--name", default=None, help="The staff member's name (default: from the email).")
@click.option("--admin", is_flag=True, help="Make an administrator, who can add and switch off staff accounts.")
@click.password_option("--password", prompt="Password", help="At least 8 characters.")
@with_appcontext
def create_staff_command(email: str, name: str | None, admin: bool, password: str) -> None:
    """Add a staff account (asks for the password)."""
    try:
        user = staff_accounts.create_staff(
            actor=None, email=email, name=name or email.split("@")[0].replace(".", " ").title(),
            password=password, admin=admin,
        )
    except DomainError as exc:
        click.echo(_("Error: %(error)s", error=exc.message), err=True)
        sys.exit(2)
    if user.is_admin:
        click.echo(_("Created administrator account %(email)s.", email=user.email))
    else:
        click.echo(_("Created staff account %(email)s.", email=user.email))


@pb_cli.command("demo")
@click.option("--seed", default=2026, show_default=True, help="Seed for the generated residents and ballots.")
@click.option("--residents", default=300, show_default=True, help="How many residents to generate.")
@with_appcontext
def demo_command(seed: int, residents: int) -> None:
    """Load a realistic Hackney demo (refused in production)."""
    # Here, not at the top: the demo brings in Faker, which serving pages never needs.
    from pb.demo import load_demo

    if not current_app.config.get("ALLOW_DEMO"):
        click.echo(_("Error: the demo cannot be loaded in production."), err=True)
        sys.exit(2)
    summary = load_demo(seed=seed, residents=residents)
    click.echo(summary)


@pb_cli.command("reset-demo")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def reset_demo_command(yes: bool) -> None:
    """Empty the database and load the demo again (refused in production)."""
    # Here, not at the top: the demo brings in Faker, which serving pages never needs.
    from pb.demo import load_demo

    if not current_app.config.get("ALLOW_DEMO"):
        click.echo(_("Error: the demo cannot be reset in production."), err=True)
        sys.exit(2)
    if not yes:
        click.confirm(_("This deletes everything in the database. Continue?"), abort=True)
    wipe_database()
    click.echo(load_demo())


@pb_cli.command("demo-if-empty")
@with_appcontext
def demo_if_empty_command() -> None:
    """Load the demo only when the database has no rounds (used by `make run`)."""
    # Here, not at the top: the demo brings in Faker, which serving pages never needs.
    from pb.demo import database_is_empty, load_demo

    if not current_app.config.get("ALLOW_DEMO"):
        return
    if database_is_empty():
        click.echo(load_demo())
    else:
        click.echo(_("The database already has data; the demo was not loaded."))


from pb.results.commands import verify_command; pb_cli.add_command(verify_command)  # noqa: E402,E702


@pb_cli.command("purge-network-keys")
@with_appcontext
def purge_network_keys_command() -> None:
    """Delete the network hashes of registrations older than 90 days (run daily, e.g. from cron)."""
    n = purge_network_keys()
    click.echo(n_("Deleted the network hash of %(num)s registration older than 90 days.",
                  "Deleted the network hash of %(num)s registrations older than 90 days.", n))


@pb_cli.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists already.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Write a consistent copy of the database to PATH while pb keeps serving.

    SQLite: a copy of the database file (sqlite3's online backup API). PostgreSQL: a pg_dump
    archive in custom format (needs pg_dump). Exits 2 for a PATH that exists (without --force)
    or a missing pg_dump, 1 if the copy fails; nothing is left at PATH then.
    """
    try:
        copy = backups.backup_database(path, replace=force)
    except DomainError as exc:
        click.echo(_("Error: %(error)s", error=exc.message), err=True)
        sys.exit(1 if isinstance(exc, backups.BackupFailed) else 2)
    # TRANSLATORS: printed for staff; %(ballots)s is "12 ballots", %(rounds)s is "3 rounds".
    click.echo(_("Backed up %(database)s to %(path)s: %(size)s, %(ballots)s in %(rounds)s (schema %(revision)s).",
                 database=copy.database, path=copy.path, size=_size(copy.size_bytes), ballots=_ballots(copy.ballots),
                 rounds=_rounds(copy.rounds), revision=copy.revision))


@pb_cli.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--overwrite-ballots", is_flag=True,
              help="Restore even though the database holds ballots, which are then lost.")
@with_appcontext
def restore_command(path: Path, overwrite_ballots: bool) -> None:
    """Replace the database's contents with the backup at PATH (made by `flask pb backup`).

    Refuses (exit 2, nothing changed) a file that is not a pb backup, and a database that holds
    any ballots unless --overwrite-ballots is given. Exits 1 if the restore itself fails.
    Restart pb's workers afterwards.
    """
    try:
        copy = backups.restore_database(path, overwrite_ballots=overwrite_ballots)
    except DomainError as exc:
        click.echo(_("Error: %(error)s", error=exc.message), err=True)
        sys.exit(1 if isinstance(exc, backups.BackupFailed) else 2)
    values = dict(path=copy.path, size=_size(copy.size_bytes), database=copy.database, ballots=_ballots(copy.ballots),
                  rounds=_rounds(copy.rounds), revision=copy.revision)
    if copy.replaced_ballots:
        click.echo(_("Restored %(path)s (%(size)s) into %(database)s, replacing %(replaced)s: it now holds "
                     "%(ballots)s in %(rounds)s (schema %(revision)s).", replaced=_ballots(copy.replaced_ballots),
                     **values))
    else:
        click.echo(_("Restored %(path)s (%(size)s) into %(database)s: it now holds "
                     "%(ballots)s in %(rounds)s (schema %(revision)s).", **values))
    if not copy.schema_is_current:
        click.echo(_("The backup's schema is older than this pb's: run `flask pb init` to bring it up to date."))


def _ballots(n: int) -> str:
    return n_("%(count)s ballot", "%(count)s ballots", n, count=format(n, ","))


def _rounds(n: int) -> str:
    return n_("%(count)s round", "%(count)s rounds", n, count=format(n, ","))


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return n_("%(num)s byte", "%(num)s bytes", n)
