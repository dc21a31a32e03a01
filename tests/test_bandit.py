"""Bandit (a security linter for Python) finds nothing in pb/."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import PROJECT_ROOT


def test_bandit_is_clean_on_the_package():
    proc = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "pb", "-f", "json", "-q"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )
    report = json.loads(proc.stdout)
    issues = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]
    ]
    assert issues == [], "\n".join(issues)
    assert report["metrics"]["_totals"]["loc"] > 500  # it really scanned the package
