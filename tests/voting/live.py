"""A real pb server for the concurrency tests: gunicorn with several workers on a loopback port,
against a database prepared here (an SQLite file, or a PostgreSQL schema when PB_TEST_DATABASE_URL is set),
and a tiny cookie-keeping HTTP client built on http.client."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tests.pg_schema import fresh_schema

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str


@dataclass
class Browser:
    """One visitor: their own cookies, a new connection per request (as many browsers at once would)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, method: str, path: str, form: dict | None = None, timeout: float = 120) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Connection": "close"}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        with self.lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read().decode("utf-8", "replace")
        finally:
            conn.close()
        with self.lock:
            for header in resp.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Response(resp.status, resp.headers, data)

    def sign_in(self, email: str, password: str) -> None:
        r = self.request("POST", "/sign-in", {"email": email, "password": password})
        if r.status != 302:
            raise AssertionError(f"sign-in of {email} failed with {r.status}")


def new_database(workdir: Path, name: str) -> tuple[str, callable]:
    """A fresh, empty database URL for a server, and a function that removes it afterwards."""
    pg = os.environ.get("PB_TEST_DATABASE_URL")
    if not pg:
        return f"sqlite:///{workdir / (name + '.sqlite')}", lambda: None
    return fresh_schema(pg, f"pb_live_{name}_{os.getpid()}")


class Server:
    """gunicorn serving wsgi:app with PB_ENV=testing against `database_url`."""

    def __init__(self, database_url: str, workdir: Path, workers: int = 4, threads: int = 4,
                 extra_env: dict | None = None, app: str = "wsgi:app"):
        self.port = free_port()
        self.access_log = workdir / f"access-{self.port}.log"
        self.error_log = workdir / f"error-{self.port}.log"
        env = dict(os.environ, PB_ENV="testing", DATABASE_URL=database_url, FLASK_DEBUG="0")
        env.pop("PB_TEST_DATABASE_URL", None)
        env.update(extra_env or {})
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.proc = subprocess.Popen(
            [str(gunicorn), "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
             "--worker-class", "gthread", "--threads", str(threads), "--timeout", "120",
             "--backlog", "2048", "--access-logfile", str(self.access_log),
             "--error-logfile", str(self.error_log), app],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 40.0) -> None:
        problem = wait_for_server(self.proc, lambda: Browser(self.port).request("GET", "/", timeout=5).status == 200,
                                  timeout)
        if problem:
            self.stop()
            raise RuntimeError(f"gunicorn {problem}:\n{self.errors()}")

    def errors(self) -> str:
        return self.error_log.read_text(errors="replace") if self.error_log.exists() else ""

    def stop(self) -> None:
        stop_process(self.proc)


def wait_for_server(proc: subprocess.Popen, answers, timeout: float) -> str | None:
    """Poll `answers()` (true once the server serves; an OSError counts as not yet) until it is true:
    None then, or what went wrong: "exited with CODE" or "did not answer within TIMEOUTs"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"exited with {proc.returncode}"
        try:
            if answers():
                return None
        except OSError:
            pass
        time.sleep(0.2)
    return f"did not answer within {timeout}s"


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    """End a server process: politely first, then for good if it has not gone within `timeout` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_together(tasks: list, timeout: float = 120) -> list:
    """Run every task (a no-argument callable) in its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(tasks))
    results: list = [None] * len(tasks)

    def run(i, task):
        barrier.wait()
        try:
            results[i] = task()
        except BaseException as exc:  # noqa: BLE001 - a connection error is a result the test must see
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, t), daemon=True) for i, t in enumerate(tasks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results
