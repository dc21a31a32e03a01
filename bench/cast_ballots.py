"""Benchmark: casting ballots through the real stack, against a bare Flask endpoint served the same way.

    .venv/bin/python bench/cast_ballots.py [--clients 20] [--requests 1500] [--repeat 5]
                                           [--workers 4] [--worker-class sync|gthread --threads 8]

For each database (SQLite always; PostgreSQL when PB_BENCH_DATABASE_URL is set or a server
answers at 127.0.0.1:5432) it:

1. prepares a fresh database (migrations), a round open for voting with 20 shortlisted
   projects, and one eligible resident per request;
2. starts gunicorn on a loopback port with pb's production settings (PB_ENV=production,
   CSRF on) and gives each client a signed-in session with its CSRF token — the cookie the
   sign-in page would set, made with the app's own session serialiser, because signing in
   (scrypt) is not what is measured here;
3. casts one ballot per resident from N concurrent clients, timing every
   POST /rounds/<id>/vote/cast;
4. checks that the ballots and voter-roll rows stored equal the successful responses;
5. prints where each request's CPU went (Linux): gunicorn's processes, the clients, a local
   PostgreSQL server's processes, and the whole machine. Clients, servers and the database
   share this machine's cores, so the ratio of the machine's CPU per request to the bare
   endpoint's is the throughput ratio a fully busy machine can reach.

gunicorn runs as README's production section runs it: `--workers 4` sync workers (behind
a reverse proxy in production, which opens a connection per request as these clients
then do). `--worker-class gthread --threads N` serves with threads and keep-alive instead;
there a thread holding SQLite's write lock waits for the GIL at every database call,
behind the other threads of its worker, so ballots are stored at a fraction of that rate.

The bare endpoint (bench/bare_app.py: a Flask app whose POST / reads the form and returns
"ok") is served by the same gunicorn command line and loaded by the same clients, in the
same run: its throughput is the ceiling of this machine, Python, gunicorn and the client.
Runs alternate between the servers, so a busy moment on the machine hits each alike.
Targets: ballots/s at least 40% of the bare endpoint's requests/s, p99 under 250 ms with
20 clients, nothing lost.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.voting.live import free_port, stop_process, wait_for_server  # noqa: E402 - needs the project root on sys.path

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PROJECTS = 20


# ---------------------------------------------------------------- servers


class Gunicorn:
    def __init__(self, app: str, env: dict, workers: int, threads: int, logdir: Path, worker_class: str = "sync"):
        self.port = free_port()
        self.log = logdir / f"gunicorn-{self.port}.log"
        gunicorn = Path(sys.executable).parent / "gunicorn"
        args = [str(gunicorn), "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                "--timeout", "120", "--backlog", "2048", "--error-logfile", str(self.log)]
        args += ["--worker-class", worker_class]
        if worker_class == "gthread":
            args += ["--threads", str(threads)]
        self.proc = subprocess.Popen(args + [app], cwd=ROOT, env={**os.environ, **env},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        problem = wait_for_server(self.proc, self._answers, 40)
        if problem:
            self.stop()
            raise SystemExit(f"gunicorn for {app} {problem}:\n{self.log.read_text(errors='replace')}")

    def _answers(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/")
            return conn.getresponse().status == 200
        finally:
            conn.close()

    def stop(self) -> None:
        stop_process(self.proc)


# ---------------------------------------------------------------- CPU accounting (Linux /proc)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_cpu(pids) -> dict[int, float]:
    """User + system CPU seconds used so far by each of `pids` that is still running."""
    used = {}
    for pid in pids:
        fields = _proc_stat(pid)
        if fields:
            used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return used


def _all_pids() -> list[int]:
    try:
        return [int(d) for d in os.listdir("/proc") if d.isdigit()]
    except OSError:
        return []


def server_pids(master: int) -> list[int]:
    """gunicorn's master and its workers, as they are now."""
    return [master] + [pid for pid in _all_pids() if (_proc_stat(pid) or ["", ""])[1] == str(master)]


def machine_busy() -> float:
    """CPU seconds the whole machine has spent on user, system and interrupt work so far (all cores)."""
    try:
        with open("/proc/stat") as fh:
            user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fh.readline().split()[1:8])
    except (OSError, ValueError):
        return 0.0
    return (user + nice + system + irq + softirq) / CLOCK_TICKS


