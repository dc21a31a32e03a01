"""An idea's history on the staff review page: its own audit rows and merges into it, nothing else."""
from __future__ import annotations

from pb.domain.phases import Phase
from pb.extensions import db
from pb.services import audit, proposals
from tests import factories


def test_history_holds_the_idea_s_rows_and_merges_into_it_oldest_first(app_ctx):
    staff = factories.make_staff()
    round_ = factories.make_round(phase=Phase.PROPOSALS_OPEN)
    idea = factories.make_proposal(round_, title="Lunch club")
    other = factories.make_proposal(round_, title="Choir")
    elsewhere = factories.make_proposal(factories.make_round(phase=Phase.PROPOSALS_OPEN), title="Elsewhere")
    audit.record(staff, "proposal.cost_adjusted", round=round_, proposal_id=idea.id, old_cost_pence=1, new_cost_pence=2)
    audit.record(staff, "proposal.cost_adjusted", round=round_, proposal_id=other.id)
    audit.record(staff, "proposal.merged", round=round_, proposal_id=other.id, into_id=idea.id)
    audit.record(staff, "round.updated", round=round_, proposal_id=idea.id)  # not about ideas
    audit.record(staff, "proposal.cost_adjusted", round=elsewhere.round, proposal_id=elsewhere.id)
    audit.record(staff, "proposal.note", round=round_, proposal_id="not a number")  # read as text: never an error
    db.session.commit()
    assert [(e.action, e.details.get("proposal_id")) for e in proposals.history(idea)] == [
        ("proposal.cost_adjusted", idea.id), ("proposal.merged", other.id)]
    assert [e.action for e in proposals.history(other)] == ["proposal.cost_adjusted", "proposal.merged"]
    assert [e.details["proposal_id"] for e in proposals.history(elsewhere)] == [elsewhere.id]
