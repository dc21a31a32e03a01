"""Casting ranked ballots: online, with a voting code, and on paper keyed by staff.

One ballot per resident per round is guaranteed by the voter roll's UNIQUE(round_id,
user_id), not by a "has voted?" check: the voter-roll row and the ballot row are
written in one transaction, so a second ballot (sequential or concurrent) fails on
the constraint and nothing of it is stored. The round's phase is read inside that
same transaction under a shared row lock (PostgreSQL) or the write lock (SQLite), so
closing voting waits for ballots being cast and no ballot is stored after the close.

Ballot rows carry no resident, IP address or time, and a random key. Nothing here
logs or audits a ranking together with the person who cast it. (On PostgreSQL, rows
written in one transaction share the system column `xmin`, so someone with direct
access to the database could pair a voter-roll row with its ballot: database operators
are trusted with ballot secrecy, and pb never reads or shows system columns.)

The canonical ballot text behind each receipt is defined once, in `canonical_ballot`;
the results area recomputes receipts with `receipt_for`.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    String,
    bindparam,
    cast,
    exists,
    func,
    insert,
    inspect,
    select,
    true,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from pb.domain.phases import Phase
from pb.domain.words import ordinal, plural
from pb.domain.postcodes import normalise_postcode
from pb.extensions import db
from pb.models import (
    Ballot,
    Channel,
    PaperEntry,
    Proposal,
    ProposalStatus,
    Role,
    Round,
    User,
    VoterRoll,
    VotingCode,
)
from pb.services import audit
from pb.services.eligibility import why_cannot_take_part
from pb.services.errors import (
    AlreadyVoted,
    InvalidRanking,
    NotAllowed,
    NotEligible,
    NotFound,
    NotSignedIn,
    PaperEntriesDisagree,
    VotingClosed,
)
from pb.services.direct_sql import DirectStatement
from pb.services.rounds import lock_round
from pb.services.transaction import transaction, wants_write_lock, write_connection

CANONICAL_VERSION = "pb-ballot-v1"
ALREADY_VOTED = "You have already voted in this round. Each person can vote once."
ALREADY_VOTED_ON_PAPER = (
    "A paper ballot for you in this round is being entered by staff. Each person can vote once."
)
# The most rank fields a form may carry; anything beyond is refused as tampering.
MAX_RANK_FIELDS = 50
_RANK_FIELD = re.compile(r"rank([0-9]{1,3})")
_PROJECT_NUMBER = re.compile(r"[0-9]{1,12}")


# ---------------------------------------------------------------- receipts


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


def ranking_text(ranking: Sequence[int]) -> str:
    return ",".join(str(int(p)) for p in ranking)


# ---------------------------------------------------------------- reading a ranking from a form


@dataclass(frozen=True)
class RankingInput:
    """A ranking read from form fields rank1, rank2, …: project ids in order and the field each came from."""

    ranking: list[int]
    fields: list[str]
    # What the voter chose per field, as sent, to fill the form in again.
    values: dict[str, str]

    def field_for(self, position: int) -> str:
        """The form field of the ranking's `position` (0-based); past the end, the next empty field."""
        if position < len(self.fields):
            return self.fields[position]
        used = {int(f[4:]) for f in self.fields}
        n = 1
        while n in used:
            n += 1
        return f"rank{max(n, position + 1)}"


def read_ranking(form: Mapping[str, str]) -> RankingInput:
    """Read rank1, rank2, … from a submitted form, most preferred first.

    Empty choices are skipped (choosing a 2nd but no 1st makes the 2nd the 1st; the
    review page shows the result). A value that is not a project number is refused;
    the ranking itself is checked by `validate_ranking`.
    """
    numbered: list[tuple[int, str, str]] = []
    for key in form:
        match = _RANK_FIELD.fullmatch(key)
        if match is None:
            continue
        n = int(match.group(1))
        if not 1 <= n <= MAX_RANK_FIELDS:
            raise InvalidRanking(
                "That ballot has more choices than any round allows. Go back to the ballot and choose again.",
                field="rank1",
            )
        numbered.append((n, key, (form.get(key) or "").strip()))
    numbered.sort()
    ranking: list[int] = []
    fields: list[str] = []
    values: dict[str, str] = {}
    for n, key, value in numbered:
        values[key] = value
        if not value:
            continue
        if not _PROJECT_NUMBER.fullmatch(value):
            raise InvalidRanking(
                f"Your {ordinal(n)} choice is not one of the projects on this ballot. Choose a project from the list.",
                field=key,
            )
        ranking.append(int(value))
        fields.append(key)
    return RankingInput(ranking=ranking, fields=fields, values=values)


# ---------------------------------------------------------------- checking a ranking


def shortlisted_titles(round_id: int) -> dict[int, str]:
    """Project id -> title for the projects on this round's ballot (a light query for the cast path)."""
    rows = db.session.execute(
        select(Proposal.id, Proposal.title).where(
            Proposal.round_id == round_id, Proposal.status == ProposalStatus.SHORTLISTED
        )
    )
    return {pid: title for pid, title in rows}


def ballot_projects(round_: Round) -> list[Proposal]:
    """The projects on the ballot, in the order the ballot page lists them."""
    from pb.services.proposals import shortlisted_proposals

    return shortlisted_proposals(round_)


def validate_ranking(round_: Round, ranking: Sequence, titles: Mapping[int, str] | None = None,
                     fields: RankingInput | None = None) -> list[int]:
    """Check a ranking against the round's ballot rules and return it as a list of ids.

    Refused with InvalidRanking (a message saying how to fix it, attached to the form
    field it is about): anything but project numbers, fewer than the round's minimum
    or more than its maximum number of choices, the same project twice, and any
    project that is not shortlisted in this round (unknown, refused, another round's).
    """
    titles = shortlisted_titles(round_.id) if titles is None else titles
    field = fields.field_for if fields is not None else (lambda i: f"rank{i + 1}")
    if isinstance(ranking, (str, bytes)) or not isinstance(ranking, Iterable):
        raise InvalidRanking("Choose projects from the list.", field="rank1")
    ranking = list(ranking)
    for i, project_id in enumerate(ranking):
        if isinstance(project_id, bool) or not isinstance(project_id, int):
            raise InvalidRanking(
                f"Your {ordinal(i + 1)} choice is not one of the projects on this ballot. Choose a project from the list.",
                field=field(i),
            )
    if len(ranking) > round_.max_ranks:
        raise InvalidRanking(
            f"You can choose up to {plural(round_.max_ranks, 'project')}. "
            f"You chose {len(ranking)}: remove {plural(len(ranking) - round_.max_ranks, 'choice')}.",
            field=field(round_.max_ranks),
        )
    if len(ranking) < round_.min_ranks:
        if not ranking:
            message = "Choose your 1st choice: pick a project from the list."
            if round_.min_ranks > 1:
                message = f"Choose at least {round_.min_ranks} projects, starting with your 1st choice."
        else:
            message = (
                f"Choose at least {plural(round_.min_ranks, 'project')}. "
                f"You chose {len(ranking)}: add your {ordinal(len(ranking) + 1)} choice."
            )
        raise InvalidRanking(message, field=field(len(ranking)))
    seen: dict[int, int] = {}
    for i, project_id in enumerate(ranking):
        if project_id not in titles:
            raise InvalidRanking(
                f"Your {ordinal(i + 1)} choice is not one of the projects on this ballot. Choose a project from the list.",
                field=field(i),
            )
        if project_id in seen:
            raise InvalidRanking(
                f"You chose “{titles[project_id]}” as your {ordinal(seen[project_id] + 1)} and your "
                f"{ordinal(i + 1)} choice. Choose each project only once.",
                field=field(i),
            )
        seen[project_id] = i
    return ranking


def check_ranking(round_: Round, ranking_input: RankingInput) -> list[int]:
    """Validate a ranking read from a form (the review step): nothing is written."""
    return validate_ranking(round_, ranking_input.ranking, fields=ranking_input)


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


def _checked_round(round_id: int) -> Round:
    round_ = lock_round(round_id, for_update=False)
    if round_.phase != Phase.VOTING_OPEN:
        raise VotingClosed(closed_message(round_))
    return round_


def _end_read_only_transaction() -> None:
    """End the read-only transaction the request opened (looking up who is signed in), keeping what it loaded.

    transaction() would roll it back, which expires every loaded object, so the page's
    later checks (is the signed-in user active?) would read the user again. Committing a
    transaction that wrote nothing changes nothing and keeps them. cast_ballot reads the
    voter's current state inside its own transaction in any case.
    """
    session = db.session()
    if not wants_write_lock() and session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()


def closed_message(round_: Round) -> str:
    if round_.phase_enum.is_at_least(Phase.VOTING_CLOSED):
        return "Voting in this round has closed, so no more votes can be cast."
    return "Voting in this round has not opened yet."


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
                fields: RankingInput | None = None) -> str:
    """Cast `voter`'s ballot in one transaction and return its receipt code.

    Inside the transaction, in order: the round's phase (VotingClosed), the voter's
    eligibility (NotEligible), the ranking (InvalidRanking), the voting code (marked
    used, once), then the voter-roll row and the ballot row. A second ballot for the
    same resident fails on the voter roll's unique constraint and becomes AlreadyVoted;
    any refusal rolls everything back, so a refused ballot stores nothing.
    """
    round_id = round if isinstance(round, int) else round.id
    if channel not in (Channel.ONLINE, Channel.PAPER):
        raise ValueError(f"unknown channel {channel!r}")
    # Drawn before the write transaction, which should hold SQLite's lock for as short a time as it can.
    nonce, ballot_key = secrets.token_hex(16), secrets.token_hex(16)
    if isinstance(voter, SignedInVoter):
        voter_id, token = voter.user_id, voter.session_token
    else:
        identity = inspect(voter).identity
        voter_id, token = (identity[0] if identity else voter.id), None
    # Paper ballots are audited and voting codes used up through the ORM session, so those
    # are cast in its transaction; an online ballot is plain SQL on a connection of its own.
    with_session = channel == Channel.PAPER or voting_code is not None
    if with_session:
        _end_read_only_transaction()
    try:
        with write_connection(with_session=with_session) as conn:
            state = _ballot_state(conn, round_id, voter_id, signed_in=token is not None)
            if token is not None and not state.voter.has_session_token(token):
                raise NotSignedIn("Please sign in again to vote.")
            round_ = state.round
            if round_.phase != Phase.VOTING_OPEN:
                raise VotingClosed(closed_message(round_))
            reason = why_cannot_take_part(state.voter, round_)
            if reason:
                raise NotEligible(reason)
            if state.voted:
                raise AlreadyVoted(ALREADY_VOTED)
            if channel == Channel.ONLINE and state.paper_waiting:
                raise AlreadyVoted(ALREADY_VOTED_ON_PAPER)
            titles = _ShortlistTitles(conn, round_id, state.shortlist)
            checked = validate_ranking(round_, ranking, titles=titles, fields=fields)
            if voting_code is not None:
                from pb.services.voting_codes import mark_code_used

                mark_code_used(voting_code)
            # The voter roll first: a second ballot for this resident fails here, on its unique constraint.
            _INSERT_ROLL.execute(conn, {
                "round_id": round_id,
                "user_id": voter_id,
                "channel": str(channel),
                "entered_by_id": entered_by.id if entered_by is not None else None,
                "used_voting_code": voting_code is not None,
            })
            receipt = receipt_for(round_id, checked, nonce)
            _INSERT_BALLOT.execute(conn, {
                "key": ballot_key,
                "round_id": round_id,
                "ranking": ranking_text(checked),
                "nonce": nonce,
                "receipt": receipt,
            })
            if channel == Channel.PAPER:
                audit.record(entered_by, "ballot.paper_entered", round=round_, resident_id=voter_id,
                             entered_by_id=entered_by.id if entered_by is not None else None)
    except IntegrityError as exc:
        if _is_voter_roll_duplicate(exc):
            raise AlreadyVoted(ALREADY_VOTED) from None
        raise
    return receipt


# Everything a ballot is checked against, in one statement inside the write transaction:
# the round (under FOR SHARE on PostgreSQL, the same lock as rounds.lock_round(for_update=False),
# so closing voting waits for ballots being cast and a ballot cast after the close sees it closed;
# SQLite renders no lock clause, as its transaction began IMMEDIATE and holds the only write lock),
# the voter's eligibility as it is now, whether they are on the voter roll or have a paper ballot
# waiting for its second keying, and the ids of the shortlisted projects.
_ROUND_COLUMNS = (Round.title, Round.phase, Round.min_ranks, Round.max_ranks, Round.min_age,
                  Round.age_reference_date, Round.accepted_postcodes, Round.review_postcodes, Round.area_name,
                  Round.paper_double_entry, Round.voting_open_on)
_VOTER_COLUMNS = (User.role, User.name, User.is_active_account, User.eligibility_status, User.eligibility_reason,
                  User.date_of_birth, User.postcode, User.session_token)
_BALLOT_STATE = DirectStatement(
    select(
        Round.id.label("round_id"), *_ROUND_COLUMNS,
        User.id.label("user_id"), *_VOTER_COLUMNS,
        exists().where(VoterRoll.round_id == Round.id, VoterRoll.user_id == User.id).label("voted"),
        exists().where(PaperEntry.round_id == Round.id, PaperEntry.user_id == User.id).label("paper_waiting"),
        select(func.aggregate_strings(cast(Proposal.id, String), ","))
        .where(Proposal.round_id == Round.id, Proposal.status == ProposalStatus.SHORTLISTED.value)
        .scalar_subquery().label("shortlist"),
    )
    .select_from(Round)
    .join(User, true())
    .where(Round.id == bindparam("round_id"), User.id == bindparam("user_id"))
    .with_for_update(read=True, of=Round)
)


@dataclass(frozen=True)
class _BallotState:
    round: Round      # a detached snapshot, never added to the session
    voter: User       # likewise: the voter's row as it is inside this transaction
    voted: bool
    paper_waiting: bool
    shortlist: frozenset[int]


def _ballot_state(conn, round_id: int, user_id: int, signed_in: bool) -> _BallotState:
    rows = _BALLOT_STATE.execute(conn, {"round_id": round_id, "user_id": user_id})
    row = dict(zip(_BALLOT_STATE.keys, rows[0])) if rows else None
    if row is None:
        if not _ROUND_EXISTS.execute(conn, {"round_id": round_id}):
            raise NotFound("There is no funding round with that number.")
        if signed_in:
            raise NotSignedIn("Please sign in again to vote.")
        raise NotEligible("We cannot find your account. Please sign in again.")
    round_ = _snapshot(Round, id=row["round_id"], **{c.key: row[c.key] for c in _ROUND_COLUMNS})
    voter = _snapshot(User, id=row["user_id"], **{c.key: row[c.key] for c in _VOTER_COLUMNS})
    shortlist = frozenset(int(p) for p in (row["shortlist"] or "").split(",") if p)
    return _BallotState(round_, voter, bool(row["voted"]), bool(row["paper_waiting"]), shortlist)


def _snapshot(model, **values):
    """A read-only copy of a row as a detached `model` instance, filled the way the ORM fills a loaded one.

    The model's own properties work on it (User.is_staff, Round.phase_enum); it is never
    added to a session, so the change tracking a constructor sets up would be wasted.
    """
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    return instance


class _ShortlistTitles(Mapping):
    """Project id -> title for the shortlist; titles are looked up only for an error message."""

    def __init__(self, conn, round_id: int, ids: frozenset[int]):
        self._conn = conn  # the ballot's own transaction: another connection would queue behind its write lock
        self._round_id = round_id
        self._ids = ids

    def __contains__(self, project_id) -> bool:
        return project_id in self._ids

    def __getitem__(self, project_id: int) -> str:
        if project_id not in self._ids:
            raise KeyError(project_id)
        rows = _PROJECT_TITLE.execute(self._conn, {"project_id": project_id})
        return rows[0][0] if rows else ""

    def __iter__(self):
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


_ROUND_EXISTS = DirectStatement(select(Round.id).where(Round.id == bindparam("round_id")))
_PROJECT_TITLE = DirectStatement(select(Proposal.title).where(Proposal.id == bindparam("project_id")))
_INSERT_ROLL = DirectStatement(insert(VoterRoll.__table__),
                               column_keys=("round_id", "user_id", "channel", "entered_by_id", "used_voting_code"))
_INSERT_BALLOT = DirectStatement(insert(Ballot.__table__), column_keys=("key", "round_id", "ranking", "nonce", "receipt"))


# ---------------------------------------------------------------- paper and assisted voting


@dataclass(frozen=True)
class PaperResult:
    """What happened to a keyed paper ballot: cast (with its receipt) or waiting for a second keying."""

    receipt: str | None
    waiting_for_second: bool = False


def _staff(actor: User) -> None:
    if actor is None or not actor.is_staff:
        raise NotAllowed("Only staff can enter paper ballots.")