class PostgresProcesses:
    """The PostgreSQL server processes working for one benchmark: its own sessions (by application
    name) and the server's background processes (WAL writer, checkpointer, autovacuum …), as they are
    now. Other databases' sessions on a shared server are left out."""

    def __init__(self, database_url: str, application_name: str):
        self.url = database_url
        self.application_name = application_name

    def pids(self) -> list[int]:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        engine = create_engine(self.url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = :name OR backend_type <> 'client backend'"
                ), {"name": self.application_name}).scalars())
        finally:
            engine.dispose()


@dataclass
class CpuUse:
    """CPU milliseconds per request, by where they were spent."""

    server: float
    client: float
    database: float
    machine: float


@dataclass
class CpuReading:
    server: dict[int, float]
    client: float
    database: dict[int, float]
    machine: float


class CpuMeter:
    def __init__(self, server_master: int, database: PostgresProcesses | None):
        self.server_master = server_master
        self.database = database

    def read(self) -> CpuReading:
        database = process_cpu(self.database.pids()) if self.database else {}
        return CpuReading(process_cpu(server_pids(self.server_master)), time.process_time(), database, machine_busy())

    @staticmethod
    def per_request(before: CpuReading, after: CpuReading, requests: int) -> CpuUse:
        def used(b: dict[int, float], a: dict[int, float]) -> float:
            # A process that started during the run counts from its start; one that ended is not seen.
            return sum(cpu - b.get(pid, 0.0) for pid, cpu in a.items())

        seconds = (used(before.server, after.server), after.client - before.client,
                   used(before.database, after.database), after.machine - before.machine)
        return CpuUse(*(1000 * s / max(requests, 1) for s in seconds))


# ---------------------------------------------------------------- load


@dataclass
class Job:
    path: str
    body: str
    cookie: str | None


@dataclass
class Result:
    label: str
    requests: int
    ok: int
    other: dict
    seconds: float
    latencies_ms: list[float]
    cpu: CpuUse | None = None

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        xs = sorted(self.latencies_ms)
        if not xs:
            return float("nan")
        return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def run_load(label: str, port: int, jobs: list[Job], clients: int, ok_status: int) -> Result:
    """Send every job once from `clients` threads, each on its own keep-alive connection."""
    lock = threading.Lock()
    next_job = iter(range(len(jobs)))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start_gate = threading.Barrier(clients + 1)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start_gate.wait()
        while True:
            with lock:
                i = next(next_job, None)
            if i is None:
                break
            job = jobs[i]
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if job.cookie:
                headers["Cookie"] = job.cookie
            t0 = time.perf_counter()
            for attempt in range(2):
                try:
                    conn.request("POST", job.path, body=job.body, headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    break
                except (http.client.HTTPException, OSError):
                    conn.close()  # the server closed a kept-alive connection: reconnect once
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    if attempt:
                        raise
            elapsed = (time.perf_counter() - t0) * 1000
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            with lock:
                latencies.append(elapsed)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    start_gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    ok = statuses.pop(ok_status, 0)
    return Result(label, len(jobs), ok, statuses, seconds, latencies)


# ---------------------------------------------------------------- pb data


def pb_config(database_url: str, secret: str) -> dict:
    return {"PB_ENV": "production", "SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": database_url}


def prepare(database_url: str, secret: str, voters: int):
    """Migrate, create a voting round with 20 projects and `voters` residents; return (round id, project ids, cookies)."""
    from flask import g, session
    from flask_login import login_user
    from flask_migrate import upgrade
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import insert, select

    from pb import create_app
    from pb.extensions import db
    from pb.models import Proposal, Round, User

    app = create_app(pb_config(database_url, secret))
    with app.app_context():
        with contextlib.redirect_stderr(io.StringIO()):  # Alembic's INFO lines
            upgrade()
        round_ = Round(title="Benchmark round", description="", area_name="Hackney", budget_pence=10_000_000,
                       phase="voting_open", age_reference_date=date(2026, 6, 1), min_age=50,
                       accepted_postcodes="E8", min_ranks=1, max_ranks=3)
        db.session.add(round_)
        db.session.flush()
        for n in range(PROJECTS):
            db.session.add(Proposal(round_id=round_.id, title=f"Project {n + 1:02d}", summary="A project.",
                                    description="A project.", cost_pence=100_000 + 5_000 * n, category="Learning",
                                    status="shortlisted"))
        db.session.commit()
        round_id = round_.id
        project_ids = list(db.session.scalars(select(Proposal.id).where(Proposal.round_id == round_id)))
        now = datetime.now(UTC)
        rows = [{"role": "resident", "name": f"Bench Voter {i}", "name_key": f"bench voter {i}",
                 "email": f"bench{i}@example.net", "date_of_birth": date(1950, 1, 1), "postcode": "E8 1AB",
                 "eligibility_status": "eligible", "session_token": secrets.token_hex(32),
                 "verification": "staff", "verified_at": now,  # verified-only is the default for new rounds
                 "is_active_account": True, "created_at": now}
                for i in range(voters)]
        for chunk in range(0, len(rows), 1000):
            db.session.execute(insert(User), rows[chunk:chunk + 1000])
        db.session.commit()
        users = list(db.session.scalars(select(User).where(User.email.like("bench%")).order_by(User.id)))
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = []
        for user in users:
            with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
                g.pop("csrf_token", None)  # g lives in the app context, shared by these request contexts
                login_user(user)
                token = generate_csrf()
                cookies.append((f"session={serializer.dumps(dict(session))}", token))
        db.session.remove()
        db.engine.dispose()
    return round_id, project_ids, cookies


def count_stored(database_url: str, secret: str, round_id: int) -> tuple[int, int]:
    from sqlalchemy import func, select

    from pb import create_app
    from pb.extensions import db
    from pb.models import Ballot, VoterRoll

    app = create_app(pb_config(database_url, secret))
    with app.app_context():
        b = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id))
        v = db.session.scalar(select(func.count()).select_from(VoterRoll).where(VoterRoll.round_id == round_id))
        db.session.remove()
        db.engine.dispose()
    return b, v


