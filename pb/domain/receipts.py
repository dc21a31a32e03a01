"""Receipt codes: the canonical ballot text, its SHA-256, and reading a code as a person types it."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from pb.domain.errors import ValidationFailed

CANONICAL_VERSION = "pb-ballot-v1"
RECEIPT_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def canonical_ballot(round_id: int, ranking: Sequence[int], nonce: str) -> str:
    """The exact text a receipt is the SHA-256 of.

    `pb-ballot-v1|round=<round id>|ranking=<ids most preferred first, comma-separated>|nonce=<32 hex>`,
    for example `pb-ballot-v1|round=4|ranking=17,3,9|nonce=0f1e…`. Anyone holding the
    published (receipt, ranking, nonce) rows can recompute every receipt.
    """
    return f"{CANONICAL_VERSION}|round={int(round_id)}|ranking={','.join(str(int(p)) for p in ranking)}|nonce={nonce}"


def receipt_for(round_id: int, ranking: Sequence[int], nonce: str) -> str:
    """SHA-256 (hex) of the canonical ballot with its 128-bit random nonce (SECURITY #9)."""
    return hashlib.sha256(canonical_ballot(round_id, ranking, nonce).encode("utf-8")).hexdigest()


def normalise_receipt(code: str | None) -> str:
    """A receipt code as typed (spaces, dashes, capitals allowed) in its stored form, or ValidationFailed."""
    cleaned = re.sub(r"[\s\-]", "", code or "").lower()
    if not cleaned:
        raise ValidationFailed("Enter your receipt code.", field="code")
    if not RECEIPT_PATTERN.match(cleaned):
        raise ValidationFailed(
            "Enter the receipt code exactly as it is printed: 64 characters, using the numbers 0 to 9 and "
            "the letters a to f.",
            field="code",
        )
    return cleaned
