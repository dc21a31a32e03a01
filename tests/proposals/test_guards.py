"""Phase guards and ownership: refused even when the form is skipped and the POST is made by hand."""
from __future__ import annotations

import pytest

from pb.services import proposals as service
from pb.domain.errors import NotAllowed, PhaseError
from tests import factories
from pb.services import proposal_review
from pb.domain import ideas


@pytest.mark.parametrize("phase", ["proposals_closed", "voting_open", "voting_closed", "results_published"])
def test_submit_after_ideas_close_is_refused(resident_client, make_round, good, proposal_count, phase):
    round_ = make_round(phase=phase)
    page = resident_client.get(f"/rounds/{round_.id}/proposals/new")
    assert page.status_code == 409
    assert "no longer taking ideas" in page.get_data(as_text=True)
    for url in (f"/rounds/{round_.id}/proposals/new", f"/rounds/{round_.id}/proposals/new/check"):
        response = resident_client.post(url, data={**good, "send": "1"})
        assert response.status_code == 409
        assert "no longer taking ideas" in response.get_data(as_text=True)
    assert proposal_count() == 0


def test_draft_round_is_not_found(resident_client, make_round, good, proposal_count):
    round_ = make_round(phase="draft")
    assert resident_client.get(f"/rounds/{round_.id}/proposals/new").status_code == 404
    assert resident_client.post(f"/rounds/{round_.id}/proposals/new/check", data={**good, "send": "1"}).status_code == 404
    assert proposal_count() == 0


def test_round_closing_between_review_and_send_is_refused(app, resident_client, open_round, good, proposal_count):
    review = resident_client.post(f"/rounds/{open_round.id}/proposals/new", data=good)
    assert "Send your idea" in review.get_data(as_text=True)
    with app.app_context():
        from pb.extensions import db
        from pb.models import Round

        db.session.get(Round, open_round.id).phase = "proposals_closed"
        db.session.commit()
    response = resident_client.post(f"/rounds/{open_round.id}/proposals/new/check", data={**good, "send": "1"})
    assert response.status_code == 409
    assert proposal_count() == 0


@pytest.mark.parametrize("phase", ["proposals_closed", "voting_open"])
def test_edit_and_withdraw_after_ideas_close_are_refused(resident_client, make_round, resident_user, proposal_factory,
                                                          get_proposal, good, phase):
    round_ = make_round(phase=phase)
    p = proposal_factory(round_, status="submitted", proposer_id=resident_user.id, title="Frozen")
    base = f"/rounds/{round_.id}/proposals/{p.id}"
    assert resident_client.get(f"{base}/edit").status_code == 409
    for url, data in [(f"{base}/edit", good), (f"{base}/edit/check", {**good, "send": "1"}), (f"{base}/withdraw", {})]:
        response = resident_client.post(url, data=data)
        assert response.status_code == 409, url
        assert "no longer taking ideas" in response.get_data(as_text=True)
    after = get_proposal(p.id)
    assert after.title == "Frozen" and after.status == "submitted"


def test_shortlisted_idea_cannot_be_edited_once_voting_opens(resident_client, make_round, resident_user,
                                                            proposal_factory, get_proposal, good):
    round_ = make_round(phase="voting_open")
    p = proposal_factory(round_, status="shortlisted", proposer_id=resident_user.id, title="On the ballot", cost_pence=200_000)
    base = f"/rounds/{round_.id}/proposals/{p.id}"
    page = resident_client.get(f"{base}/edit")
    assert page.status_code == 409
    assert "This project is on the ballot, so it cannot be changed any more" in page.get_data(as_text=True)
    response = resident_client.post(f"{base}/edit/check", data={**good, "send": "1"})
    assert response.status_code == 409
    assert "what people are voting on" in response.get_data(as_text=True)
    assert resident_client.post(f"{base}/withdraw").status_code == 409
    after = get_proposal(p.id)
    assert (after.title, after.cost_pence, after.status) == ("On the ballot", 200_000, "shortlisted")


def test_nobody_can_change_a_shortlisted_idea_once_voting_opens(app_ctx):
    round_ = factories.make_round(phase="voting_open")
    staff = factories.make_staff()
    resident = factories.make_resident()
    p = factories.make_proposal(round_, status="shortlisted", proposer_id=resident.id)
    form = ideas.form_values(p)
    with pytest.raises(PhaseError, match="on the ballot"):
        service.edit(resident, p.id, {**form, "title": "Changed"})
    with pytest.raises(PhaseError, match="on the ballot"):
        proposal_review.adjust_cost(staff, round_.id, p.id, "500", "cheaper")
    with pytest.raises(PhaseError, match="on the ballot"):
        proposal_review.refuse(staff, round_.id, p.id, "changed our mind")
    with pytest.raises(PhaseError, match="on the ballot"):
        service.withdraw(resident, p.id)


