"""Receipts: the short code a voter keeps, the commitment published beside it, and reading a code as typed.

A voter is given a short receipt code such as ``K7QM-4TZP-9CX``: 11 characters from an alphabet of
31 with no look-alikes (no 0, 1, I, L or O), so about 54 bits of randomness, shown in groups of
4, 4 and 3. The published ballots file lists every counted ballot under its receipt code, so the
code is how a person finds their row.

Beside it the file publishes the ballot's *commitment*: the SHA-256 of the canonical ballot text,
which contains the round, the receipt code, the ranking and a 128-bit random nonce. Anyone can
recompute each row's commitment from the row itself, so a ballot changed after it was cast (its
ranking, or the code it is listed under) no longer matches its commitment.

Ballots cast before receipt codes were short (``pb-ballot-v1``) have no separate code: the voter
was given the 64-character commitment itself, and the canonical text has no receipt field.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence

from pb.domain.errors import ValidationFailed
from pb.domain.words import _

CANONICAL_VERSION = "pb-ballot-v2"
LEGACY_VERSION = "pb-ballot-v1"

# No 0/O, 1/I/L: what is printed on a slip can be read back without guessing.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 11
RECEIPT_GROUPS = (4, 4, 3)
RECEIPT_BITS = RECEIPT_LENGTH * 4.954  # log2(31) per character: about 54 bits

RECEIPT_PATTERN = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{3}$")
COMMITMENT_PATTERN = re.compile(r"^[0-9a-f]{64}$")
_LOOK_ALIKES = set("01ILO")


def format_receipt(characters: str) -> str:
    """``K7QM4TZP9CX`` -> ``K7QM-4TZP-9CX``: the receipt code as it is printed, stored and published."""
    parts, start = [], 0
    for size in RECEIPT_GROUPS:
        parts.append(characters[start:start + size])
        start += size
    return "-".join(parts)


def _code_from_number(number: int) -> str:
    characters = []
    for _ in range(RECEIPT_LENGTH):
        number, digit = divmod(number, len(RECEIPT_ALPHABET))
        characters.append(RECEIPT_ALPHABET[digit])
    return format_receipt("".join(characters))


def new_receipt_code() -> str:
    """A fresh random receipt code (each character drawn by `secrets`)."""
    return format_receipt("".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH)))


def receipt_code_for_token(key: bytes, round_id: int, voter_key: str, token: str) -> str:
    """The receipt code a ballot form's one-time token stands for: HMAC-SHA256 under the app's key.

    The same form sent twice by the same voter gives the same code, so a voter whose first
    answer was lost can be shown the receipt of the ballot they cast (pb.services.ballots).
    Without the token, which only the voter's browser holds, the code cannot be tied to the voter.
    """
    message = f"pb-receipt|round={int(round_id)}|voter={voter_key}|token={token}".encode("utf-8")
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return _code_from_number(int.from_bytes(digest, "big"))


def canonical_ballot(round_id: int, ranking: Sequence[int], nonce: str, receipt: str | None = None) -> str:
    """The exact text a commitment is the SHA-256 of.

    ``pb-ballot-v2|round=<round id>|receipt=<receipt code>|ranking=<ids most preferred first,
    comma-separated>|nonce=<32 hex>``, for example
    ``pb-ballot-v2|round=4|receipt=K7QM-4TZP-9CX|ranking=17,3,9|nonce=0f1e…``.
    With no receipt code (ballots cast before codes were short) the older text
    ``pb-ballot-v1|round=4|ranking=17,3,9|nonce=0f1e…``.
    """
    ranked = ",".join(str(int(p)) for p in ranking)
    if receipt is None:
        return f"{LEGACY_VERSION}|round={int(round_id)}|ranking={ranked}|nonce={nonce}"
    return f"{CANONICAL_VERSION}|round={int(round_id)}|receipt={receipt}|ranking={ranked}|nonce={nonce}"


def commitment_for(round_id: int, ranking: Sequence[int], nonce: str, receipt: str | None = None) -> str:
    """SHA-256 (hex) of the canonical ballot with its 128-bit random nonce (SECURITY #9)."""
    return hashlib.sha256(canonical_ballot(round_id, ranking, nonce, receipt).encode("utf-8")).hexdigest()


def is_legacy_receipt(receipt: str) -> bool:
    """A ballot from before short codes: its receipt is the 64-character commitment itself."""
    return bool(COMMITMENT_PATTERN.match(receipt))


def ballot_commitment(round_id: int, ranking: Sequence[int], nonce: str, receipt: str) -> str:
    """The commitment a stored ballot must carry, whichever kind of receipt it was given."""
    return commitment_for(round_id, ranking, nonce, None if is_legacy_receipt(receipt) else receipt)


def normalise_receipt(code: str | None) -> str:
    """A receipt code as typed (spaces, dashes, small letters allowed) in its printed form, or ValidationFailed.

    A 64-character code (given for ballots cast before codes were short) is read too.
    """
    cleaned = re.sub(r"[\s\-_.]", "", code or "")
    if not cleaned:
        raise ValidationFailed(_("Enter your receipt code."), field="code")
    if COMMITMENT_PATTERN.match(cleaned.lower()) and len(cleaned) == 64:
        return cleaned.lower()
    upper = cleaned.upper()
    if len(upper) == RECEIPT_LENGTH and all(c in RECEIPT_ALPHABET for c in upper):
        return format_receipt(upper)
    if any(c in _LOOK_ALIKES for c in upper) and len(upper) == RECEIPT_LENGTH:
        raise ValidationFailed(
            _("Receipt codes never use the numbers 0 or 1 or the letters I, L or O. "
              "Please check each character against your receipt."),
            field="code",
        )
    raise ValidationFailed(
        _("Enter the receipt code exactly as it is printed: 11 letters and numbers in three groups, "
          "like K7QM-4TZP-9CX."),
        field="code",
    )
