"""One-time voting codes: printed in a letter for a resident who has no email or password.

A code is 12 characters drawn with `secrets` from an alphabet with no look-alike
characters (about 56 bits), shown as three groups of four ("K7QX-4MRT-9WHC") and typed
in any case, with or without dashes or spaces. Only a keyed hash of the normalised code is
stored (HMAC-SHA256 with a key derived from SECRET_KEY), so neither the database nor the
log can give a code back: the letter page right after issuing is the only place it appears.
A code works once, only in its round, and issuing a new one cancels an unused older one.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import func, select, update

from pb.domain.phases import Phase
from pb.domain.words import _
from pb.extensions import db
from pb.models import Round, User, VoterRoll, VotingCode
from pb.services import audit
from pb.services.keyed_hash import VOTING_CODE, keyed_hash
from pb.services.eligibility import page_day, why_cannot_take_part
from pb.domain.errors import AlreadyVoted, DomainError, NotEligible, PhaseError, StaleEdit, ValidationFailed
from pb.services.transaction import transaction

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: nothing a reader could take for something else.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 12
GROUP = 4


class VotingCodeError(DomainError):
    """A code that cannot be used; the message says what to do instead."""


class CodeNotRecognised(VotingCodeError, ValidationFailed):
    status_code = 400


class CodeAlreadyUsed(VotingCodeError, AlreadyVoted):
    status_code = 409


class CodeReplaced(VotingCodeError):
    status_code = 409


class CodeRoundNotOpen(VotingCodeError, PhaseError):
    status_code = 409


class CodeWrongRound(VotingCodeError):
    status_code = 403


def _contact() -> str:
    return current_app.config["PB_CONTACT"]


def not_recognised() -> CodeNotRecognised:
    return CodeNotRecognised(
        _("We do not recognise that code. Check it against your letter and type it again: "
          "it has 12 letters and numbers, like K7QX-4MRT-9WHC."),
        field="code",
    )


# ---------------------------------------------------------------- the code itself


def generate_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """"K7QX4MRT9WHC" -> "K7QX-4MRT-9WHC"."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise_code(text: str | None) -> str:
    """What the voter typed, in capitals, without spaces, dashes or other separators."""
    return re.sub(r"[^0-9A-Za-z]", "", text or "").upper()


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(c in ALPHABET for c in code)


def code_hash(code: str) -> str:
    """Keyed SHA-256 of the normalised code: without SECRET_KEY a stolen table reveals nothing."""
    return keyed_hash(VOTING_CODE, normalise_code(code))


# ---------------------------------------------------------------- issuing


def issuable_rounds() -> list[Round]:
    """Rounds a code can be issued for: everything before voting closes."""
    return list(
        db.session.scalars(
            select(Round)
            .where(Round.phase.not_in([Phase.VOTING_CLOSED, Phase.RESULTS_PUBLISHED]))
            .order_by(Round.id.desc())
        )
    )


def codes_issued_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(VotingCode).where(VotingCode.user_id == user.id)) or 0


@dataclass(frozen=True)
class IssuedCode:
    code: str  # as generated, ungrouped; exists only until the letter is shown
    code_id: int


def issue_code(actor: User, user: User, round_: Round, expected_count: int | None = None) -> str:
    """Issue a new code for this resident and round and return it (the only time it exists)."""
    return issue(actor, user, round_, expected_count).code


