"""Fixtures for the counting engine's tests: the real pabulib files and the pabutools reference.

The pabulib directory is PB_PABULIB_DIR, or ../shared/data/pabulib next to the project. When it is
missing, tests that need it skip, unless PB_REQUIRE_PABULIB=1 (as in CI), when they fail.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parents[1]
# tally_reference.py and generate.py sit next to the tests; make them importable in any import mode.
sys.path.insert(0, str(HERE))


def pabulib_dir() -> Path:
    configured = os.environ.get("PB_PABULIB_DIR")
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "data" / "pabulib"


def require_pabulib() -> Path:
    """The pabulib directory, or skip (fail when PB_REQUIRE_PABULIB=1) if it is not there."""
    directory = pabulib_dir()
    if directory.is_dir() and any(directory.glob("*.pb")):
        return directory
    message = f"real pabulib data not found at {directory} (set PB_PABULIB_DIR)"
    if os.environ.get("PB_REQUIRE_PABULIB") == "1":
        pytest.fail(message + "; PB_REQUIRE_PABULIB=1 demands it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pabulib() -> Path:
    return require_pabulib()


class RealFiles(Mapping):
    """The real files by name, each read (with pb's reader) the first time a test asks for it."""

    def __init__(self, directory: Path) -> None:
        self.paths = {path.name: path for path in sorted(directory.glob("*.pb"))}
        self.read: dict = {}

    def __getitem__(self, name: str):
        from pb.tally import read_pabulib

        if name not in self.read:
            self.read[name] = read_pabulib(self.paths[name])
        return self.read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)


@pytest.fixture(scope="session")
def real_files(pabulib: Path) -> RealFiles:
    return RealFiles(pabulib)
