"""Password rules: 8 to 128 characters, no composition rules, and not a common password."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pb.domain.words import _

MIN_LENGTH = 8
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("pb").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """None if the password is acceptable, otherwise what to do about it."""
    if len(password) < MIN_LENGTH:
        return _("Your password must be at least %(least)s characters long", least=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Your password must be %(most)s characters or fewer", most=MAX_LENGTH)
    if password.lower() in common_passwords():
        return _("That password is too common and easy to guess. Choose another, such as three random words")
    return None
