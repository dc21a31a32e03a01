"""Benchmark: importing a 200,000-row resident list through the service, against named baselines.

    .venv/bin/python bench/import_resident_list.py [--rows 200000] [--residents 2000] [--repeat 3]

For each database (SQLite always; PostgreSQL when PB_TEST_DATABASE_URL is set) it:

1. prepares a fresh database (migrations), an administrator, and `--residents` self-declared
   residents, half of whom are on the list;
2. writes a CSV file of `--rows` residents (random names made from Faker's en_GB names, dates of
   birth from 1930 to 1976, Hackney postcodes), about 8 MB;
3. times `pb.services.resident_lists.upload_list` on it: reading and checking every row,
   the keyed hashes, the entries' bulk insert, matching the self-declared residents and
   the audit rows, committed;
4. in the same run, times two baselines on the same file and database:
   - "parse + hash": `parse_resident_list` and the keyed hash of every row, no database;
   - "plain executemany": one INSERT … executemany of the same number of (list, hash) rows
     through the driver's cursor, committed, with nothing else;
   and prints the import's time next to them, as ratios.

Runs alternate (import, baselines), the database is emptied of the list between runs and the
residents made self-declared again; the best of `--repeat` runs of each is reported. Target:
the import of 200,000 rows under 30 s, and every resident on the list matched.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 30.0
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
OUTWARD = ["E2", "E5", "E8", "E9", "N16", "E1", "N1"]


def make_people(rows: int, seed: int = 2026) -> list[tuple[str, date, str]]:
    """`rows` different people: (name, date of birth, postcode)."""
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(seed)
    rng = random.Random(seed)  # nosec B311 - made-up residents, not a secret
    first = sorted({fake.first_name() for _ in range(3000)})
    last = sorted({fake.last_name() for _ in range(3000)})
    start = date(1930, 1, 1)
    days = (date(1976, 12, 31) - start).days
    seen: set[tuple[str, date, str]] = set()
    people: list[tuple[str, date, str]] = []
    while len(people) < rows:
        person = (f"{rng.choice(first)} {rng.choice(last)}", start + timedelta(days=rng.randrange(days)),
                  f"{rng.choice(OUTWARD)} {rng.randrange(10)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}")
        key = (person[0].lower(), person[1], person[2])
        if key not in seen:
            seen.add(key)
            people.append(person)
    return people


def csv_bytes(people) -> bytes:
    lines = ["Name,Date of birth,Postcode"] + [f"{n},{b:%d/%m/%Y},{p}" for n, b, p in people]
    return ("\n".join(lines) + "\n").encode()


def bench_config(database_url: str) -> dict:
    return {"PB_ENV": "production", "SECRET_KEY": "bench-" + "k" * 40, "SQLALCHEMY_DATABASE_URI": database_url}


def prepare(app, people, residents: int) -> tuple[int, list[int]]:
    """Migrate; add an administrator and `residents` self-declared residents (half of them from `people`)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from pb.extensions import db
    from pb.models import User

    with contextlib.redirect_stderr(io.StringIO()):  # Alembic's INFO lines
        upgrade()
    admin = User(role="admin", name="Bench Admin", name_key="bench admin", email="admin@example.org",
                 eligibility_status="refused")
    db.session.add(admin)
    db.session.commit()
    rng = random.Random(7)  # nosec B311 - which made-up residents are on the list
    listed = rng.sample(people, residents // 2)
    others = [(f"Not Listed {i}", date(1950, 1, 1) + timedelta(days=i), "E8 1AB") for i in range(residents - len(listed))]
    rows = [{"role": "resident", "name": n, "name_key": n.lower(), "date_of_birth": b, "postcode": p,
             "eligibility_status": "eligible", "verification": "self-declared", "session_token": f"t{i}",
             "is_active_account": True}
            for i, (n, b, p) in enumerate(listed + others)]
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(User), rows[start:start + 1000])
    db.session.commit()
    ids = list(db.session.scalars(select(User.id).where(User.role == "resident")))
    return admin.id, ids


def reset(app) -> None:
    """Remove every list and make every resident self-declared again (the audit rows stay)."""
    from sqlalchemy import delete, update

    from pb.extensions import db
    from pb.models import ResidentList, ResidentListEntry, User

    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(update(User.__table__).where(User.role == "resident").values(
            verification="self-declared", verified_at=None, verified_by_id=None, verification_note=None,
            verified_list_id=None))
        conn.execute(delete(ResidentListEntry.__table__))
        conn.execute(delete(ResidentList.__table__))


