"""Keyed hashes (HMAC-SHA256) of things pb must recognise again but never keep in clear.

Each purpose has its own key, derived from SECRET_KEY: a voting code, a letter code, a
resident list's entry and a network prefix hashed with the same text never collide, and
without SECRET_KEY none of the stored hashes can be tested against a guess. Rotating
SECRET_KEY therefore makes stored codes and uploaded resident lists unusable: issue new
codes and upload the lists again after a rotation.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app

VOTING_CODE = b"pb voting code"
LETTER_CODE = b"pb letter code"
RESIDENT_LIST = b"pb resident list"
NETWORK = b"pb network prefix"
BALLOT_ORDER = b"pb ballot order"


def keyed_hash(purpose: bytes, text: str) -> str:
    """HMAC-SHA256 of `text` under this app's key for `purpose`, as 64 hexadecimal characters."""
    key = hashlib.sha256(purpose + b"\x00" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
