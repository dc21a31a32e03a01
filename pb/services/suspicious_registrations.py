"""Staff review of registrations that look invented: the open groups, staff's actions on them, and the
90-day deletion of network-prefix hashes.

The signals are pb.domain.suspicion's; this module reads only the rows they need (self-declared
residents who are not refused, and residents who share a date of birth and postcode with
someone), applies the administrator's thresholds (pb.services.site_settings) and hides groups
staff marked checked (a SuspicionReview keeps the group's members then: a group that gains a
member shows again). Every action re-reads the group and the thresholds on the server, and is
refused if the group gained members since the page was shown to staff.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from pb.domain import suspicion
from pb.domain.errors import NotFound, ValidationFailed
from pb.domain.words import N_, _, n_
from pb.extensions import db
from pb.models import EligibilityStatus, Role, SuspicionReview, User, Verification
from pb.services import audit, resident_review
from pb.services.site_settings import get_number
from pb.services.transaction import transaction
from pb.services.verification import clear_old_network_keys, request_verification

NOTE_MAX = 1000

_COLUMNS = (User.id, User.name, User.date_of_birth, User.postcode, User.created_at, User.network_key,
            User.registered_by_id, User.verification, User.eligibility_status, User.address_line)


def _registration(row) -> suspicion.Registration:
    return suspicion.Registration(
        id=row.id, name=row.name, date_of_birth=row.date_of_birth, postcode=row.postcode,
        created_at=row.created_at, network_key=row.network_key, online=row.registered_by_id is None,
        self_declared=(row.verification or Verification.SELF_DECLARED) == Verification.SELF_DECLARED,
        letter_only=row.verification == Verification.LETTER,
        refused=row.eligibility_status == EligibilityStatus.REFUSED,
        address=row.address_line,
    )


def _unchecked() -> list[suspicion.Registration]:
    """Residents nobody has checked (self-declared, or confirmed only by a letter) who are not refused:
    the only ones that count toward a shared postcode, a shared address or a burst."""
    rows = db.session.execute(
        select(*_COLUMNS).where(User.role == Role.RESIDENT,
                                User.verification.in_((Verification.SELF_DECLARED, Verification.LETTER)),
                                User.eligibility_status != EligibilityStatus.REFUSED)
    )
    return [_registration(row) for row in rows]


def _sharing_birth_date_and_postcode() -> list[suspicion.Registration]:
    """Every resident whose date of birth and postcode someone else has too (GROUP BY … HAVING in SQL)."""
    shared = (
        select(User.date_of_birth, User.postcode)
        .where(User.role == Role.RESIDENT, User.date_of_birth.is_not(None), User.postcode.is_not(None))
        .group_by(User.date_of_birth, User.postcode)
        .having(func.count() > 1)
        .subquery()
    )
    rows = db.session.execute(
        select(*_COLUMNS)
        .join(shared, and_(User.date_of_birth == shared.c.date_of_birth, User.postcode == shared.c.postcode))
        .where(User.role == Role.RESIDENT)
    )
    return [_registration(row) for row in rows]


@dataclass(frozen=True)
class Thresholds:
    postcode: int
    burst: int


def thresholds() -> Thresholds:
    return Thresholds(postcode=get_number("suspicious_postcode_threshold"),
                      burst=get_number("suspicious_burst_threshold"))


def _all_groups(limits: Thresholds) -> list[suspicion.Group]:
    unchecked = _unchecked()
    return (suspicion.shared_postcodes(unchecked, limits.postcode)
            + suspicion.shared_addresses(unchecked)
            + suspicion.bursts(unchecked, limits.burst)
            + suspicion.near_duplicates(_sharing_birth_date_and_postcode()))


def _checked() -> dict[tuple[str, str], set[int]]:
    return {(r.kind, r.group_key): suspicion.parse_members(r.members)
            for r in db.session.scalars(select(SuspicionReview))}


@dataclass(frozen=True)
class Review:
    """What staff see: the groups still to check, and how many checked ones are hidden."""

    groups: list[suspicion.Group]
    hidden: int
    thresholds: Thresholds
    # The members of the groups shown, by id, for their details on the page.
    people: dict[int, User] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[suspicion.Group]:
        return [g for g in self.groups if g.kind == kind]


def _open(limits: Thresholds) -> tuple[list[suspicion.Group], int]:
    """The groups not marked checked (or that gained a member since), and how many checked ones are hidden."""
    checked = _checked()
    shown, hidden = [], 0
    for group in _all_groups(limits):
        if suspicion.still_checked(group, checked.get((group.kind, group.group_key))):
            hidden += 1
        else:
            shown.append(group)
    return shown, hidden


def review() -> Review:
    """What the staff page shows: the open groups by kind, with their members' accounts."""
    limits = thresholds()
    shown, hidden = _open(limits)
    ids = {i for g in shown for i in g.member_ids}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return Review(groups=shown, hidden=hidden, thresholds=limits, people=people)


