"""Record numbers as they appear in addresses and forms: pb's ids are 32-bit integers."""
from __future__ import annotations

# A longer number is simply not found (SQLite would otherwise raise OverflowError beyond
# 64 bits, PostgreSQL "integer out of range" beyond 32).
MAX_ID = 2**31 - 1


def is_valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID
