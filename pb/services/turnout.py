"""Who could vote and how many did: eligible residents for a round, and ballots by channel (counts only)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from pb.domain.eligibility import REFUSED
from pb.domain.verification import RESIDENT_WAYS, count_by_way
from pb.extensions import db
from pb.models import CountResult, EligibilityStatus, Role, Round, User, VoterRoll
from pb.services.eligibility import assess_details, round_rules

_MARKED_ELIGIBLE = (
    User.role == Role.RESIDENT,
    User.eligibility_status == EligibilityStatus.ELIGIBLE,
    User.is_active_account.is_(True),
)


def eligible_for_round(round_: Round) -> int:
    """Registered residents marked eligible who may take part in this round (its age and area rules)."""
    return sum(eligible_by_verification(round_).values())


def eligible_by_verification(round_: Round) -> dict[str, int]:
    """Residents who may take part in this round, by how each is known (verified which way, or self-declared).

    The same test as why_cannot_take_part, on the columns the round's rules read (no
    account objects are built: this reads every eligible resident).
    """
    rules = round_rules(round_)
    rows = db.session.execute(select(User.date_of_birth, User.postcode, User.verification).where(*_MARKED_ELIGIBLE))
    return count_by_way(((way, 1) for dob, postcode, way in rows
                         if assess_details(dob, postcode, rules).status != REFUSED), RESIDENT_WAYS)


def residents_marked_eligible() -> int:
    """Residents marked eligible in any round, whatever each round's own rules: a figure for the whole site."""
    return db.session.scalar(select(func.count()).select_from(User).where(*_MARKED_ELIGIBLE)) or 0


def ballots_by_channel(round_id: int) -> dict[str, int]:
    """Ballots cast so far in one round by channel, from the voter roll (counts only)."""
    return ballots_by_round_and_channel(round_id).get(round_id, {})


def ballots_by_round_and_channel(round_id: int | None = None) -> dict[int, dict[str, int]]:
    """Ballots cast per round and channel (for one round, or all), from the voter roll: counts only,
    never how anyone voted."""
    query = select(VoterRoll.round_id, VoterRoll.channel, func.count()).group_by(VoterRoll.round_id, VoterRoll.channel)
    if round_id is not None:
        query = query.where(VoterRoll.round_id == round_id)
    out: dict[int, dict[str, int]] = {}
    for rid, channel, n in db.session.execute(query):
        out.setdefault(rid, {})[channel] = n
    return out


@dataclass
class Turnout:
    online: int
    paper: int
    eligible: int

    @property
    def total(self) -> int:
        return self.online + self.paper

    def share(self, n: int) -> str:
        if not self.eligible:
            return "–"
        return f"{100 * n / self.eligible:.1f}%"


def eligible_residents(round_: Round, result: CountResult | None = None, now: int | None = None) -> int:
    """The round's eligible-residents figure: as fixed by `result`'s count where it kept it, else as it is now
    (`now`, where the caller has already worked it out).

    The staff round page and the public results both read it here, so they show the same figure.
    """
    if result is not None and result.eligible_residents is not None:
        return result.eligible_residents
    return eligible_for_round(round_) if now is None else now


def turnout(round_: Round, result: CountResult | None = None) -> Turnout:
    """Ballots by channel, against the residents who could vote (see eligible_residents)."""
    rows = ballots_by_channel(round_.id)
    return Turnout(online=int(rows.get("online", 0)), paper=int(rows.get("paper", 0)),
                   eligible=eligible_residents(round_, result))
