"""Password hashing (scrypt by default, a memory-hard function)."""
from __future__ import annotations

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash


def hash_password(password: str) -> str:
    method = current_app.config.get("PB_PASSWORD_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    return check_password_hash(password_hash, password)
