"""pb.tally stays a pure counting engine: it never imports the web stack."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TALLY = ROOT / "pb" / "tally"
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "jinja2", "wtforms", "alembic")


def test_importing_pb_tally_loads_neither_flask_nor_sqlalchemy() -> None:
    code = (
        "import sys, pb.tally, pb.tally.cli, pb.tally.pabulib\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in %r)\n"
        "assert not loaded, loaded\n"
        "print('clean')\n" % (FORBIDDEN,)
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"


def test_no_file_in_pb_tally_imports_the_web_stack_or_the_app() -> None:
    files = sorted(TALLY.rglob("*.py"))
    assert len(files) >= 8
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top not in FORBIDDEN, f"{path.name} imports {name}"
                assert not (top == "pb" and not name.startswith("pb.tally")), f"{path.name} imports {name}"
