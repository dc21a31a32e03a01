"""A PostgreSQL schema of one's own, so parallel test processes and runs never meet."""
from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import create_engine, text


def _driver_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def _execute(url: str, statements: list[str]) -> None:
    engine = create_engine(_driver_url(url))
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def fresh_schema(base_url: str, name: str) -> tuple[str, Callable[[], None]]:
    """Create an empty schema `name` and return (a URL whose search_path is it, a function that drops it)."""
    schema = re.sub(r"[^a-z0-9_]", "_", name.lower())
    _execute(base_url, [f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}"])
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}", lambda: _execute(
        base_url, [f"DROP SCHEMA IF EXISTS {schema} CASCADE"]
    )
