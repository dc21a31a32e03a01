"""The phases of a funding round. Phases only move forward, one step at a time."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Phase(StrEnum):
    DRAFT = "draft"
    PROPOSALS_OPEN = "proposals_open"
    PROPOSALS_CLOSED = "proposals_closed"
    VOTING_OPEN = "voting_open"
    VOTING_CLOSED = "voting_closed"
    RESULTS_PUBLISHED = "results_published"

    @property
    def label(self) -> str:
        return PHASE_LABELS[self]

    @property
    def next(self) -> "Phase | None":
        order = list(Phase)
        i = order.index(self)
        return order[i + 1] if i + 1 < len(order) else None

    def is_at_least(self, other: "Phase") -> bool:
        order = list(Phase)
        return order.index(self) >= order.index(other)


PHASE_LABELS = {
    Phase.DRAFT: "Draft (not public yet)",
    Phase.PROPOSALS_OPEN: "Open for project ideas",
    Phase.PROPOSALS_CLOSED: "Ideas being reviewed",
    Phase.VOTING_OPEN: "Voting open",
    Phase.VOTING_CLOSED: "Voting closed, counting",
    Phase.RESULTS_PUBLISHED: "Results published",
}

# What each move does, in the words shown on its confirmation page.
PHASE_MOVE_EFFECTS = {
    Phase.PROPOSALS_OPEN: "Residents will be able to send in project ideas. The round will be shown on the public site.",
    Phase.PROPOSALS_CLOSED: "Residents will no longer be able to send in or change ideas. Staff can review and shortlist them.",
    Phase.VOTING_OPEN: "Residents will be able to vote. Ballot and counting rules, eligibility rules and the budget will be locked, and shortlisted projects can no longer be changed.",
    Phase.VOTING_CLOSED: "Nobody will be able to vote any more, online or on paper. Staff will be able to see the count.",
    Phase.RESULTS_PUBLISHED: "The results, the anonymised ballots and the count's steps will be published for everyone. The result is then final.",
}


@dataclass(frozen=True)
class TimelineStep:
    """One stage of a round as its public page shows it: what happens, when, and whether it is done."""

    title: str
    status: str            # "done", "now" or "later"
    starts: date | None    # the planned dates, where staff set them
    ends: date | None

    @property
    def status_words(self) -> str:
        return {"done": "Done", "now": "Happening now", "later": "Still to come"}[self.status]


_TIMELINE = (
    (Phase.PROPOSALS_OPEN, "Residents send in ideas", "proposals_open_on", "proposals_close_on"),
    (Phase.PROPOSALS_CLOSED, "Staff check the ideas and choose the shortlist", None, None),
    (Phase.VOTING_OPEN, "Residents vote", "voting_open_on", "voting_close_on"),
    (Phase.VOTING_CLOSED, "The votes are counted", None, None),
    (Phase.RESULTS_PUBLISHED, "The results are published", "results_on", None),
)


def round_timeline(phase: Phase, dates: Mapping[str, date | None]) -> list[TimelineStep]:
    """The round's stages in order, each done, happening now or still to come, with its dates where known."""
    order = list(Phase)
    now = order.index(Phase(phase))
    steps = []
    for stage, title, starts, ends in _TIMELINE:
        at = order.index(stage)
        status = "done" if at < now or (at == now and stage == Phase.RESULTS_PUBLISHED) else (
            "now" if at == now else "later")
        steps.append(TimelineStep(title, status, dates.get(starts) if starts else None,
                                  dates.get(ends) if ends else None))
    return steps
