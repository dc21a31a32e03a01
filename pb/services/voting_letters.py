"""The voting-code letter: a new one-time code for a resident, with what the letter tells them about the round.

The letter gives the dates (when voting opens, if that is still to come, and when it closes) and the
projects on the ballot: all of them when there are at most LETTER_PROJECTS, otherwise the first
LETTER_PROJECTS and how many more there are (the letter then sends the reader to the round's page).
They are listed in the order the code's own ballot will show them (pb.services.ballots), so a round
that gives every voter their own random order gives none of its projects the top of every letter.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pb.domain.phases import Phase
from pb.models import Proposal, Round, User
from pb.services import ballots, voting_codes

LETTER_PROJECTS = 12
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class VotingLetter:
    code: str  # grouped for reading, "K7QX-4MRT-9WHC"; exists only on the letter shown now
    dated: date  # the letter's date (today in London)
    open_now: bool
    opens_on: date | None  # when voting opens, only if that is still to come
    closes_on: date | None
    projects: list[Proposal]  # at most LETTER_PROJECTS, in the code's ballot order
    more: int  # projects on the ballot that the letter does not list


def issue_letter(actor: User, user: User, round_: Round, expected_count: int | None = None) -> VotingLetter:
    """Issue a code (pb.services.voting_codes.issue: audited, refused with a domain error) and compose its letter."""
    issued = voting_codes.issue(actor, user, round_, expected_count)
    projects = ballots.ballot_projects(round_, ballots.code_voter_key(issued.code_id))
    today = datetime.now(LONDON).date()
    open_now = round_.phase_enum.is_at_least(Phase.VOTING_OPEN)
    opens_on = round_.voting_open_on if not open_now and round_.voting_open_on and round_.voting_open_on > today else None
    return VotingLetter(
        code=voting_codes.format_code(issued.code),
        dated=today,
        open_now=open_now,
        opens_on=opens_on,
        closes_on=round_.voting_close_on,
        projects=projects[:LETTER_PROJECTS],
        more=max(0, len(projects) - LETTER_PROJECTS),
    )
