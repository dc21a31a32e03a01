"""Casting ranked ballots, online and with a voting code (paper ballots keyed by staff: pb.services.paper_ballots).

One ballot per resident per round is guaranteed by the voter roll's UNIQUE(round_id,
user_id), not by a "has voted?" check: the voter-roll row and the ballot row are
written in one transaction, so a second ballot (sequential or concurrent) fails on
the constraint and nothing of it is stored. The round's phase is read inside that
same transaction under a shared row lock (PostgreSQL) or the write lock (SQLite), so
closing voting waits for ballots being cast and no ballot is stored after the close.
Where the rows are read and written is pb.services.ballot_store.

Ballot rows carry no resident, IP address or time, and a random key. Nothing here
logs or audits a ranking together with the person who cast it. (On PostgreSQL, rows
written in one transaction share the system column `xmin`, so someone with direct
access to the database could pair a voter-roll row with its ballot: database operators
are trusted with ballot secrecy, and pb never reads or shows system columns.)

The canonical ballot text behind each commitment, and the short receipt codes, are defined once,
in pb.domain.receipts. A ballot cast from the check page carries a one-time token: the receipt
code is derived from it (pb.domain.receipts.receipt_code_for_token), so a voter whose answer was
lost, and who sends the same form again, can be shown the receipt of the ballot they cast
(`recover_receipt`) without the database ever holding anything that ties them to it.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from pb.domain import verification as verification_rules
from pb.domain.errors import AlreadyVoted, NotEligible, NotSignedIn, NotVerified, VotingClosed
from pb.domain.phases import Phase
from pb.domain.ranking import RankingInput, check_ranking_rules, ranking_text
from pb.domain.receipts import commitment_for, new_receipt_code
from pb.extensions import db
from pb.models import Ballot, Channel, PaperEntry, Proposal, ProposalStatus, Round, User, VoterRoll, VotingCode
from pb.services import audit
from pb.services.ballot_store import ShortlistTitles, StoredBallot, ballot_store
from pb.services.eligibility import why_cannot_take_part
from pb.services.keyed_hash import BALLOT_ORDER, keyed_hash
from pb.services.proposals import shortlisted_proposals
from pb.services.transaction import lock_round
from pb.services.verification import not_verified_message
from pb.services.voting_codes import mark_code_used
from pb.domain.words import N_, _

# Messages: translated where they are shown (`_(ALREADY_VOTED)`).
ALREADY_VOTED = N_("You have already voted in this round. Each person can vote once.")
ALREADY_VOTED_ON_PAPER = N_("A paper ballot for you in this round is being entered by staff. Each person can vote once.")


# ---------------------------------------------------------------- checking a ranking


def shortlisted_titles(round_id: int) -> dict[int, str]:
    """Project id -> title for the projects on this round's ballot (a light query for the cast path)."""
    rows = db.session.execute(
        select(Proposal.id, Proposal.title).where(
            Proposal.round_id == round_id, Proposal.status == ProposalStatus.SHORTLISTED
        )
    )
    return {pid: title for pid, title in rows}


def code_voter_key(code_id: int) -> str:
    """Who a ballot is for when a voting code is used: the code, so its letter and its ballot list the same order."""
    return f"code:{code_id}"


def ballot_projects(round_: Round, voter_key: str | None = None) -> list[Proposal]:
    """The projects on the ballot, in the order the ballot page lists them.

    By title (the order of a printed paper ballot), unless the round orders them at random and
    `voter_key` names the voter: then in that voter's own order, a keyed hash of the voter and each
    project, so it stays the same every time they open the ballot and differs from voter to voter.
    """
    projects = shortlisted_proposals(round_)
    if round_.ballot_order == "random" and voter_key:
        projects.sort(key=lambda p: keyed_hash(BALLOT_ORDER, f"{round_.id}|{voter_key}|{p.id}"))
    return projects


