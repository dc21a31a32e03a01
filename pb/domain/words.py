"""Small pieces of plain English shared by pages and messages."""
from __future__ import annotations


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 23 -> "23rd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """1 -> "1 project", 3 -> "3 projects"."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