def get_resident(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.RESIDENT:
        raise NotFound("There is no resident with that number.")
    return user


def pending_paper_entry(round_id: int, user_id: int) -> PaperEntry | None:
    return db.session.scalar(
        select(PaperEntry).where(PaperEntry.round_id == round_id, PaperEntry.user_id == user_id)
    )


def enter_paper_ballot(round_id: int, resident_id: int, ranking: Sequence[int], actor: User,
                       identity_checked: bool, fields: RankingInput | None = None) -> PaperResult:
    """Store a paper ballot keyed by a member of staff.

    Without double entry the ballot is cast at once (channel paper, the member of staff
    on the voter roll). With double entry the first keying is held as a PaperEntry; a
    different member of staff keys the same form again and the ballot is cast only when
    both agree (the PaperEntry is then removed in the same transaction). When they
    disagree nothing is stored, the first keying stays, and the disagreement is
    audited (without either ranking) so both members of staff see it.
    """
    _staff(actor)
    resident = get_resident(resident_id)
    try:
        with transaction():
            round_ = _checked_round(round_id)
            entry = pending_paper_entry(round_id, resident.id) if round_.paper_double_entry else None
            if entry is None and not identity_checked:
                raise InvalidRanking(
                    "Tick the box to confirm you have checked this person's identity.", field="identity_checked"
                )
            if not round_.paper_double_entry:
                receipt = cast_ballot(round_, resident, ranking, Channel.PAPER, entered_by=actor, fields=fields)
                return PaperResult(receipt=receipt)
            if entry is None:
                reason = why_cannot_take_part(resident, round_)
                if reason:
                    raise NotEligible(reason)
                if has_voted(round_id, resident.id):
                    raise AlreadyVoted(already_voted_message(round_id, resident))
                checked = validate_ranking(round_, ranking, fields=fields)
                db.session.add(PaperEntry(round_id=round_id, user_id=resident.id,
                                          ranking=ranking_text(checked), entered_by_id=actor.id))
                db.session.flush()
                audit.record(actor, "ballot.paper_first_keying", round=round_, resident_id=resident.id)
                return PaperResult(receipt=None, waiting_for_second=True)
            if entry.entered_by_id == actor.id:
                raise NotAllowed(
                    "You keyed this paper ballot the first time. A different member of staff must key it again "
                    "from the paper form."
                )
            checked = validate_ranking(round_, ranking, fields=fields)
            if ranking_text(checked) != entry.ranking:
                raise PaperEntriesDisagree(
                    "Your entry does not match the first entry of this paper ballot, so nothing has been stored. "
                    "Check the paper form carefully and key it again. If the first entry was wrong, discard it "
                    "and start again."
                )
            first_keyer = db.session.get(User, entry.entered_by_id) if entry.entered_by_id else None
            receipt = cast_ballot(round_, resident, checked, Channel.PAPER, entered_by=first_keyer or actor)
            audit.record(actor, "ballot.paper_confirmed", round=round_, resident_id=resident.id,
                         first_keyed_by_id=entry.entered_by_id)
            db.session.delete(entry)
            return PaperResult(receipt=receipt)
    except PaperEntriesDisagree:
        # Record the disagreement on its own (nothing else is stored) so the first keyer sees it too.
        with transaction():
            entry = pending_paper_entry(round_id, resident.id)
            audit.record(actor, "ballot.paper_mismatch", round=db.session.get(Round, round_id),
                         resident_id=resident.id, first_keyed_by_id=entry.entered_by_id if entry else None)
        raise
    except IntegrityError as exc:
        if "paper_entries" in str(getattr(exc, "orig", exc)):
            raise AlreadyVoted(
                "Another member of staff has just keyed this paper ballot. Key it again as the second entry."
            ) from None
        raise


def discard_paper_entry(round_id: int, resident_id: int, actor: User) -> None:
    """Throw away a first keying (for example after two entries disagreed), so the form can be keyed afresh."""
    _staff(actor)
    with transaction():
        round_ = lock_round(round_id, for_update=False)
        entry = pending_paper_entry(round_id, resident_id)
        if entry is None:
            raise NotFound("There is no paper ballot waiting for this resident.")
        db.session.delete(entry)
        audit.record(actor, "ballot.paper_discarded", round=round_, resident_id=resident_id,
                     first_keyed_by_id=entry.entered_by_id)


def discard_unfinished_paper_entries(round_id: int, actor: User) -> int:
    """After voting has closed, remove first keyings that never got their second one.

    They were never ballots, and each links a resident to a ranking, so they should not be
    kept. Returns how many were removed (audited with the count, never the rankings).
    """
    _staff(actor)
    with transaction():
        round_ = lock_round(round_id, for_update=False)
        if not round_.phase_enum.is_at_least(Phase.VOTING_CLOSED):
            raise NotAllowed("Unfinished paper ballots can only be cleared after voting has closed.")
        entries = list(db.session.scalars(select(PaperEntry).where(PaperEntry.round_id == round_id)))
        for entry in entries:
            db.session.delete(entry)
        audit.record(actor, "ballot.paper_unfinished_discarded", round=round_, count=len(entries))
    return len(entries)


def unfinished_paper_count(round_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(PaperEntry).where(PaperEntry.round_id == round_id)) or 0


@dataclass(frozen=True)
class PendingPaper:
    resident: User
    entered_by: User | None
    created_at: object
    mismatch_by: list[str]


def pending_paper_entries(round_id: int) -> list[PendingPaper]:
    """First keyings waiting for a second member of staff, with any disagreement since (never the ranking).

    Two queries whatever the number waiting: the keyings with both people, then the round's
    disagreements since the oldest keying, matched to residents here.
    """
    resident, keyer = aliased(User), aliased(User)
    rows = db.session.execute(
        select(PaperEntry, resident, keyer)
        .join(resident, resident.id == PaperEntry.user_id)
        .outerjoin(keyer, keyer.id == PaperEntry.entered_by_id)
        .where(PaperEntry.round_id == round_id)
        .order_by(PaperEntry.created_at, PaperEntry.id)
    ).all()
    if not rows:
        return []
    mismatches = _paper_mismatches(round_id, since=min(entry.created_at for entry, _, _ in rows))
    return [
        PendingPaper(
            resident=who,
            entered_by=by,
            created_at=entry.created_at,
            mismatch_by=[name for at, name in mismatches.get(entry.user_id, []) if at >= entry.created_at],
        )
        for entry, who, by in rows
    ]


def paper_mismatch_for(entry: PaperEntry) -> list[str]:
    """Who disagreed with this first keying of a paper ballot since it was made."""
    found = _paper_mismatches(entry.round_id, since=entry.created_at, resident_id=entry.user_id)
    return [name for _, name in found.get(entry.user_id, [])]


def _paper_mismatches(round_id: int, since, resident_id: int | None = None) -> dict[int, list[tuple]]:
    """Resident id -> [(when, staff name)] of the round's audited keying disagreements since `since`, oldest first."""
    from pb.models import AuditEvent

    actor = aliased(User)
    query = (
        select(AuditEvent.created_at, AuditEvent.details, actor.name)
        .join(actor, actor.id == AuditEvent.actor_id)
        .where(AuditEvent.round_id == round_id, AuditEvent.action == "ballot.paper_mismatch",
               AuditEvent.created_at >= since)
        .order_by(AuditEvent.id)
    )
    if resident_id is not None:
        # Compared as text, which never fails on either database whatever a row holds.
        query = query.where(cast(AuditEvent.details["resident_id"].as_string(), String) == str(resident_id))
    found: dict[int, list[tuple]] = {}
    for created_at, details, name in db.session.execute(query):
        who = (details or {}).get("resident_id")
        if isinstance(who, int):
            found.setdefault(who, []).append((created_at, name))
    return found


def already_voted_message(round_id: int, resident: User) -> str:
    channel = voted_channel(round_id, resident.id)
    how = {"paper": "on paper", "online": "online"}.get(channel or "", "")
    return f"{resident.name} has already voted in this round{(' ' + how) if how else ''}. Each person can vote once."


@dataclass(frozen=True)
class ResidentMatch:
    resident: User
    voted_channel: str | None
    waiting_entry: bool
    problem: str | None


def find_residents(round_: Round, name: str | None = None, postcode: str | None = None,
                   date_of_birth: date | None = None, limit: int = 30) -> list[ResidentMatch]:
    """Residents matching a name (part of it), a postcode and/or a date of birth, for paper voting."""
    stmt = select(User).where(User.role == Role.RESIDENT)
    name_key = " ".join((name or "").lower().split())
    if name_key:
        escaped = name_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(User.name_key.like(f"%{escaped}%", escape="\\"))
    if postcode and postcode.strip():
        full = normalise_postcode(postcode)
        if full:
            stmt = stmt.where(User.postcode == full)
        else:  # an outward code such as "E8": every postcode in that district
            district = re.sub(r"[^A-Z0-9]", "", postcode.upper())
            stmt = stmt.where(User.postcode.like(f"{district} %"))
    if date_of_birth is not None:
        stmt = stmt.where(User.date_of_birth == date_of_birth)
    if not (name_key or (postcode and postcode.strip()) or date_of_birth):
        return []
    users = list(db.session.scalars(stmt.order_by(User.name_key, User.id).limit(limit)))
    if not users:
        return []
    ids = [u.id for u in users]
    channels = dict(db.session.execute(
        select(VoterRoll.user_id, VoterRoll.channel).where(VoterRoll.round_id == round_.id, VoterRoll.user_id.in_(ids))
    ).all())
    waiting = set(db.session.scalars(
        select(PaperEntry.user_id).where(PaperEntry.round_id == round_.id, PaperEntry.user_id.in_(ids))
    ))
    return [
        ResidentMatch(resident=u, voted_channel=channels.get(u.id), waiting_entry=u.id in waiting,
                      problem=why_cannot_take_part(u, round_))
        for u in users
    ]


def ballots_by_channel(round_id: int) -> dict[str, int]:
    """Ballots cast so far by channel (counts only)."""
    rows = db.session.execute(
        select(VoterRoll.channel, func.count()).where(VoterRoll.round_id == round_id).group_by(VoterRoll.channel)
    )
    return {channel: n for channel, n in rows}
