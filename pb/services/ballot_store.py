"""Where a ballot is read and written: one interface, a fast store on the driver's cursor and a plain-ORM one.

Casting a ballot (pb.services.ballots.cast_ballot) asks a store for three things inside one write
transaction: the state the ballot is checked against, a project's title for an error message, and
writing the voter-roll row and the ballot row. Both stores give the same answers and the same
guarantees (the voter roll's unique constraint, the round read under a row lock that closing voting
waits for on PostgreSQL):

- `FastBallotStore` ("fast", the default) reads everything in one statement and writes with
  DirectStatement on a connection of its own, in psycopg's pipeline mode on PostgreSQL: two round
  trips a ballot, and SQLite's write lock held for the statements alone.
- `OrmBallotStore` ("orm") does the same through the ORM session, one plain query at a time, with
  the round's row taken FOR UPDATE (ballots in one round queue in turn on PostgreSQL): the
  reference the fast store is tested against, and what to switch to (PB_BALLOT_STORE=orm) if a
  SQLAlchemy or driver release ever disagrees with the fast one.

A paper ballot and a ballot cast with a voting code also write through the ORM session (an audit
row, the code marked used), so both stores then run in the session's transaction.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import String, bindparam, cast, exists, func, insert, select, true

from pb.domain.errors import NotEligible, NotFound, NotSignedIn
from pb.extensions import db
from pb.models import Ballot, PaperEntry, Proposal, ProposalStatus, Round, User, VoterRoll
from pb.services.direct_sql import DirectStatement
from pb.services.transaction import end_read_only_transaction, lock_round, transaction, write_connection

STORES = ("fast", "orm")


@dataclass(frozen=True)
class BallotState:
    """What a ballot is checked against, read inside its write transaction."""

    round: Round
    voter: User
    voted: bool
    paper_waiting: bool
    shortlist: frozenset[int]


@dataclass(frozen=True)
class StoredBallot:
    """The two rows a ballot writes: the voter roll's (who voted, never how) and the ballot's (how, never who)."""

    round_id: int
    user_id: int
    channel: str
    entered_by_id: int | None
    used_voting_code: bool
    key: str
    ranking: str
    nonce: str
    receipt: str
    commitment: str
    # How the voter was known (pb.domain.verification.ballot_verification), kept on the voter roll.
    verification: str


class BallotStore(Protocol):
    name: str

    def begin(self, *, with_session: bool) -> Any:
        """A context manager for the ballot's write transaction, yielding what the other methods take."""

    def state(self, handle: Any, round_id: int, user_id: int, signed_in: bool) -> BallotState: ...

    def project_title(self, handle: Any, project_id: int) -> str: ...

    def write(self, handle: Any, ballot: StoredBallot) -> None: ...


def _missing(handle_round_exists: bool, signed_in: bool) -> Exception:
    if not handle_round_exists:
        return NotFound("There is no funding round with that number.")
    if signed_in:
        return NotSignedIn("Please sign in again to vote.")
    return NotEligible("We cannot find your account. Please sign in again.")


# ---------------------------------------------------------------- the fast store


# Everything a ballot is checked against, in one statement inside the write transaction:
# the round (under FOR SHARE on PostgreSQL, the same lock as transaction.lock_round(for_update=False),
# so closing voting waits for ballots being cast and a ballot cast after the close sees it closed;
# SQLite renders no lock clause, as its transaction began IMMEDIATE and holds the only write lock),
# the voter's eligibility as it is now, whether they are on the voter roll or have a paper ballot
# waiting for its second keying, and the ids of the shortlisted projects.
_ROUND_COLUMNS = (Round.title, Round.phase, Round.min_ranks, Round.max_ranks, Round.min_age,
                  Round.age_reference_date, Round.accepted_postcodes, Round.review_postcodes, Round.area_name,
                  Round.paper_double_entry, Round.voting_open_on, Round.verified_only)
_VOTER_COLUMNS = (User.role, User.name, User.is_active_account, User.eligibility_status, User.eligibility_reason,
                  User.date_of_birth, User.postcode, User.session_token, User.verification,
                  User.verification_requested_at)
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
_ROUND_EXISTS = DirectStatement(select(Round.id).where(Round.id == bindparam("round_id")))
_PROJECT_TITLE = DirectStatement(select(Proposal.title).where(Proposal.id == bindparam("project_id")))
_ROLL_KEYS = ("round_id", "user_id", "channel", "entered_by_id", "used_voting_code", "verification")
_BALLOT_KEYS = ("key", "round_id", "ranking", "nonce", "receipt", "commitment")
_INSERT_ROLL = DirectStatement(insert(VoterRoll.__table__), column_keys=_ROLL_KEYS)
_INSERT_BALLOT = DirectStatement(insert(Ballot.__table__), column_keys=_BALLOT_KEYS)


def _snapshot(model, **values):
    """A read-only copy of a row as a detached `model` instance, filled the way the ORM fills a loaded one.

    The model's own properties work on it (User.is_staff, Round.phase_enum); it is never
    added to a session, so the change tracking a constructor sets up would be wasted.
    """
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    return instance