def open_groups() -> list[suspicion.Group]:
    return _open(thresholds())[0]


@dataclass(frozen=True)
class KindCount:
    groups: int = 0
    residents: int = 0


@dataclass(frozen=True)
class SummaryCounts:
    """For the dashboard: open groups and the residents in them, per kind and in all."""

    by_kind: dict[str, KindCount] = field(default_factory=dict)
    groups: int = 0
    residents: int = 0


def summary_counts() -> SummaryCounts:
    groups = open_groups()
    by_kind = {}
    for kind in suspicion.KINDS:
        of_kind = [g for g in groups if g.kind == kind]
        by_kind[kind] = KindCount(len(of_kind), len({i for g in of_kind for i in g.member_ids}))
    return SummaryCounts(by_kind=by_kind, groups=len(groups), residents=len({i for g in groups for i in g.member_ids}))


# ---------------------------------------------------------------- staff actions


GONE = N_("That group is no longer on the list: its registrations may have been verified, refused or checked "
        "already. Look at the list again.")


def _open_group(kind: str, group_key: str, members_seen: str | None) -> suspicion.Group:
    """The group as it is now, read again with the current thresholds; refused if it grew since staff saw it."""
    if kind not in suspicion.KINDS:
        raise NotFound(_(GONE))
    group = next((g for g in open_groups() if g.kind == kind and g.group_key == group_key), None)
    if group is None:
        raise NotFound(_(GONE))
    if members_seen is not None:
        new = set(group.member_ids) - suspicion.parse_members(members_seen)
        if new:
            raise ValidationFailed(n_(
                "This group has %(num)s new registration since you opened the page. "
                "Look at the group again before you act on it.",
                "This group has %(num)s new registrations since you opened the page. "
                "Look at the group again before you act on it.", len(new)))
    return group


def mark_checked(actor: User, kind: str, group_key: str, note: str | None = None,
                 members_seen: str | None = None) -> suspicion.Group:
    """Staff looked at a group and found nothing wrong: it is hidden until someone new joins it."""
    note_c = " ".join((note or "").split())
    if len(note_c) > NOTE_MAX:
        raise ValidationFailed(_("Keep the note to %(most)s characters or fewer", most=format(NOTE_MAX, ",")), field="note")
    try:
        return _record_check(actor, kind, group_key, note_c, members_seen)
    except IntegrityError:
        # Someone else checked the same group at the same moment: their review row is there now.
        return _record_check(actor, kind, group_key, note_c, members_seen)


def _record_check(actor: User, kind: str, group_key: str, note: str, members_seen: str | None) -> suspicion.Group:
    with transaction():
        group = _open_group(kind, group_key, members_seen)
        row = db.session.scalar(select(SuspicionReview).where(SuspicionReview.kind == kind,
                                                              SuspicionReview.group_key == group_key))
        if row is None:
            row = SuspicionReview(kind=kind, group_key=group_key)
            db.session.add(row)
        row.members, row.note = suspicion.members_text(group.member_ids), note
        row.checked_by_id, row.checked_at = actor.id, datetime.now(timezone.utc)
        audit.record(actor, "suspicion.checked", kind=kind, group_key=group_key, members=list(group.member_ids),
                     note=note or None)
    return group


def ask_to_verify(actor: User, kind: str, group_key: str, members_seen: str | None = None) -> int:
    """Ask every self-declared member of a group to be verified before they vote; returns how many."""
    with transaction():
        group = _open_group(kind, group_key, members_seen)
        asked = [m.id for m in group.members if m.self_declared and not m.refused]
        if not asked:
            raise ValidationFailed(_("Everyone in this group is verified or refused already. "
                                     "Mark the group as checked instead."))
        for user_id in asked:
            request_verification(actor, user_id)
        audit.record(actor, "suspicion.verification_requested", kind=kind, group_key=group_key, residents=asked)
    return len(asked)


def refuse_group(actor: User, kind: str, group_key: str, reason: str | None,
                 members_seen: str | None = None) -> int:
    """Refuse every self-declared member of a group, with a reason each of them is shown; returns how many.

    Verified members are real residents and are left as they are. It is one transaction:
    if one refusal fails, nobody is refused.
    """
    with transaction():
        group = _open_group(kind, group_key, members_seen)
        refused = [m.id for m in group.members if m.counts]
        if not refused:
            raise ValidationFailed(_("Nobody in this group can be refused: they are verified or refused already."))
        for user_id in refused:
            resident_review.refuse(actor, user_id, reason)
        audit.record(actor, "suspicion.refused", kind=kind, group_key=group_key, residents=refused)
    return len(refused)


# ---------------------------------------------------------------- keeping network hashes 90 days only


def purge_network_keys(now: datetime | None = None) -> int:
    """Delete the network-prefix hash of every registration older than 90 days; returns how many."""
    with transaction():
        return clear_old_network_keys(now)
