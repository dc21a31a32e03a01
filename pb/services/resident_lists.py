"""Resident lists staff upload, kept only as keyed hashes, and matching residents against them.

An administrator uploads a CSV file of residents known to the organisation or a partner (a
membership list, a tenancy list, an electoral register extract). The file is read whole and
checked first (pb.domain.resident_list); nothing is stored unless every row is good. Each row
is stored as a keyed hash of the normalised name, date of birth and postcode, never in clear.

A resident who matches an entry of any list becomes list-matched (pb.services.verification):
new registrations through `match_resident`, and every self-declared resident already
registered when a list is uploaded or replaced. Replacing a list's file or deleting the
list returns the residents it alone vouched for to self-declared; one that another list
also holds stays list-matched, through that list. Every change is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, func, insert, select

from pb.domain import verification as rules
from pb.domain.errors import NotAllowed, NotFound, ValidationFailed
from pb.domain.resident_list import BadListFile, identity_text, parse_resident_list
from pb.domain.words import N_, _
from pb.extensions import db
from pb.models import ResidentList, ResidentListEntry, Role, User
from pb.services import audit
from pb.services.keyed_hash import RESIDENT_LIST, keyed_hash
from pb.services.transaction import transaction
from pb.services.verification import mark_self_declared, mark_verified

INSERT_CHUNK = 10_000
QUERY_CHUNK = 500
MAX_NAME = 120
MAX_SOURCE = 500
NO_FILE = N_("Choose the CSV file of residents to upload")


def identity_hash(name: str, born, postcode: str) -> str:
    return keyed_hash(RESIDENT_LIST, identity_text(name, born, postcode))


def match_resident(user: User) -> ResidentList | None:
    """Mark a self-declared resident list-matched if a list holds them, in the caller's transaction.

    Returns the list they matched (the oldest, if several do), or None.
    """
    if user.is_verified or user.date_of_birth is None or not user.postcode:
        return None
    found = db.session.scalar(
        select(ResidentList)
        .join(ResidentListEntry, ResidentListEntry.list_id == ResidentList.id)
        .where(ResidentListEntry.identity_hash == identity_hash(user.name, user.date_of_birth, user.postcode))
        .order_by(ResidentList.id)
        .limit(1)
    )
    if found is not None:
        mark_verified(user, rules.LIST, note=_matched_note(found), list_id=found.id)
    return found


# ---------------------------------------------------------------- reading lists


@dataclass(frozen=True)
class ListSummary:
    """A list as staff see it: the list, who uploaded it and how many residents it verifies now."""

    list: ResidentList
    uploaded_by: str | None
    matched: int


def all_lists() -> list[ListSummary]:
    """Every resident list, newest first."""
    lists = list(db.session.scalars(select(ResidentList).order_by(ResidentList.uploaded_at.desc(),
                                                                   ResidentList.id.desc())))
    matched = dict(db.session.execute(
        select(User.verified_list_id, func.count())
        .where(User.verification == rules.LIST, User.verified_list_id.is_not(None))
        .group_by(User.verified_list_id)
    ).all())
    uploaders = _names({lst.uploaded_by_id for lst in lists if lst.uploaded_by_id})
    return [ListSummary(lst, uploaders.get(lst.uploaded_by_id), matched.get(lst.id, 0)) for lst in lists]


def get_list(list_id: int) -> ListSummary:
    lst = db.session.get(ResidentList, list_id)
    if lst is None:
        raise NotFound(_("There is no resident list with that number. It may have been deleted."))
    matched = db.session.scalar(
        select(func.count()).select_from(User)
        .where(User.verification == rules.LIST, User.verified_list_id == list_id)
    )
    return ListSummary(lst, _names({lst.uploaded_by_id}).get(lst.uploaded_by_id), matched or 0)


def _names(user_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in user_ids if i]
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


# ---------------------------------------------------------------- upload, replace, delete


@dataclass(frozen=True)
class ListChange:
    """What an upload, replacement or deletion did."""

    list_id: int
    name: str
    rows: int  # entries the list holds now (0 once deleted)
    matched: int  # self-declared residents who became list-matched
    unverified: int  # residents the list alone vouched for, now self-declared again
    moved: int  # residents it vouched for who are list-matched through another list now


def upload_list(actor: User, name: str | None, source: str | None, data: bytes | None) -> ListChange:
    """An administrator uploads a new resident list; its self-declared residents become list-matched.

    Raises NotAllowed for anyone but an administrator, and ValidationFailed (BadListFile for
    the file, with every bad line) for a missing name or a file that cannot be taken;
    nothing is stored then.
    """
    _require_admin(actor)
    errors: dict[str, str] = {}
    name_c = _clean(name)
    source_c = _clean(source)
    if not name_c:
        errors["name"] = _("Give the list a name, for example: Hackney CVS members, October 2026")
    elif len(name_c) > MAX_NAME:
        errors["name"] = _("Keep the list's name to %(most)s characters or fewer", most=MAX_NAME)
    if len(source_c) > MAX_SOURCE:
        errors["source"] = _("Keep where the list came from to %(most)s characters or fewer", most=MAX_SOURCE)
    hashes = _read_file(data, errors)
    with transaction():
        lst = ResidentList(name=name_c, source=source_c, uploaded_by_id=actor.id,
                           uploaded_at=datetime.now(timezone.utc), row_count=len(hashes))
        db.session.add(lst)
        db.session.flush()
        _insert_entries(lst.id, hashes)
        matched = _match_self_declared(actor, lst, set(hashes))
        audit.record(actor, "resident_list.uploaded", list_id=lst.id, name=lst.name, source=lst.source or None,
                     rows=len(hashes), matched=matched)
    return ListChange(lst.id, lst.name, len(hashes), matched, 0, 0)


def replace_list(actor: User, list_id: int, data: bytes | None) -> ListChange:
    """Swap a list's entries for those of a new file of the same list.

    Residents matched through this list who are not in the new file go back to
    self-declared, unless another list holds them; self-declared residents in the new
    file become list-matched. A bad file changes nothing.
    """
    _require_admin(actor)
    errors: dict[str, str] = {}
    hashes = _read_file(data, errors)
    keep = set(hashes)
    with transaction():
        lst = _lock_list(list_id)
        previous = lst.row_count
        db.session.execute(delete(ResidentListEntry).where(ResidentListEntry.list_id == lst.id))
        _insert_entries(lst.id, hashes)
        lst.row_count = len(hashes)
        lst.replaced_at = datetime.now(timezone.utc)
        # The reasons and notes below go into the audit log as written: not translated.
        unverified, moved = _release_residents(
            actor, lst, keep, reason=f"Not in the new file of the resident list “{lst.name}”")
        matched = _match_self_declared(actor, lst, keep)
        audit.record(actor, "resident_list.replaced", list_id=lst.id, name=lst.name, rows=len(hashes),
                     previous_rows=previous, matched=matched, unverified=unverified, moved=moved)
    return ListChange(lst.id, lst.name, len(hashes), matched, unverified, moved)


def delete_list(actor: User, list_id: int) -> ListChange:
    """Delete a list and its entries; the residents it alone vouched for go back to self-declared."""
    _require_admin(actor)
    with transaction():
        lst = _lock_list(list_id)
        name, rows = lst.name, lst.row_count
        unverified, moved = _release_residents(actor, lst, set(), reason=f"The resident list “{name}” was deleted")
        db.session.execute(delete(ResidentListEntry).where(ResidentListEntry.list_id == lst.id))
        db.session.delete(lst)
        audit.record(actor, "resident_list.deleted", list_id=list_id, name=name, rows=rows,
                     unverified=unverified, moved=moved)
    return ListChange(list_id, name, 0, 0, unverified, moved)


def _require_admin(actor: User | None) -> None:
    if actor is None or not actor.is_admin:
        raise NotAllowed(_("Only an administrator can upload, replace or delete resident lists."))


def _clean(text: str | None) -> str:
    """One line: control characters made spaces, runs of white space one space."""
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in (text or "")).split())


def _read_file(data: bytes | None, errors: dict[str, str]) -> list[str]:
    """The keyed hash of every row of the file; raises for the file's problems and those in `errors`.

    Read and hashed before the transaction begins, so the database's write lock is held
    only for the writes.
    """
    if data is None:
        problem = BadListFile(_(NO_FILE))
    else:
        try:
            rows = parse_resident_list(data)
        except BadListFile as exc:
            problem = exc
        else:
            problem = None
    if problem is not None:
        raise BadListFile(problem.message, problem.problems, errors={**errors, "file": problem.message})
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    # Sorted, so the entries' indexes are written in order (several times faster than in the file's order),
    # and the stored rows do not keep the order of the file.
    return sorted(keyed_hash(RESIDENT_LIST, row.identity) for row in rows)


def _lock_list(list_id: int) -> ResidentList:
    """Read a list inside the transaction, locking its row on PostgreSQL, so changes to one list queue up."""
    stmt = select(ResidentList).where(ResidentList.id == list_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    lst = db.session.scalar(stmt)
    if lst is None:
        raise NotFound(_("There is no resident list with that number. It may have been deleted."))
    return lst


def _insert_entries(list_id: int, hashes: list[str]) -> None:
    """Bulk insert in chunks of Core statements on the table (the ORM's bulk insert adds its own work per row)."""
    for start in range(0, len(hashes), INSERT_CHUNK):
        db.session.execute(insert(ResidentListEntry.__table__),
                           [{"list_id": list_id, "identity_hash": h} for h in hashes[start:start + INSERT_CHUNK]])


def _resident_hashes(*conditions) -> dict[int, str]:
    """Resident id -> the keyed hash of their identity, for residents with a date of birth and postcode."""
    rows = db.session.execute(
        select(User.id, User.name, User.date_of_birth, User.postcode)
        .where(User.role == Role.RESIDENT, User.date_of_birth.is_not(None), User.postcode.is_not(None), *conditions)
    )
    return {uid: identity_hash(name or "", born, postcode) for uid, name, born, postcode in rows}


def _users(ids: list[int]) -> list[User]:
    found: list[User] = []
    for start in range(0, len(ids), QUERY_CHUNK):
        found += db.session.scalars(select(User).where(User.id.in_(ids[start:start + QUERY_CHUNK])).order_by(User.id))
    return found


def _match_self_declared(actor: User, lst: ResidentList, hashes: set[str]) -> int:
    """Make every self-declared resident `hashes` holds list-matched through `lst`; return how many."""
    declared = _resident_hashes(User.verification == rules.SELF_DECLARED)
    matching = sorted(uid for uid, h in declared.items() if h in hashes)
    note = _matched_note(lst)
    users = _users(matching)
    # Their changes and audit rows are flushed together at the end, not before each resident's next statement.
    with db.session.no_autoflush:
        return sum(mark_verified(user, rules.LIST, actor=actor, note=note, list_id=lst.id) for user in users)


def _release_residents(actor: User, lst: ResidentList, keep: set[str], reason: str) -> tuple[int, int]:
    """Residents list-matched through `lst` who are not in `keep`: through another list that holds them,
    or back to self-declared. Returns (how many are self-declared again, how many moved to another list)."""
    through = _resident_hashes(User.verification == rules.LIST, User.verified_list_id == lst.id)
    leaving = {uid: h for uid, h in through.items() if h not in keep}
    elsewhere = _other_lists(lst.id, set(leaving.values()))
    unverified = moved = 0
    # A resident with no date of birth or postcode any more cannot match any list.
    gone = set(db.session.scalars(select(User.id).where(
        User.verification == rules.LIST, User.verified_list_id == lst.id))) - set(through)
    for user in _users(sorted(set(leaving) | gone)):
        other = elsewhere.get(leaving.get(user.id, ""))
        if other is not None:
            user.verified_list_id = other.id
            user.verification_note = _matched_note(other)
            audit.record(actor, "resident.verification_list_changed", resident_id=user.id, list_id=other.id,
                         was_list_id=lst.id)
            moved += 1
        else:
            mark_self_declared(user, actor=actor, reason=reason)
            unverified += 1
    return unverified, moved


def _other_lists(list_id: int, hashes: set[str]) -> dict[str, ResidentList]:
    """For each of `hashes` held by a list other than `list_id`, the oldest such list."""
    wanted = sorted(hashes)
    oldest: dict[str, int] = {}
    for start in range(0, len(wanted), QUERY_CHUNK):
        oldest.update(db.session.execute(
            select(ResidentListEntry.identity_hash, func.min(ResidentListEntry.list_id))
            .where(ResidentListEntry.identity_hash.in_(wanted[start:start + QUERY_CHUNK]),
                   ResidentListEntry.list_id != list_id)
            .group_by(ResidentListEntry.identity_hash)
        ).all())
    lists = {lst.id: lst for lst in db.session.scalars(
        select(ResidentList).where(ResidentList.id.in_(set(oldest.values()) or {0})))}
    return {h: lists[i] for h, i in oldest.items()}


def _matched_note(lst: ResidentList) -> str:
    return f"Matched the resident list “{lst.name}”"
