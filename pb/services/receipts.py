"""Checking a receipt code after publication: is the ballot it names among the counted ones, and what does it rank."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pb.domain.errors import PhaseError
from pb.domain.phases import Phase
from pb.domain.receipts import normalise_receipt
from pb.extensions import db
from pb.models import Ballot, Proposal, Round


@dataclass
class ReceiptCheck:
    code: str
    found: bool
    ranking: list[Proposal]


def check_receipt(round_: Round, code: str | None) -> ReceiptCheck:
    """Whether a receipt code is among the round's counted ballots, with the ranking it carries."""
    if round_.phase != Phase.RESULTS_PUBLISHED:
        raise PhaseError("Results are not published yet, so receipt codes cannot be checked yet.")
    receipt = normalise_receipt(code)
    ballot = db.session.scalars(select(Ballot).where(Ballot.round_id == round_.id, Ballot.receipt == receipt)).first()
    if ballot is None:
        return ReceiptCheck(receipt, False, [])
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id))}
    return ReceiptCheck(receipt, True, [proposals[i] for i in ballot.project_ids if i in proposals])


def find_receipt_round(code: str | None) -> tuple[str, Round | None]:
    """For the checker without a round: the normalised code and the round of the ballot carrying it."""
    receipt = normalise_receipt(code)
    round_id = db.session.scalar(select(Ballot.round_id).where(Ballot.receipt == receipt))
    return receipt, (db.session.get(Round, round_id) if round_id is not None else None)
