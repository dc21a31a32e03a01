"""The figures the staff console shows about rounds: ideas by status, ballots by channel, the next step."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from pb.domain.phases import Phase
from pb.domain.words import N_, _
from pb.extensions import db
from pb.models import CountResult, Proposal, ProposalStatus, Round
from pb.services.counts import latest_count
from pb.services.rounds_query import all_rounds, get_round
from pb.services.turnout import (
    ballots_by_channel,
    ballots_by_round_and_channel,
    eligible_by_verification,
    eligible_residents,
    residents_marked_eligible,
)
from pb.services.verification import ballots_by_verification, residents_by_verification


@dataclass
class NextAction:
    text: str
    endpoint: str | None
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class RoundFigures:
    round: Round
    eligible_residents: int | None  # under this round's own rules; None on the dashboard
    proposals_by_status: dict[str, int]
    ballots_by_channel: dict[str, int]
    next_action: NextAction
    latest_count: CountResult | None = None  # the count after voting closed, if there is one
    # Eligible residents and ballots by how the person was known (round page only).
    eligible_by_verification: dict[str, int] = field(default_factory=dict)
    ballots_by_verification: dict[str, int] = field(default_factory=dict)

    @property
    def proposals_total(self) -> int:
        return sum(self.proposals_by_status.values())

    @property
    def ballots_total(self) -> int:
        return sum(self.ballots_by_channel.values())

    @property
    def proposals_text(self) -> str:
        """"5 in all: 2 waiting for review, 3 shortlisted" or "None yet"."""
        if not self.proposals_total:
            return _("None yet")
        # TRANSLATORS: how many project ideas are in a state: "2 waiting for review".
        parts = [
            _("%(count)s %(status)s", count=self.proposals_by_status[status], status=_(label))
            for status, label in PROPOSAL_STATUS_WORDS
            if self.proposals_by_status.get(status)
        ]
        return _("%(total)s in all: %(parts)s", total=self.proposals_total, parts=", ".join(parts))

    @property
    def ballots_text(self) -> str:
        """"12 (10 online, 2 on paper)" or "None yet": counts only, never how anyone voted."""
        if not self.ballots_total:
            return _("None yet")
        return _("%(total)s (%(online)s online, %(paper)s on paper)", total=self.ballots_total,
                 online=self.ballots_by_channel.get("online", 0), paper=self.ballots_by_channel.get("paper", 0))


PROPOSAL_STATUS_WORDS = (
    (ProposalStatus.SUBMITTED, N_("waiting for review")),
    (ProposalStatus.CHANGES_REQUESTED, N_("changes requested")),
    (ProposalStatus.SHORTLISTED, N_("shortlisted")),
    (ProposalStatus.REFUSED, N_("not shortlisted")),
    (ProposalStatus.WITHDRAWN, N_("withdrawn")),
)


def _proposal_counts(round_id: int | None = None) -> dict[int, dict[str, int]]:
    """Ideas per round and status (for one round, or all)."""
    query = select(Proposal.round_id, Proposal.status, func.count()).group_by(Proposal.round_id, Proposal.status)
    if round_id is not None:
        query = query.where(Proposal.round_id == round_id)
    rows = db.session.execute(query)
    out: dict[int, dict[str, int]] = {}
    for round_id, status, n in rows:
        out.setdefault(round_id, {})[status] = n
    return out


def _latest_if_closed(round_: Round) -> CountResult | None:
    """The round's preview count, read only where it decides something (voting closed or later)."""
    return latest_count(round_) if round_.phase_enum.is_at_least(Phase.VOTING_CLOSED) else None


def next_action(round_: Round, proposals: dict[str, int], latest: CountResult | None) -> NextAction:
    phase = round_.phase_enum
    rid = {"round_id": round_.id}
    if phase == Phase.DRAFT:
        return NextAction(_("Check the details, then open it for project ideas"), "staff.phase_move",
                          {**rid, "target": Phase.PROPOSALS_OPEN.value})
    if phase == Phase.PROPOSALS_OPEN:
        return NextAction(_("Close it for ideas when the closing date comes"), "staff.phase_move",
                          {**rid, "target": Phase.PROPOSALS_CLOSED.value})
    if phase == Phase.PROPOSALS_CLOSED:
        waiting = proposals.get(ProposalStatus.SUBMITTED, 0)
        if waiting or proposals.get(ProposalStatus.SHORTLISTED, 0) < 2:
            text = (_("Review project ideas (%(waiting)s waiting)", waiting=waiting) if waiting
                    else _("Review and shortlist project ideas"))
            return NextAction(text, "proposals_staff.review_queue", rid)
        return NextAction(_("Open voting"), "staff.phase_move", {**rid, "target": Phase.VOTING_OPEN.value})
    if phase == Phase.VOTING_OPEN:
        return NextAction(_("Enter paper ballots, then close voting when the closing date comes"),
                          "voting_staff.paper", rid)
    if phase == Phase.VOTING_CLOSED:
        if latest is None:
            return NextAction(_("Count the votes"), "results_staff.count", rid)
        return NextAction(_("Check the count, then publish the results"), "staff.phase_move",
                          {**rid, "target": Phase.RESULTS_PUBLISHED.value})
    return NextAction(_("See the published results"), "results.results", rid)


@dataclass
class Dashboard:
    """The staff console: a figure for the whole site and every round's figures, newest first."""

    residents_marked_eligible: int
    rounds: list[RoundFigures]
    residents_by_verification: dict[str, int] = field(default_factory=dict)


def dashboard_figures() -> Dashboard:
    """Every round with the figures the staff console shows, newest first (eligibility per round is on its own page)."""
    proposals = _proposal_counts()
    ballots = ballots_by_round_and_channel()
    return Dashboard(residents_marked_eligible(), [
        RoundFigures(
            round=r,
            eligible_residents=None,
            proposals_by_status=proposals.get(r.id, {}),
            ballots_by_channel=ballots.get(r.id, {}),
            next_action=next_action(r, proposals.get(r.id, {}), _latest_if_closed(r)),
        )
        for r in all_rounds()
    ], residents_by_verification())


def round_figures(round_id: int) -> RoundFigures:
    """One round's figures for its staff page; eligible residents as its results will show them."""
    round_ = get_round(round_id)
    proposals = _proposal_counts(round_.id).get(round_.id, {})
    latest = _latest_if_closed(round_)
    by_way = eligible_by_verification(round_)
    return RoundFigures(
        round=round_,
        eligible_residents=eligible_residents(round_, latest, now=sum(by_way.values())),
        eligible_by_verification=by_way,
        ballots_by_verification=ballots_by_verification(round_.id),
        proposals_by_status=proposals,
        ballots_by_channel=ballots_by_channel(round_.id),
        next_action=next_action(round_, proposals, latest),
        latest_count=latest,
    )