def validate_ranking(round_: Round, ranking: Sequence, titles: Mapping[int, str] | None = None,
                     fields: RankingInput | None = None, for_staff: bool = False) -> list[int]:
    """Check a ranking against the round's ballot rules (pb.domain.ranking) and its shortlist.

    `for_staff`: the refusals speak to staff keying a paper ballot rather than to the voter.
    """
    titles = shortlisted_titles(round_.id) if titles is None else titles
    return check_ranking_rules(ranking, min_ranks=round_.min_ranks, max_ranks=round_.max_ranks, titles=titles,
                               fields=fields, for_staff=for_staff)


def check_ranking(round_: Round, ranking_input: RankingInput, for_staff: bool = False) -> list[int]:
    """Validate a ranking read from a form (the review step): nothing is written."""
    return validate_ranking(round_, ranking_input.ranking, fields=ranking_input, for_staff=for_staff)


# ---------------------------------------------------------------- casting


def has_voted(round_id: int, user_id: int) -> bool:
    return db.session.scalar(
        select(VoterRoll.id).where(VoterRoll.round_id == round_id, VoterRoll.user_id == user_id)
    ) is not None


def paper_ballot_waiting(round_id: int, user_id: int) -> bool:
    """A first keying of this resident's paper ballot is waiting for its second."""
    return db.session.scalar(
        select(PaperEntry.id).where(PaperEntry.round_id == round_id, PaperEntry.user_id == user_id)
    ) is not None


def voted_channel(round_id: int, user_id: int) -> str | None:
    return db.session.scalar(
        select(VoterRoll.channel).where(VoterRoll.round_id == round_id, VoterRoll.user_id == user_id)
    )


def _is_voter_roll_duplicate(exc: IntegrityError) -> bool:
    text = str(getattr(exc, "orig", exc))
    return "voter_roll" in text or "uq_voter_roll_round_user" in text


def _is_receipt_taken(exc: IntegrityError) -> bool:
    text = str(getattr(exc, "orig", exc))
    return "ballots.receipt" in text or "uq_ballots_receipt" in text


# A new code is drawn when one is already taken: with 54 bits, about once in 10^10 ballots in a
# round of a million, so three tries never run out in practice.
RECEIPT_TRIES = 3


def checked_round(round_id: int) -> Round:
    """The round, share-locked inside the current transaction, if voting is open in it; VotingClosed otherwise."""
    round_ = lock_round(round_id, for_update=False)
    if round_.phase != Phase.VOTING_OPEN:
        raise VotingClosed(closed_message(round_))
    return round_


def closed_message(round_: Round) -> str:
    if round_.phase_enum.is_at_least(Phase.VOTING_CLOSED):
        return _("Voting in this round has closed, so no more votes can be cast.")
    return _("Voting in this round has not opened yet.")


@dataclass(frozen=True)
class SignedInVoter:
    """A resident as their session cookie names them: an account id and the session token it carried.

    cast_ballot checks the token against the account inside its own transaction, in the
    statement that reads the voter's eligibility, so casting a ballot needs no separate
    sign-in lookup and a sign-out (which rotates the token) can never race a ballot.
    """

    user_id: int
    session_token: str