def time_import(app, admin_id: int, data: bytes) -> tuple[float, object]:
    from pb.extensions import db
    from pb.models import User
    from pb.services import resident_lists

    admin = db.session.get(User, admin_id)
    started = time.perf_counter()
    change = resident_lists.upload_list(admin, "Benchmark list", "bench/import_resident_list.py", data)
    return time.perf_counter() - started, change


def time_parse_and_hash(data: bytes) -> tuple[float, list[str]]:
    from pb.domain.resident_list import parse_resident_list
    from pb.services.keyed_hash import RESIDENT_LIST, keyed_hash

    started = time.perf_counter()
    hashes = [keyed_hash(RESIDENT_LIST, row.identity) for row in parse_resident_list(data)]
    return time.perf_counter() - started, hashes


def time_executemany(app, hashes: list[str]) -> float:
    """One list row, then every hash inserted by the driver's executemany, committed: the database's floor."""
    from sqlalchemy import insert

    from pb.extensions import db
    from pb.models import ResidentList

    with db.engine.begin() as conn:
        list_id = conn.execute(insert(ResidentList.__table__).values(name="Baseline", source="", row_count=0)
                               .returning(ResidentList.__table__.c.id)).scalar_one()
    raw = db.engine.raw_connection()
    try:
        placeholder = "?" if db.engine.dialect.paramstyle == "qmark" else "%s"
        rows = [(list_id, h) for h in sorted(hashes)]
        started = time.perf_counter()
        cursor = raw.cursor()
        if db.engine.dialect.name == "sqlite":  # pb leaves transactions to its own BEGIN (pb.database)
            cursor.execute("BEGIN IMMEDIATE")
        cursor.executemany(f"INSERT INTO resident_list_entries (list_id, identity_hash) VALUES "
                           f"({placeholder}, {placeholder})", rows)
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def run(label: str, database_url: str, people, data: bytes, residents: int, repeat: int) -> bool:
    from pb import create_app
    from pb.extensions import db

    app = create_app(bench_config(database_url))
    with app.app_context():
        admin_id, _ = prepare(app, people, residents)
        imports, parses, inserts = [], [], []
        change = None
        for _ in range(repeat):
            reset(app)
            seconds, change = time_import(app, admin_id, data)
            imports.append(seconds)
            reset(app)
            seconds, hashes = time_parse_and_hash(data)
            parses.append(seconds)
            inserts.append(time_executemany(app, hashes))
        reset(app)
        db.session.remove()
        db.engine.dispose()
    best_import, best_parse, best_insert = min(imports), min(parses), min(inserts)
    floor = best_parse + best_insert
    print(f"\n{label}: {change.rows:,} rows, {residents:,} self-declared residents ({change.matched:,} matched), "
          f"best of {repeat}")
    print(f"  {'import through upload_list':38} {best_import:7.2f} s   (runs: {', '.join(f'{s:.2f}' for s in imports)})")
    print(f"  {'baseline: parse + hash':38} {best_parse:7.2f} s   import is {best_import / best_parse:.2f}x")
    print(f"  {'baseline: plain executemany':38} {best_insert:7.2f} s   import is {best_import / best_insert:.2f}x")
    print(f"  {'baseline: parse + hash + executemany':38} {floor:7.2f} s   import is {best_import / floor:.2f}x")
    ok = best_import < TARGET_SECONDS and change.matched == residents // 2
    print(f"  target: under {TARGET_SECONDS:.0f} s and every listed resident matched: {'met' if ok else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--residents", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    people = make_people(args.rows)
    data = csv_bytes(people)
    print(f"bench/import_resident_list.py: a CSV of {args.rows:,} rows, {len(data) / 1024 / 1024:.1f} MB "
          f"(made in {time.perf_counter() - started:.1f} s)")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results.append(run("SQLite", f"sqlite:///{folder}/bench.sqlite", people, data, args.residents, args.repeat))
    pg = os.environ.get("PB_TEST_DATABASE_URL")
    if pg:
        from tests.pg_schema import fresh_schema

        url, drop = fresh_schema(pg, f"pb_bench_lists_{os.getpid()}")
        try:
            results.append(run("PostgreSQL", url, people, data, args.residents, args.repeat))
        finally:
            drop()
    else:
        print("\nPostgreSQL: not run (set PB_TEST_DATABASE_URL to include it)")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