def test_editing_a_shortlisted_idea_while_ideas_are_open_sends_it_back_for_review(app_ctx):
    round_ = factories.make_round(phase="proposals_open")
    resident = factories.make_resident()
    p = factories.make_proposal(round_, status="shortlisted", proposer_id=resident.id)
    service.edit(resident, p.id, {**ideas.form_values(p), "summary": "A better summary."})
    assert p.status == "submitted" and p.summary == "A better summary."


def test_someone_elses_idea_is_403(client, auth, open_round, resident_user, other_resident, proposal_factory,
                                   get_proposal, good):
    p = proposal_factory(open_round, status="submitted", proposer_id=resident_user.id, title="Mine")
    auth.login(other_resident.email)
    base = f"/rounds/{open_round.id}/proposals/{p.id}"
    assert client.get(f"{base}/edit").status_code == 403
    assert client.get(f"{base}/withdraw").status_code == 403
    assert client.get(f"{base}/sent").status_code == 403
    assert client.post(f"{base}/edit", data=good).status_code == 403
    assert client.post(f"{base}/edit/check", data={**good, "send": "1"}).status_code == 403
    assert client.post(f"{base}/withdraw").status_code == 403
    after = get_proposal(p.id)
    assert after.title == "Mine" and after.status == "submitted"
    # The public page hides the contact from them.
    assert "020 7000 0000" not in client.get(base).get_data(as_text=True)


def test_group_idea_sent_in_by_staff_cannot_be_edited_by_a_resident(resident_client, open_round, proposal_factory, get_proposal, good):
    p = proposal_factory(open_round, status="submitted", proposer_id=None, title="Group idea")
    assert resident_client.post(f"/rounds/{open_round.id}/proposals/{p.id}/edit/check",
                                data={**good, "send": "1"}).status_code == 403
    assert get_proposal(p.id).title == "Group idea"


def test_service_refuses_other_peoples_ideas(app_ctx):
    round_ = factories.make_round(phase="proposals_open")
    owner, other = factories.make_resident(), factories.make_resident()
    p = factories.make_proposal(round_, status="submitted", proposer_id=owner.id)
    with pytest.raises(NotAllowed):
        service.edit(other, p.id, ideas.form_values(p))
    with pytest.raises(NotAllowed):
        service.withdraw(other, p.id)
    with pytest.raises(NotAllowed):
        proposal_review.shortlist(owner, round_.id, p.id)  # a resident is not staff
    assert p.status == "submitted"


def test_edit_of_a_proposal_in_the_wrong_round_is_not_found(resident_client, make_round, open_round, resident_user, proposal_factory):
    other_round = make_round()
    p = proposal_factory(open_round, status="submitted", proposer_id=resident_user.id)
    assert resident_client.get(f"/rounds/{other_round.id}/proposals/{p.id}/edit").status_code == 404
    assert resident_client.get(f"/rounds/{open_round.id}/proposals/999999/edit").status_code == 404


def test_idea_sent_back_can_be_answered_after_ideas_close_until_voting_opens(
    resident_client, make_round, resident_user, proposal_factory, get_proposal, good
):
    round_ = make_round(phase="proposals_closed")
    p = proposal_factory(round_, status="changes_requested", proposer_id=resident_user.id, staff_note="Add a venue.")
    base = f"/rounds/{round_.id}/proposals/{p.id}"
    mine = resident_client.get("/proposals/mine").get_data(as_text=True)
    assert f"{base}/edit" in mine and f"{base}/withdraw" not in mine
    assert resident_client.get(f"{base}/edit").status_code == 200
    saved = resident_client.post(f"{base}/edit/check", data={**good, "description": "At the Round Chapel.", "send": "1"})
    assert saved.status_code == 302
    after = get_proposal(p.id)
    assert after.status == "submitted" and after.description == "At the Round Chapel."
    # Once it is back with the team, the round's closed phase applies again.
    assert resident_client.get(f"{base}/edit").status_code == 409
    # Withdrawing stays a while-open action.
    assert resident_client.post(f"{base}/withdraw").status_code == 409


def test_idea_sent_back_cannot_be_changed_once_voting_opens(resident_client, make_round, resident_user, proposal_factory,
                                                           get_proposal, good):
    round_ = make_round(phase="voting_open")
    p = proposal_factory(round_, status="changes_requested", proposer_id=resident_user.id, title="Too late")
    response = resident_client.post(f"/rounds/{round_.id}/proposals/{p.id}/edit/check", data={**good, "send": "1"})
    assert response.status_code == 409
    assert get_proposal(p.id).title == "Too late"


def test_saving_an_idea_sent_back_returns_it_to_the_team_even_unchanged(app_ctx):
    round_ = factories.make_round(phase="proposals_open")
    resident = factories.make_resident()
    p = factories.make_proposal(round_, status="changes_requested", proposer_id=resident.id, staff_note="Check the cost")
    service.edit(resident, p.id, ideas.form_values(p))
    assert p.status == "submitted"