def cast_ballot(round: Round | int, voter: User | SignedInVoter, ranking: Sequence[int], channel: str = Channel.ONLINE,
                entered_by: User | None = None, voting_code: VotingCode | None = None,
                fields: RankingInput | None = None, receipt_code: str | None = None) -> str:
    """Cast `voter`'s ballot in one transaction and return its receipt code.

    `receipt_code` is the code a ballot form's token stands for (pb.domain.receipts); without
    one a random code is drawn. Should the code be taken already, the ballot is cast again under
    a fresh random one.

    Inside the transaction, in order: the round's phase (VotingClosed), the voter's
    eligibility (NotEligible), whether they voted already (AlreadyVoted), whether they must be
    verified first (NotVerified), the ranking (InvalidRanking), the voting code (marked
    used, once), then the voter-roll row and the ballot row. A second ballot for the
    same resident fails on the voter roll's unique constraint and becomes AlreadyVoted;
    any refusal rolls everything back, so a refused ballot stores nothing.
    """
    round_id = round if isinstance(round, int) else round.id
    if channel not in (Channel.ONLINE, Channel.PAPER):
        raise ValueError(f"unknown channel {channel!r}")
    if isinstance(voter, SignedInVoter):
        voter_id, token = voter.user_id, voter.session_token
    else:
        identity = inspect(voter).identity
        voter_id, token = (identity[0] if identity else voter.id), None
    for attempt in range(RECEIPT_TRIES):
        try:
            return _cast_once(round_id, voter_id, token, ranking, channel, entered_by, voting_code, fields,
                              receipt_code if attempt == 0 and receipt_code else new_receipt_code())
        except IntegrityError as exc:
            if _is_voter_roll_duplicate(exc):
                raise AlreadyVoted(_(ALREADY_VOTED)) from None
            if not _is_receipt_taken(exc) or attempt == RECEIPT_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def _cast_once(round_id: int, voter_id: int, token: str | None, ranking: Sequence[int], channel: str,
               entered_by: User | None, voting_code: VotingCode | None, fields: RankingInput | None,
               receipt: str) -> str:
    """One try at cast_ballot's transaction, under the receipt code `receipt`."""
    # Drawn before the write transaction, which should hold SQLite's lock for as short a time as it can.
    nonce, ballot_key = secrets.token_hex(16), secrets.token_hex(16)
    # Paper ballots are audited and voting codes used up through the ORM session, so those
    # are cast in its transaction; an online ballot is plain SQL on a connection of its own.
    store = ballot_store()
    with_session = channel == Channel.PAPER or voting_code is not None
    with store.begin(with_session=with_session) as handle:
        state = store.state(handle, round_id, voter_id, signed_in=token is not None)
        if token is not None and not state.voter.has_session_token(token):
            raise NotSignedIn(_("Please sign in again to vote."))
        round_ = state.round
        if round_.phase != Phase.VOTING_OPEN:
            raise VotingClosed(closed_message(round_))
        reason = why_cannot_take_part(state.voter, round_)
        if reason:
            raise NotEligible(reason)
        if state.voted:
            raise AlreadyVoted(_(ALREADY_VOTED))
        if channel == Channel.ONLINE and state.paper_waiting:
            raise AlreadyVoted(_(ALREADY_VOTED_ON_PAPER))
        known = dict(resident_way=state.voter.verification, paper=channel == Channel.PAPER,
                     used_voting_code=voting_code is not None)
        if verification_rules.must_verify_first(
                verified_only=bool(round_.verified_only),
                verification_requested=state.voter.verification_requested_at is not None, **known):
            raise NotVerified(not_verified_message(round_))
        titles = ShortlistTitles(store, handle, state.shortlist)
        checked = validate_ranking(round_, ranking, titles=titles, fields=fields, for_staff=channel == Channel.PAPER)
        if voting_code is not None:
            mark_code_used(voting_code)
        store.write(handle, StoredBallot(
            round_id=round_id,
            user_id=voter_id,
            channel=str(channel),
            entered_by_id=entered_by.id if entered_by is not None else None,
            used_voting_code=voting_code is not None,
            key=ballot_key,
            ranking=ranking_text(checked),
            nonce=nonce,
            receipt=receipt,
            commitment=commitment_for(round_id, checked, nonce, receipt),
            verification=verification_rules.ballot_verification(**known),
        ))
        if channel == Channel.PAPER:
            audit.record(entered_by, "ballot.paper_entered", round=round_, resident_id=voter_id,
                         entered_by_id=entered_by.id if entered_by is not None else None)
    return receipt


def receipt_cast(round_id: int, receipt: str) -> bool:
    """Whether a ballot with this receipt code is stored in the round (for a voter recovering their receipt)."""
    return db.session.scalar(
        select(Ballot.key).where(Ballot.round_id == round_id, Ballot.receipt == receipt)) is not None