class FastBallotStore:
    """Core statements on the driver's cursor (pb.services.direct_sql), in a transaction of their own."""

    name = "fast"

    @contextmanager
    def begin(self, *, with_session: bool) -> Iterator[Any]:
        if with_session:
            end_read_only_transaction()  # keep what the request loaded: transaction() would expire it
        with write_connection(with_session=with_session) as conn:
            yield conn

    def state(self, conn, round_id: int, user_id: int, signed_in: bool) -> BallotState:
        rows = _BALLOT_STATE.execute(conn, {"round_id": round_id, "user_id": user_id})
        if not rows:
            raise _missing(bool(_ROUND_EXISTS.execute(conn, {"round_id": round_id})), signed_in)
        row = dict(zip(_BALLOT_STATE.keys, rows[0]))
        round_ = _snapshot(Round, id=row["round_id"], **{c.key: row[c.key] for c in _ROUND_COLUMNS})
        voter = _snapshot(User, id=row["user_id"], **{c.key: row[c.key] for c in _VOTER_COLUMNS})
        shortlist = frozenset(int(p) for p in (row["shortlist"] or "").split(",") if p)
        return BallotState(round_, voter, bool(row["voted"]), bool(row["paper_waiting"]), shortlist)

    def project_title(self, conn, project_id: int) -> str:
        # On the ballot's own connection: another one would queue behind its write lock.
        rows = _PROJECT_TITLE.execute(conn, {"project_id": project_id})
        return rows[0][0] if rows else ""

    def write(self, conn, ballot: StoredBallot) -> None:
        # The voter roll first: a second ballot for this resident fails here, on its unique constraint.
        _INSERT_ROLL.execute(conn, {k: getattr(ballot, k) for k in _ROLL_KEYS})
        _INSERT_BALLOT.execute(conn, {k: getattr(ballot, k) for k in _BALLOT_KEYS})


# ---------------------------------------------------------------- the plain-ORM store


class OrmBallotStore:
    """The same reads and writes through the ORM session, inside transaction()."""

    name = "orm"

    @contextmanager
    def begin(self, *, with_session: bool) -> Iterator[None]:
        end_read_only_transaction()  # keep what the request loaded: transaction() would expire it
        with transaction():
            yield None

    def state(self, handle, round_id: int, user_id: int, signed_in: bool) -> BallotState:
        # FOR UPDATE, not the fast store's FOR SHARE: this store's transactions are long enough that on
        # PostgreSQL a stream of overlapping share locks would keep a closing of voting waiting until
        # the stream ends (new share lockers do not queue behind it). Exclusive, the ballots and the
        # close queue in turn, as every write does on SQLite.
        try:
            round_ = lock_round(round_id, for_update=True)
        except NotFound:
            raise _missing(False, signed_in) from None
        voter = db.session.get(User, user_id, populate_existing=True)
        if voter is None:
            raise _missing(True, signed_in)
        voted = db.session.scalar(
            select(VoterRoll.id).where(VoterRoll.round_id == round_id, VoterRoll.user_id == user_id)) is not None
        waiting = db.session.scalar(
            select(PaperEntry.id).where(PaperEntry.round_id == round_id, PaperEntry.user_id == user_id)) is not None
        shortlist = frozenset(db.session.scalars(
            select(Proposal.id).where(Proposal.round_id == round_id, Proposal.status == ProposalStatus.SHORTLISTED)))
        return BallotState(round_, voter, voted, waiting, shortlist)

    def project_title(self, handle, project_id: int) -> str:
        return db.session.scalar(select(Proposal.title).where(Proposal.id == project_id)) or ""

    def write(self, handle, ballot: StoredBallot) -> None:
        # Flushed one at a time, the voter roll first, so a second ballot fails on its unique constraint.
        db.session.add(VoterRoll(**{k: getattr(ballot, k) for k in _ROLL_KEYS}))
        db.session.flush()
        db.session.add(Ballot(**{k: getattr(ballot, k) for k in _BALLOT_KEYS}))
        db.session.flush()


_STORES: dict[str, BallotStore] = {"fast": FastBallotStore(), "orm": OrmBallotStore()}


def ballot_store() -> BallotStore:
    """The store this app is set to use (PB_BALLOT_STORE: "fast" or "orm")."""
    return _STORES[current_app.config["PB_BALLOT_STORE"]]  # checked at start-up (pb.web.configure)


class ShortlistTitles(Mapping):
    """Project id -> title for a ballot's shortlist; titles are looked up only for an error message."""

    def __init__(self, store: BallotStore, handle: Any, ids: frozenset[int]):
        self._store = store
        self._handle = handle
        self._ids = ids

    def __contains__(self, project_id) -> bool:
        return project_id in self._ids

    def __getitem__(self, project_id: int) -> str:
        if project_id not in self._ids:
            raise KeyError(project_id)
        return self._store.project_title(self._handle, project_id)

    def __iter__(self):
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)