def postgres_url() -> str | None:
    url = os.environ.get("PB_BENCH_DATABASE_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return DEFAULT_PG
    except OSError:
        return None


def pg_schema(base_url: str):
    from tests.pg_schema import fresh_schema

    return fresh_schema(base_url, f"pb_bench_{os.getpid()}")


# ---------------------------------------------------------------- the run


@dataclass
class Target:
    """One server under test and the requests it will get, one slice per repetition."""

    label: str
    server: Gunicorn
    jobs: list[Job]
    ok_status: int
    check: object = None  # () -> (ballots, voter-roll rows) stored by the measured runs
    database: PostgresProcesses | None = None  # a local database server's processes, for CPU use
    results: list[Result] = field(default_factory=list)

    def slice(self, n: int, size: int) -> list[Job]:
        return self.jobs[n * size:(n + 1) * size]


def pb_target(label: str, database_url: str, args, logdir: Path) -> Target:
    secret = secrets.token_hex(32)
    warm = args.clients * 2
    round_id, projects, cookies = prepare(database_url, secret, warm + args.requests * args.repeat)
    rng = random.Random(2026)  # nosec B311 - benchmark rankings, not a secret
    jobs = []
    for cookie, token in cookies:
        ranking = rng.sample(projects, 3)
        body = urlencode({"csrf_token": token, **{f"rank{i + 1}": str(p) for i, p in enumerate(ranking)}})
        jobs.append(Job(f"/rounds/{round_id}/vote/cast", body, cookie))
    served_url = database_url
    application_name = f"pb-bench-{os.getpid()}-{secrets.token_hex(4)}"
    if database_url.startswith("postgresql"):  # names the server's sessions for this run, to measure their CPU
        served_url += ("&" if "?" in database_url else "?") + f"application_name={application_name}"
    env = {"PB_BENCH_SECRET": secret, "PB_BENCH_DATABASE": served_url, "FLASK_DEBUG": "0",
           "PYTHONPATH": str(ROOT)}
    server = Gunicorn("bench.pb_wsgi:app", env, args.workers, args.threads, logdir, args.worker_class)
    run_load("warm-up", server.port, jobs[:warm], args.clients, 303)

    def check() -> tuple[int, int]:
        stored = count_stored(database_url, secret, round_id)
        return stored[0] - warm, stored[1] - warm  # the warm-up's ballots are stored too

    local = any(host in database_url for host in ("@127.0.0.1", "@localhost", "@[::1]"))
    database = PostgresProcesses(database_url, application_name) if database_url.startswith("postgresql") and local else None
    return Target(label, server, jobs[warm:], 303, check, database)


def bare_target(args, logdir: Path) -> Target:
    body = urlencode({"csrf_token": "x" * 91, "rank1": "12", "rank2": "7", "rank3": "3"})
    jobs = [Job("/", body, None) for _ in range(args.requests)]
    server = Gunicorn("bench.bare_app:app", {"PYTHONPATH": str(ROOT)}, args.workers, args.threads, logdir,
                      args.worker_class)
    run_load("warm-up", server.port, jobs[: args.clients * 2], args.clients, 200)
    return Target("bare Flask endpoint", server, jobs * args.repeat, 200)


def serving(args) -> str:
    if args.worker_class == "gthread":
        return f"{args.workers} gthread workers x {args.threads} threads"
    return f"{args.workers} sync workers"


def median_result(results: list[Result]) -> Result:
    return sorted(results, key=lambda r: r.rate)[len(results) // 2]


def print_cpu(targets: list[Target]) -> None:
    """Where each request's CPU went (median run): this is what the ratio to the bare endpoint is made of."""
    print("\nCPU per request, ms (median run; 'machine' is every process and the kernel, on all cores):")
    bare = median_result(targets[0].results).cpu
    if bare is None or not bare.machine:
        print("(not measured: this needs Linux's /proc)")
        return
    header = f"{'':28} {'server':>8} {'client':>8} {'database':>9} {'machine':>8} {'vs bare':>8}"
    print(header)
    print("-" * len(header))
    for t in targets:
        cpu = median_result(t.results).cpu
        if cpu is None or bare is None:
            continue
        database = f"{cpu.database:.2f}" if t.database else "-"
        ratio = bare.machine / cpu.machine if cpu.machine else 0
        print(f"{t.label:28} {cpu.server:>8.2f} {cpu.client:>8.2f} {database:>9} {cpu.machine:>8.2f} {ratio:>7.0%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1500, help="requests per run")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs per server, interleaved so a busy moment hits every server alike")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker, with --worker-class gthread")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    failures = []
    targets: list[Target] = []
    with tempfile.TemporaryDirectory(prefix="pb-bench-") as tmp:
        logdir = Path(tmp)
        drops = []
        try:
            targets.append(bare_target(args, logdir))
            targets.append(pb_target("pb cast ballot, SQLite", f"sqlite:///{logdir / 'bench.sqlite'}", args, logdir))
            pg = None if args.no_postgres else postgres_url()
            if pg:
                url, drop = pg_schema(pg)
                drops.append(drop)
                targets.append(pb_target("pb cast ballot, PostgreSQL", url, args, logdir))
            meters = {t.label: CpuMeter(t.server.proc.pid, t.database) for t in targets}
            for n in range(args.repeat):
                for t in targets:
                    before = meters[t.label].read()
                    result = run_load(t.label, t.server.port, t.slice(n, args.requests), args.clients, t.ok_status)
                    result.cpu = CpuMeter.per_request(before, meters[t.label].read(), result.requests)
                    t.results.append(result)
        finally:
            for t in targets:
                t.server.stop()
        checks = {t.label: t.check() for t in targets if t.check}
        for drop in drops:
            drop()
        for log in logdir.glob("gunicorn-*.log"):
            text = log.read_text(errors="replace")
            if "Traceback" in text or "database is locked" in text:
                failures.append(f"server errors in {log.name}:\n{text[-2000:]}")

    print(f"\nbench/cast_ballots.py: {args.repeat} interleaved runs of {args.requests} requests from {args.clients} "
          f"concurrent clients; gunicorn {serving(args)}; {os.cpu_count()} CPUs; "
          f"1-minute load average at the end: {os.getloadavg()[0]:.1f}\n")
    header = (f"{'':28} {'req/s (median)':>14} {'runs':>20} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
              f"{'vs bare':>8} {'ok':>6} {'stored':>7}")
    print(header)
    print("-" * len(header))
    bare = median_result(targets[0].results)
    for t in targets:
        m = median_result(t.results)
        ratio = m.rate / bare.rate if bare.rate else 0
        runs = "/".join(f"{r.rate:.0f}" for r in t.results)
        ok = sum(r.ok for r in t.results)
        stored = checks.get(t.label)
        print(f"{t.label:28} {m.rate:>14.0f} {runs:>20} {m.pct(50):>7.1f} {m.pct(95):>7.1f} {m.pct(99):>7.1f} "
              f"{ratio:>7.0%} {ok:>6} {stored[0] if stored else '-':>7}")
        other = {}
        for r in t.results:
            for k, v in r.other.items():
                other[k] = other.get(k, 0) + v
        if other:
            failures.append(f"{t.label}: unexpected responses {other}")
        if stored is not None:
            if stored != (ok, ok):
                failures.append(f"{t.label}: {ok} successes but {stored[0]} ballots and {stored[1]} voter-roll rows")
            if ratio < 0.40:
                failures.append(f"{t.label}: {ratio:.0%} of the bare endpoint's throughput (target 40%)")
            if m.pct(99) > 250:
                failures.append(f"{t.label}: p99 {m.pct(99):.0f} ms (target under 250 ms)")
    print_cpu(targets)
    print()
    if failures:
        print("MISSED:\n  " + "\n  ".join(failures))
        return 1
    print("All targets met: throughput >= 40% of bare, p99 < 250 ms, ballots stored = successful responses.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
