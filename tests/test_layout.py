"""pb's layout holds: no import cycles, imports at the top, small services with one job each, a pure domain.

The import graph is read from the source (every `import` and `from … import`, at the top of a
module or inside a function), so a cycle hidden behind a function-level import is found too.
"""
from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

PB = Path(__file__).resolve().parent.parent / "pb"
SERVICE_LINE_LIMIT = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(PB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PB.rglob("*.py"))}


def _imports(path: Path) -> list[tuple[str, ast.stmt, bool]]:
    """(imported pb module, the statement, whether it sits inside a function) for every import in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    found: list[tuple[str, ast.stmt, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # read by type checkers only, never imported when pb runs
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append((alias.name, child, in_function))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - child.level + 1] + ([base] if base else []))
                for alias in child.names:
                    # `from pb.services import rounds` imports the module pb.services.rounds.
                    candidate = f"{base}.{alias.name}"
                    found.append((candidate if candidate in MODULES else base, child, in_function))
            visit(child, nested)

    visit(tree, False)
    return [(name, stmt, inner) for name, stmt, inner in found if name == "pb" or name.startswith("pb.")]


GRAPH = {name: {imported for imported, _, _ in _imports(path) if imported in MODULES and imported != name}
         for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in graph:
        if v not in index:
            connect(v)
    return out


def test_the_import_graph_has_no_cycles():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_inside_functions_say_why():
    """A function-level import of pb code stays only where a comment on the lines before it says why."""
    unexplained = []
    for name, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for imported, stmt, inner in _imports(path):
            if not inner:
                continue
            before = lines[max(0, stmt.lineno - 3): stmt.lineno]
            if not any("#" in line for line in before):
                unexplained.append(f"{name}:{stmt.lineno} imports {imported}")
    assert unexplained == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("pb.services.")))
def test_each_service_module_is_small_and_says_its_job(name):
    path = MODULES[name]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= SERVICE_LINE_LIMIT, f"{name} has {len(lines)} lines"
    docstring = ast.get_docstring(ast.parse("\n".join(lines)))
    assert docstring and docstring.splitlines()[0].strip(), f"{name} has no one-line docstring"


FRAMEWORKS = ("flask", "flask_login", "flask_wtf", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "wtforms")


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("pb.domain")))
def test_domain_modules_need_no_framework_and_no_database(name):
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    bad = sorted(m for m in imported if m.split(".")[0] in FRAMEWORKS
                 or m.startswith(("pb.services", "pb.models", "pb.extensions", "pb.web")))
    assert bad == []


def test_every_module_imports_on_its_own():
    """Each pb module imported first in a fresh interpreter: no module leans on another having been imported before."""
    names = sorted(n for n in MODULES if n != "pb.tally.__main__")
    script = (
        "import importlib, subprocess, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    r = subprocess.run([sys.executable, '-c', f'import {name}'], capture_output=True, text=True)\n"
        "    if r.returncode: failed.append(f'{name}: {r.stderr.strip().splitlines()[-1]}')\n"
        "print('\\n'.join(failed))\n"
    )
    result = subprocess.run([sys.executable, "-c", script, *names], capture_output=True, text=True,
                            cwd=PB.parent, timeout=600)
    assert result.stdout.strip() == "", result.stdout


def test_the_layout_test_sees_every_area():
    for expected in ("pb.services.ballots", "pb.services.ballot_store", "pb.domain.round_settings",
                     "pb.results.explain", "pb.tally.count", "pb.database", "pb.templating"):
        assert expected in MODULES
        importlib.import_module(expected)
