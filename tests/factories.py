"""Factories for test data, made with Faker. They add and commit through the session."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

from faker import Faker

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import EligibilityStatus, Proposal, ProposalStatus, Role, Round, User
from pb.services.passwords import hash_password

PASSWORD = "correct horse battery"
fake = Faker("en_GB")
_seq = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def make_staff(email: str | None = None, admin: bool = False, name: str | None = None, password: str = PASSWORD) -> User:
    n = next(_seq)
    user = User(
        role=Role.ADMIN if admin else Role.STAFF,
        name=name or f"Staff Member {n}",
        name_key=(name or f"staff member {n}").lower(),
        email=email or f"staff{n}@example.org",
        password_hash=_hash(password),
        eligibility_status=EligibilityStatus.REFUSED,
        eligibility_reason="Staff accounts do not vote.",
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_resident(
    email: str | None = None,
    name: str | None = None,
    date_of_birth: date = date(1950, 6, 15),
    postcode: str = "E8 1AB",
    status: str = EligibilityStatus.ELIGIBLE,
    password: str | None = PASSWORD,
    with_email: bool = True,
    verification: str = "staff",
    language: str | None = None,
) -> User:
    """A resident; verified by staff unless `verification` says otherwise ("self-declared", "list", "letter");
    `language` is the one they read pb in (None: not chosen)."""
    n = next(_seq)
    name = name or f"{fake.first_name()} {fake.last_name()} {n}"
    user = User(
        role=Role.RESIDENT,
        name=name,
        name_key=" ".join(name.lower().split()),
        email=(email or f"resident{n}@example.net") if with_email else None,
        password_hash=_hash(password) if password and with_email else None,
        date_of_birth=date_of_birth,
        postcode=postcode,
        eligibility_status=status,
        eligibility_reason="Aged 50 or over and living in Hackney." if status == EligibilityStatus.ELIGIBLE else "Test",
        verification=verification,
        verified_at=None if verification == "self-declared" else datetime.now(timezone.utc),
        language=language,
    )
    db.session.add(user)
    db.session.commit()
    return user


# A round's settings as make_round stores them (besides a title of its own); tests that build
# round values of their own start from these.
ROUND_DEFAULTS = dict(
    description="A round for tests.\n\nSecond paragraph.",
    area_name="Hackney",
    budget_pence=1_000_000,
    age_reference_date=date(2026, 6, 1),
    min_age=50,
    accepted_postcodes="E2\nE5\nE8\nE9\nN16",
    review_postcodes="E1\nN1",
    min_ranks=1,
    max_ranks=3,
    counting_rule="greedy",
    completion="add1u",
    min_project_cost_pence=10_000,
    max_project_cost_pence=800_000,
)


def posted_form(defaults: dict[str, str], overrides: dict) -> dict[str, str]:
    """A form as a browser posts it: `defaults` with `overrides` on top; an override of None leaves the field out."""
    data = {**defaults, **overrides}
    return {k: v for k, v in data.items() if v is not None}


def date_fields(name: str, value: date | None) -> dict[str, str]:
    """A date as a form's three boxes, `name`_day, `name`_month and `name`_year (empty for no date)."""
    return {
        f"{name}_day": str(value.day) if value else "",
        f"{name}_month": str(value.month) if value else "",
        f"{name}_year": str(value.year) if value else "",
    }


def make_round(phase: str = Phase.DRAFT, **kw) -> Round:
    defaults = dict(title=f"Test round {next(_seq)}", **ROUND_DEFAULTS)
    defaults.update(kw)
    round_ = Round(phase=phase, **defaults)
    db.session.add(round_)
    db.session.commit()
    return round_


def make_proposal(round_: Round, status: str = ProposalStatus.SHORTLISTED, cost_pence: int = 100_000, **kw) -> Proposal:
    n = next(_seq)
    defaults = dict(
        title=f"Project {n}",
        summary=f"Summary of project {n}.",
        description=f"Description of project {n}.",
        category=round_.category_list[0],
        organisation=f"Group {n}",
        contact="020 7000 0000",
    )
    defaults.update(kw)
    proposal = Proposal(round_id=round_.id, status=status, cost_pence=cost_pence, **defaults)
    db.session.add(proposal)
    db.session.commit()
    return proposal


def ballot_row(round_id: int, ranking, nonce: str | None = None, key: str | None = None):
    """A Ballot as pb stores one (a fresh receipt code and its commitment), for tests that write ballots directly."""
    import secrets

    from pb.domain.receipts import commitment_for, new_receipt_code
    from pb.models import Ballot

    nonce = nonce or secrets.token_hex(16)
    receipt = new_receipt_code()
    return Ballot(key=key or secrets.token_hex(16), round_id=round_id, ranking=",".join(str(int(p)) for p in ranking),
                  nonce=nonce, receipt=receipt, commitment=commitment_for(round_id, ranking, nonce, receipt))
