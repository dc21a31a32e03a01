"""The open data published with a count: the anonymised ballots file and the pabulib file, each built once per count.

The ballots file is sorted by receipt code, never in casting order; its SHA-256 is stored with
the count. The pabulib file gives money in whole pounds (META ``currency`` GBP) so that equal
shares' add1 step of one currency unit is the same £1 the app uses; if any amount has pence the
file falls back to pence (``currency`` GBX) and says so.

Both files are opened in spreadsheets, so free text in them (titles, the round's name and area)
goes through `pb.domain.spreadsheet.safe_cell`: text a spreadsheet would read as a formula starts
with ``'``. Ids, amounts, receipt codes, commitments and nonces are written as they are.
"""
from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from pb.domain.errors import CountingError
from pb.domain.words import _
from pb.domain.spreadsheet import safe_cell
from pb.extensions import db
from pb.models import Ballot, CountResult, Round
from pb.services.count_cache import count_cache, shortlist_key
from pb.services.elections import ballot_rankings, recorded_meaning, round_ballots, round_election
from pb.services.proposals import shortlisted_proposals
from pb.tally import Outcome, write_pabulib


def ballots_csv(round_: Round, ballots: list[Ballot] | None = None) -> bytes:
    """The anonymised ballots file: ``receipt,commitment,nonce,rank_1,...,rank_k``, sorted by receipt code.

    Columns: ``receipt`` is the receipt code the voter was given (``K7QM-4TZP-9CX``); ``commitment``
    the SHA-256 of the canonical ballot (pb.domain.receipts.canonical_ballot), which anyone can
    recompute from the row; ``nonce`` the random value in it; ``rank_1`` is the project id of their
    1st choice, ``rank_2`` their 2nd, and so on up to the round's maximum number of choices (empty
    when they chose fewer). Project titles are in the results file, so every cell here is made by
    pb and none can be read as a formula. The bytes are UTF-8 with ``\\n`` line ends; their SHA-256
    is what the results page shows.

    A round that closed before receipt codes were short (``ballots_file_version`` 1) keeps its
    file as it was fingerprinted: ``receipt,nonce,rank_…``, the receipt being the commitment.
    """
    if ballots is None:
        ballots = round_ballots(round_)
    ranks = round_.max_ranks
    legacy = round_.ballots_file_version == 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["receipt"] + ([] if legacy else ["commitment"]) + ["nonce"]
                    + [f"rank_{i}" for i in range(1, ranks + 1)])
    for ballot in sorted(ballots, key=lambda b: b.receipt):
        ids = [p for p in ballot.ranking.split(",") if p]
        writer.writerow([ballot.receipt] + ([] if legacy else [ballot.commitment]) + [ballot.nonce]
                        + ids + [""] * max(0, ranks - len(ids)))
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class BallotRow:
    receipt: str
    commitment: str
    nonce: str
    ranking: list[str]


def parse_ballots_csv(data: bytes) -> list[BallotRow]:
    """Read a ballots file back (either version): receipt, commitment, nonce and ranking per row."""
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    header = next(reader, None)
    if header and header[:3] == ["receipt", "commitment", "nonce"]:
        return [BallotRow(row[0], row[1], row[2], [p for p in row[3:] if p]) for row in reader if row]
    if header and header[:2] == ["receipt", "nonce"]:
        return [BallotRow(row[0], row[0], row[1], [p for p in row[2:] if p]) for row in reader if row]
    raise CountingError(_("The ballots file does not start with the receipt, commitment and nonce columns."))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def first_preferences(round_: Round) -> Counter:
    """How many ballots put each project first (keys are proposal ids)."""
    counts: Counter = Counter()
    for (ranking,) in db.session.execute(select(Ballot.ranking).where(Ballot.round_id == round_.id)):
        first = ranking.split(",", 1)[0]
        if first:
            counts[int(first)] += 1
    return counts


def _outcome_of(result: CountResult) -> Outcome:
    return Outcome(
        rule=result.rule,
        params=dict(result.params or {}),
        funded=[str(p) for p in result.funded],
        cost=int(result.total_cost_pence),
        budget=int((result.params or {}).get("budget_pence", 0)),
        scores=dict(result.scores or {}),
        steps=list(result.steps or []),
    )


@dataclass(frozen=True)
class Download:
    """A published file and the ETag it is served with (its SHA-256)."""

    data: bytes
    etag: str

    @property
    def nbytes(self) -> int:
        return len(self.data)


def published_ballots_file(round_: Round, result: CountResult) -> Download:
    """The ballots file published with `result`, built once while it is the file the count recorded.

    A file whose SHA-256 differs from the count's (the database changed under it, which pb never
    does) is served as it is now and not kept; `verify_round` is where staff see why.
    """
    file = count_cache.get("ballots.csv", result, (round_.max_ranks,), lambda: _download(ballots_csv(round_)))
    if file.etag != result.ballots_sha256:
        count_cache.forget("ballots.csv", result, (round_.max_ranks,))
    return file


def _download(data: bytes) -> Download:
    return Download(data, sha256_hex(data))


def published_pabulib_file(round_: Round, result: CountResult) -> Download:
    """The round as a pabulib file, for `result`, built once while the round and its shortlist stay as they are."""

    shown = (round_.version, round_.title, round_.area_name, round_.budget_pence, round_.voting_opened_at,
             round_.voting_closed_at, round_.results_published_at, shortlist_key(shortlisted_proposals(round_)))
    return count_cache.get("ballots.pb", result, shown,
                                lambda: _download(pabulib_text(round_, result).encode("utf-8")))


def pabulib_text(round_: Round, result: CountResult) -> str:
    """The round as a pabulib file: META, PROJECTS (with ``selected``), and VOTES keyed by receipt code.

    Money is in whole pounds (META ``currency`` GBP) when the budget and every cost are whole
    pounds, so that ``python -m pb.tally`` steps equal shares by £1 as the app did; otherwise in
    pence (``currency`` GBX). As in pabulib, ``unit`` is the area (the round's area name). Project
    names and META values pass through `safe_cell`; ids, costs and votes do not, so the file re-counts
    to the same outcome.
    """
    proposals = shortlisted_proposals(round_)
    ballots = round_ballots(round_)
    amounts = [round_.budget_pence] + [p.cost_pence for p in proposals]
    in_pounds = all(a % 100 == 0 for a in amounts)
    election = round_election(round_, proposals, ballot_rankings(ballots), scale=100 if in_pounds else 1)
    outcome = _outcome_of(result)
    opened, closed = round_.voting_opened_at, round_.voting_closed_at
    meta = {
        "description": round_.title,
        "country": "United Kingdom",
        "unit": round_.area_name or "",
        "instance": str((round_.results_published_at or closed or round_.created_at).year),
        "date_begin": opened.strftime("%d.%m.%Y") if opened else "",
        "date_end": closed.strftime("%d.%m.%Y") if closed else "",
        "language": "en",
        "currency": "GBP" if in_pounds else "GBX",
        "comment": ("Amounts in whole pounds. Voter ids are the published receipt codes." if in_pounds else
                    "Amounts in pence (GBX), because some amounts have pence. Voter ids are the published "
                    "receipt codes."),
    }
    out = io.StringIO()
    write_pabulib(election, out, meta=meta, outcome=outcome, voter_ids=[b.receipt for b in ballots],
                  satisfaction=recorded_meaning(result, round_)[0], text_cell=safe_cell)
    return out.getvalue()
