"""Paper ballots keyed by staff (once, or twice by two people), and finding the resident a paper form belongs to."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from pb.domain.errors import AlreadyVoted, InvalidRanking, NotAllowed, NotEligible, NotFound, PaperEntriesDisagree
from pb.domain.phases import Phase
from pb.domain.postcodes import normalise_postcode
from pb.domain.ranking import RankingInput, ranking_text
from pb.extensions import db
from pb.models import AuditEvent, Channel, PaperEntry, Role, Round, User, VoterRoll
from pb.services import audit
from pb.services.ballots import cast_ballot, checked_round, has_voted, validate_ranking, voted_channel
from pb.services.eligibility import why_cannot_take_part
from pb.services.residents_query import get_resident
from pb.services.transaction import lock_round, transaction
from pb.domain.words import _


@dataclass(frozen=True)
class PaperResult:
    """What happened to a keyed paper ballot: cast (with its receipt) or waiting for a second keying."""

    receipt: str | None
    waiting_for_second: bool = False


def _staff(actor: User) -> None:
    if actor is None or not actor.is_staff:
        raise NotAllowed(_("Only staff can enter paper ballots."))


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
            round_ = checked_round(round_id)
            entry = pending_paper_entry(round_id, resident.id) if round_.paper_double_entry else None
            if entry is None and not identity_checked:
                raise InvalidRanking(
                    _("Tick the box to confirm you have checked this person's identity."), field="identity_checked"
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
                checked = validate_ranking(round_, ranking, fields=fields, for_staff=True)
                db.session.add(PaperEntry(round_id=round_id, user_id=resident.id,
                                          ranking=ranking_text(checked), entered_by_id=actor.id))
                db.session.flush()
                audit.record(actor, "ballot.paper_first_keying", round=round_, resident_id=resident.id)
                return PaperResult(receipt=None, waiting_for_second=True)
            if entry.entered_by_id == actor.id:
                raise NotAllowed(
                    _("You keyed this paper ballot the first time. A different member of staff must key it again "
                      "from the paper form.")
                )
            checked = validate_ranking(round_, ranking, fields=fields, for_staff=True)
            if ranking_text(checked) != entry.ranking:
                raise PaperEntriesDisagree(
                    _("Your entry does not match the first entry of this paper ballot, so nothing has been stored. "
                      "Check the paper form carefully and key it again. If the first entry was wrong, discard it "
                      "and start again.")
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
                _("Another member of staff has just keyed this paper ballot. Key it again as the second entry.")
            ) from None
        raise


def discard_paper_entry(round_id: int, resident_id: int, actor: User) -> None:
    """Throw away a first keying (for example after two entries disagreed), so the form can be keyed afresh."""
    _staff(actor)
    with transaction():
        round_ = lock_round(round_id, for_update=False)
        entry = pending_paper_entry(round_id, resident_id)
        if entry is None:
            raise NotFound(_("There is no paper ballot waiting for this resident."))
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
            raise NotAllowed(_("Unfinished paper ballots can only be cleared after voting has closed."))
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
    if channel == "paper":
        return _("%(name)s has already voted in this round on paper. Each person can vote once.", name=resident.name)
    if channel == "online":
        return _("%(name)s has already voted in this round online. Each person can vote once.", name=resident.name)
    return _("%(name)s has already voted in this round. Each person can vote once.", name=resident.name)


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