def issue(actor: User, user: User, round_: Round, expected_count: int | None = None) -> IssuedCode:
    """Issue a new code for this resident and round: the code (the only time it exists) and its row's id.

    `expected_count` is how many codes the resident had when the form was shown: if it
    changed, the form was sent twice (a reload) and no second code is made.
    """
    with transaction():
        user = db.session.get(User, user.id)
        round_ = db.session.get(Round, round_.id)
        if user is None or round_ is None:
            raise ValidationFailed(_("That resident or round no longer exists."))
        if expected_count is not None and codes_issued_count(user) != expected_count:
            raise StaleEdit(
                _("A code was issued from this page already (perhaps the page was sent twice). "
                  "The letter can only be shown once: issue a new code if it was not printed.")
            )
        if round_.phase in (Phase.VOTING_CLOSED, Phase.RESULTS_PUBLISHED):
            raise PhaseError(_("Voting in %(round)s has closed, so a code would not work.", round=round_.title),
                             field="round_id")
        reason = why_cannot_take_part(user, round_)
        if reason:
            raise NotEligible(_("%(name)s cannot take part in %(round)s: %(reason)s", name=user.name, round=round_.title,
                                reason=reason), field="round_id")
        voted = db.session.scalar(
            select(VoterRoll.id).where(VoterRoll.round_id == round_.id, VoterRoll.user_id == user.id)
        )
        if voted is not None:
            raise AlreadyVoted(_("%(name)s has already voted in %(round)s.", name=user.name, round=round_.title),
                               field="round_id")
        now = datetime.now(timezone.utc)
        replaced = db.session.execute(
            update(VotingCode)
            .where(
                VotingCode.user_id == user.id,
                VotingCode.round_id == round_.id,
                VotingCode.used_at.is_(None),
                VotingCode.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        ).rowcount
        code = generate_code()
        row = VotingCode(round_id=round_.id, user_id=user.id, code_hash=code_hash(code), issued_by_id=actor.id, issued_at=now)
        db.session.add(row)
        db.session.flush()
        audit.record(actor, "voting_code.issued", round=round_, resident_id=user.id, code_id=row.id, replaced=replaced)
    return IssuedCode(code, row.id)


# ---------------------------------------------------------------- using


def find_usable_code(text: str | None) -> VotingCode:
    """The code a voter typed, if it can be used now; otherwise an error saying why not."""
    code = normalise_code(text)
    if not code:
        raise CodeNotRecognised(
            _("Enter the voting code from your letter. It has 12 letters and numbers, like K7QX-4MRT-9WHC."),
            field="code",
        )
    if not is_well_formed(code):
        raise not_recognised()
    row = db.session.scalar(
        select(VotingCode).where(VotingCode.code_hash == code_hash(code)).execution_options(populate_existing=True)
    )
    if row is None or row.user_id is None:
        raise not_recognised()
    _check_usable(row)
    return row


def _check_usable(row: VotingCode) -> None:
    round_ = db.session.get(Round, row.round_id)
    if row.used_at is not None:
        raise CodeAlreadyUsed(
            _("This code has already been used to vote, and each code works only once. "
              "If you did not vote with it, contact the team: %(contact)s.", contact=_contact()),
            field="code",
        )
    if row.revoked_at is not None:
        raise CodeReplaced(
            _("This code has been replaced by a newer one. Use the code in your most recent letter, "
              "or contact the team: %(contact)s.", contact=_contact()),
            field="code",
        )
    if round_.phase != Phase.VOTING_OPEN:
        if Phase(round_.phase).is_at_least(Phase.VOTING_CLOSED):
            message = _("This code is for %(round)s. Voting has closed.", round=round_.title)
        elif round_.voting_open_on:
            message = _("This code is for %(round)s. Voting opens on %(date)s. Keep your letter until then.",
                        round=round_.title, date=page_day(round_.voting_open_on))
        else:
            message = _("This code is for %(round)s. Voting has not opened yet. Keep your letter until then.",
                        round=round_.title)
        raise CodeRoundNotOpen(message, field="code")
    user = db.session.get(User, row.user_id) if row.user_id is not None else None
    if user is None:
        raise not_recognised()
    reason = why_cannot_take_part(user, round_)
    if reason:
        raise NotEligible(_("%(reason)s If you think this is wrong, contact the team: %(contact)s.", reason=reason,
                            contact=_contact()), field="code")


def get_code_voter(code_id: int, round_id: int) -> tuple[VotingCode, User]:
    """The code and resident behind a `session["code_voter"]` entry, if still usable in this round."""
    row = db.session.get(VotingCode, code_id, populate_existing=True) if isinstance(code_id, int) else None
    if row is None or row.user_id is None:
        raise not_recognised()
    if row.round_id != round_id:
        round_ = db.session.get(Round, row.round_id)
        raise CodeWrongRound(
            _("Your voting code is for %(round)s. It cannot be used to vote in this round.", round=round_.title)
            if round_ else _("Your voting code is for another round. It cannot be used to vote in this round."),
            field="code",
        )
    _check_usable(row)
    return row, db.session.get(User, row.user_id)


def mark_code_used(code: VotingCode) -> None:
    """Use up a code, inside the voting service's transaction.

    One conditional UPDATE: of two simultaneous uses, exactly one changes the row; the
    other raises CodeAlreadyUsed and its transaction (with its ballot) rolls back.
    """
    result = db.session.execute(
        update(VotingCode)
        .where(VotingCode.id == code.id, VotingCode.used_at.is_(None), VotingCode.revoked_at.is_(None))
        .values(used_at=datetime.now(timezone.utc))
    )
    if result.rowcount != 1:
        raise CodeAlreadyUsed(
            _("This code has already been used to vote, and each code works only once."), field="code"
        )
