"""Receipts: checking a receipt code after publication, and the one-time token a ballot form carries.

A ballot form's token lets a voter whose answer was lost see their receipt when they send the
same form again: the receipt code is an HMAC of the token (pb.domain.receipts.receipt_code_for_token),
so pb finds the ballot by the code alone and nothing is stored that ties the voter to it. The
token is signed, so only tokens pb issued count, and it carries the time it was issued, so a
form left in a browser's history stops giving its receipt after PB_RECEIPT_RECOVERY_MINUTES.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from pb.domain.errors import PhaseError
from pb.domain.words import _
from pb.domain.phases import Phase
from pb.domain.receipts import is_legacy_receipt, normalise_receipt, receipt_code_for_token
from pb.extensions import db
from pb.models import Ballot, Proposal, Round

DEFAULT_RECOVERY_MINUTES = 30


@dataclass
class ReceiptCheck:
    code: str
    found: bool
    ranking: list[Proposal]


def _ballot_with(receipt: str):
    """Where to look for a code as typed: a short code is a receipt; 64 characters may be either column."""
    if is_legacy_receipt(receipt):
        return (Ballot.receipt == receipt) | (Ballot.commitment == receipt)
    return Ballot.receipt == receipt


def check_receipt(round_: Round, code: str | None) -> ReceiptCheck:
    """Whether a receipt code is among the round's counted ballots, with the ranking it carries."""
    if round_.phase != Phase.RESULTS_PUBLISHED:
        raise PhaseError(_("Results are not published yet, so receipt codes cannot be checked yet."))
    receipt = normalise_receipt(code)
    ballot = db.session.scalars(select(Ballot).where(Ballot.round_id == round_.id, _ballot_with(receipt))).first()
    if ballot is None:
        return ReceiptCheck(receipt, False, [])
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id))}
    return ReceiptCheck(ballot.receipt, True, [proposals[i] for i in ballot.project_ids if i in proposals])


def find_receipt_round(code: str | None) -> tuple[str, Round | None]:
    """For the checker without a round: the normalised code and the round of the ballot carrying it."""
    receipt = normalise_receipt(code)
    round_id = db.session.scalar(select(Ballot.round_id).where(_ballot_with(receipt)))
    return receipt, (db.session.get(Round, round_id) if round_id is not None else None)


# ---------------------------------------------------------------- the ballot form's token


@dataclass(frozen=True)
class BallotToken:
    """A ballot form's one-time token, as pb issued it, and how many seconds ago."""

    value: str
    age_seconds: float

    @property
    def can_recover(self) -> bool:
        minutes = float(current_app.config.get("PB_RECEIPT_RECOVERY_MINUTES", DEFAULT_RECOVERY_MINUTES))
        return self.age_seconds <= minutes * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="pb ballot form token")


def issue_ballot_token() -> str:
    """A new token for the check page's "Cast my vote" form."""
    return _serializer().dumps(secrets.token_hex(16))


def read_ballot_token(text: str | None) -> BallotToken | None:
    """The token a cast form carried, if pb issued it (else None: the ballot then gets a random code)."""
    if not text or len(text) > 200:
        return None
    try:
        value, issued = _serializer().loads(text, return_timestamp=True)
    except BadSignature:
        return None
    if not isinstance(value, str):
        return None
    return BallotToken(value, max(0.0, time.time() - issued.timestamp()))


def token_receipt_code(round_id: int, voter_key: str, token: BallotToken) -> str:
    """The receipt code a ballot cast with this form by this voter is given."""
    key = hashlib.sha256(b"pb receipt code\x00" + current_app.config["SECRET_KEY"].encode()).digest()
    return receipt_code_for_token(key, round_id, voter_key, token.value)
