"""`make run` serves the demo: the same steps (`make serve`) on a fresh database, then GET /."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_make_serve_creates_database_loads_demo_and_serves_home(tmp_path):
    port = _free_port()
    db_file = tmp_path / "run.sqlite"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_file}",
        "PB_ENV": "development",
        "PYTHONUNBUFFERED": "1",
    }
    bin_dir = str(Path(sys.executable).parent)
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"PORT={port}", f"BIN={bin_dir}"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:  # nosec B310 - loopback
                    body = response.read().decode()
                    status = response.status
                break
            except OSError:
                time.sleep(0.5)
        assert body is not None, "the server did not answer"
        assert status == 200
        assert f"Connect Hackney Community Fund {date.today().year}" in body  # the demo's round in voting now
        assert "Voting open" in body
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=30)[0]
    assert "staff@example.org / pb-demo-password" in output
    assert f"http://127.0.0.1:{port}/" in output
