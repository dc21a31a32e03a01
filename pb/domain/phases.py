"""The phases of a funding round. Phases only move forward, one step at a time."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pb.domain.words import N_, _


class Phase(StrEnum):
    DRAFT = "draft"
    PROPOSALS_OPEN = "proposals_open"
    PROPOSALS_CLOSED = "proposals_closed"
    VOTING_OPEN = "voting_open"
    VOTING_CLOSED = "voting_closed"
    RESULTS_PUBLISHED = "results_published"

    @property
    def label(self) -> str:
        """The phase's name in the current language."""
        return _(PHASE_LABELS[self])

    @property
    def next(self) -> "Phase | None":
        order = list(Phase)
        i = order.index(self)
        return order[i + 1] if i + 1 < len(order) else None

    def is_at_least(self, other: "Phase") -> bool:
        order = list(Phase)
        return order.index(self) >= order.index(other)


PHASE_LABELS = {
    Phase.DRAFT: N_("Draft (not public yet)"),
    Phase.PROPOSALS_OPEN: N_("Open for project ideas"),
    Phase.PROPOSALS_CLOSED: N_("Ideas being reviewed"),
    Phase.VOTING_OPEN: N_("Voting open"),
    Phase.VOTING_CLOSED: N_("Voting closed, counting"),
    Phase.RESULTS_PUBLISHED: N_("Results published"),
}

# What each move does, in the words shown on its confirmation page (translated where shown: move_effect).
PHASE_MOVE_EFFECTS = {
    Phase.PROPOSALS_OPEN: N_("Residents will be able to send in project ideas. The round will be shown on the public site."),
    Phase.PROPOSALS_CLOSED: N_("Residents will no longer be able to send in or change ideas. Staff can review and shortlist them."),
    Phase.VOTING_OPEN: N_("Residents will be able to vote. Ballot and counting rules, eligibility rules and the budget will be locked, and shortlisted projects can no longer be changed."),
    Phase.VOTING_CLOSED: N_("Nobody will be able to vote any more, online or on paper. Staff will be able to see the count."),
    Phase.RESULTS_PUBLISHED: N_("The results, the anonymised ballots and the count's steps will be published for everyone. The result is then final."),
}


def move_effect(phase: Phase) -> str:
    """What moving into `phase` does, in the current language ("" for a phase no move reaches)."""
    effect = PHASE_MOVE_EFFECTS.get(phase)
    return _(effect) if effect else ""


@dataclass(frozen=True)
class TimelineStep:
    """One stage of a round as its public page shows it: what happens, when, and whether it is done."""

    title: str
    status: str            # "done", "now" or "later"
    starts: date | None    # the planned dates, where staff set them
    ends: date | None

    @property
    def status_words(self) -> str:
        return _(_STATUS_WORDS[self.status])


_STATUS_WORDS = {"done": N_("Done"), "now": N_("Happening now"), "later": N_("Still to come")}


_TIMELINE = (
    (Phase.PROPOSALS_OPEN, N_("Residents send in ideas"), "proposals_open_on", "proposals_close_on"),
    (Phase.PROPOSALS_CLOSED, N_("Staff check the ideas and choose the shortlist"), None, None),
    (Phase.VOTING_OPEN, N_("Residents vote"), "voting_open_on", "voting_close_on"),
    (Phase.VOTING_CLOSED, N_("The votes are counted"), None, None),
    (Phase.RESULTS_PUBLISHED, N_("The results are published"), "results_on", None),
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
        steps.append(TimelineStep(_(title), status, dates.get(starts) if starts else None,
                                  dates.get(ends) if ends else None))
    return steps
