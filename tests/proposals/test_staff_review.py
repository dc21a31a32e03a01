"""Staff review: every action, its audit row, and what the proposer then sees."""
from __future__ import annotations

import pytest

from pb.models import ProposalStatus
from tests import factories


@pytest.fixture
def review_round(make_round):
    return make_round(phase="proposals_closed")


@pytest.fixture
def idea(review_round, proposal_factory, resident_user):
    return proposal_factory(review_round, status="submitted", proposer_id=resident_user.id, title="Lunch club",
                            cost_pence=300_000)


def _url(round_, proposal, action=""):
    return f"/staff/rounds/{round_.id}/proposals/{proposal.id}" + (f"/{action}" if action else "")


def _as_resident(client, auth, resident_user):
    client.post("/sign-out")
    auth.login(resident_user.email)
    return client


def test_queue_lists_every_idea_with_status_counts(staff_client, review_round, idea, proposal_factory):
    proposal_factory(review_round, status="shortlisted", title="Tai chi")
    proposal_factory(review_round, status="withdrawn", title="Gave up")
    response = staff_client.get(f"/staff/rounds/{review_round.id}/proposals")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Lunch club" in html and "Tai chi" in html and "Gave up" in html
    assert "Received (1)" in html and "Shortlisted (1)" in html and "Withdrawn (1)" in html
    only = staff_client.get(f"/staff/rounds/{review_round.id}/proposals?status=shortlisted").get_data(as_text=True)
    assert "Tai chi" in only and "Lunch club" not in only
    # An unknown status is ignored rather than trusted.
    assert "Lunch club" in staff_client.get(f"/staff/rounds/{review_round.id}/proposals?status=bogus").get_data(as_text=True)


def test_queue_and_actions_are_staff_only(client, auth, review_round, idea, resident_user, get_proposal):
    assert client.get(f"/staff/rounds/{review_round.id}/proposals").status_code == 302
    assert client.post(_url(review_round, idea, "shortlist")).status_code == 302
    auth.login(resident_user.email)
    assert client.get(f"/staff/rounds/{review_round.id}/proposals").status_code == 403
    assert client.get(_url(review_round, idea)).status_code == 403
    assert client.post(_url(review_round, idea, "shortlist")).status_code == 403
    assert client.post(_url(review_round, idea, "refuse"), data={"reason": "no"}).status_code == 403
    assert get_proposal(idea.id).status == "submitted"


def test_review_page_shows_private_details(staff_client, review_round, idea):
    html = staff_client.get(_url(review_round, idea)).get_data(as_text=True)
    assert "020 7000 0000" in html  # the contact
    assert "resident@example.org" in html  # who proposed it
    assert "Shortlist this idea" in html and "Send back for changes" in html and "Do not shortlist" in html


def test_shortlist(staff_client, review_round, idea, get_proposal, audit_rows, staff_user, auth, resident_user):
    response = staff_client.post(_url(review_round, idea, "shortlist"))
    assert response.status_code == 302
    assert get_proposal(idea.id).status == ProposalStatus.SHORTLISTED
    [row] = audit_rows("proposal.shortlisted")
    assert row.actor_id == staff_user.id and row.round_id == review_round.id
    assert row.details["proposal_id"] == idea.id and row.details["before"] == "submitted"
    html = _as_resident(staff_client, auth, resident_user).get("/proposals/mine").get_data(as_text=True)
    assert "Shortlisted" in html and "Your idea is shortlisted" in html


def test_send_back_needs_a_note(staff_client, review_round, idea, get_proposal, audit_rows):
    response = staff_client.post(_url(review_round, idea, "changes"), data={"note": "  "})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="note-error"' in html and "Say what the proposer needs to change" in html
    assert get_proposal(idea.id).status == "submitted"
    assert audit_rows("proposal.changes_requested") == []


def test_send_back_for_changes_and_proposer_sees_the_note(staff_client, auth, review_round, idea, resident_user,
                                                          get_proposal, audit_rows):
    staff_client.post(_url(review_round, idea, "changes"), data={"note": "Please add where it would meet."})
    after = get_proposal(idea.id)
    assert after.status == ProposalStatus.CHANGES_REQUESTED and after.staff_note == "Please add where it would meet."
    [row] = audit_rows("proposal.changes_requested")
    assert row.details["note"] == "Please add where it would meet."
    client = _as_resident(staff_client, auth, resident_user)
    assert "Please add where it would meet." in client.get("/proposals/mine").get_data(as_text=True)
    assert "Please add where it would meet." in client.get(
        f"/rounds/{review_round.id}/proposals/{idea.id}").get_data(as_text=True)


def test_staff_note_is_not_public(client, staff_client, review_round, idea):
    staff_client.post(_url(review_round, idea, "changes"), data={"note": "Secret note for the proposer"})
    staff_client.post("/sign-out")
    assert "Secret note" not in client.get(f"/rounds/{review_round.id}/proposals/{idea.id}").get_data(as_text=True)


def test_refuse_needs_a_reason(staff_client, review_round, idea, get_proposal, audit_rows):
    response = staff_client.post(_url(review_round, idea, "refuse"), data={"reason": ""})
    assert response.status_code == 400
    assert 'id="reason-error"' in response.get_data(as_text=True)
    assert get_proposal(idea.id).status == "submitted"
    assert audit_rows("proposal.refused") == []


def test_refuse_and_proposer_sees_the_reason(staff_client, auth, review_round, idea, resident_user, get_proposal, audit_rows):
    staff_client.post(_url(review_round, idea, "refuse"), data={"reason": "The council already funds a lunch club here."})
    after = get_proposal(idea.id)
    assert after.status == ProposalStatus.REFUSED
    assert after.refusal_reason == "The council already funds a lunch club here."
    [row] = audit_rows("proposal.refused")
    assert row.details["reason"] == "The council already funds a lunch club here."
    client = _as_resident(staff_client, auth, resident_user)
    assert "The council already funds a lunch club here." in client.get("/proposals/mine").get_data(as_text=True)


def test_refused_idea_can_be_reconsidered_and_shortlisted(staff_client, review_round, idea, get_proposal):
    staff_client.post(_url(review_round, idea, "refuse"), data={"reason": "Too vague"})
    staff_client.post(_url(review_round, idea, "shortlist"))
    after = get_proposal(idea.id)
    assert after.status == "shortlisted" and after.refusal_reason is None


@pytest.mark.parametrize(
    "amount,reason,field,message",
    [
        ("", "Quote from the hall", "new_cost", "Enter an amount in pounds"),
        ("lots", "Quote from the hall", "new_cost", "Enter the amount as a number of pounds"),
        ("50", "Quote from the hall", "new_cost", "Enter an amount between £100 and £8,000"),
        ("9000", "Quote from the hall", "new_cost", "Enter an amount between £100 and £8,000"),
        ("£3,000", "Quote from the hall", "new_cost", "The cost is already £3,000"),
        ("2500", "", "cost_reason", "Give the reason for the new cost"),
    ],
)
def test_adjust_cost_bad_input(staff_client, review_round, idea, get_proposal, audit_rows, amount, reason, field, message):
    response = staff_client.post(_url(review_round, idea, "cost"), data={"new_cost": amount, "cost_reason": reason})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    assert get_proposal(idea.id).cost_pence == 300_000
    assert audit_rows("proposal.cost_adjusted") == []


def test_adjust_cost_records_old_and_new(staff_client, auth, review_round, idea, resident_user, get_proposal, audit_rows):
    response = staff_client.post(_url(review_round, idea, "cost"),
                                 data={"new_cost": "£2,450.50", "cost_reason": "The hall costs less than quoted."})
    assert response.status_code == 302
    assert get_proposal(idea.id).cost_pence == 245_050
    [row] = audit_rows("proposal.cost_adjusted")
    assert row.details["old_cost_pence"] == 300_000 and row.details["new_cost_pence"] == 245_050
    assert row.details["reason"] == "The hall costs less than quoted."
    page = staff_client.get(_url(review_round, idea)).get_data(as_text=True)
    assert "£3,000 to £2,450.50" in page  # the history on the review page
    client = _as_resident(staff_client, auth, resident_user)
    assert "£2,450.50" in client.get("/proposals/mine").get_data(as_text=True)


def test_merge_asks_for_confirmation_then_merges(staff_client, auth, review_round, idea, proposal_factory, resident_user,
                                                 get_proposal, audit_rows):
    keep = proposal_factory(review_round, status="submitted", title="Friday lunch club")
    first = staff_client.post(_url(review_round, idea, "merge"), data={"into": str(keep.id)})
    assert first.status_code == 200
    assert "Merge “Lunch club” into “Friday lunch club”?" in first.get_data(as_text=True)
    assert get_proposal(idea.id).status == "submitted"
    done = staff_client.post(_url(review_round, idea, "merge"), data={"into": str(keep.id), "confirm": "yes"})
    assert done.status_code == 302
    merged = get_proposal(idea.id)
    assert merged.status == ProposalStatus.REFUSED
    assert merged.refusal_reason == "Merged into “Friday lunch club”"
    assert merged.merged_into_id == keep.id
    assert get_proposal(keep.id).status == "submitted"
    [row] = audit_rows("proposal.merged")
    assert row.details["proposal_id"] == idea.id and row.details["into_id"] == keep.id
    client = _as_resident(staff_client, auth, resident_user)
    assert "Merged into “Friday lunch club”" in client.get("/proposals/mine").get_data(as_text=True)


def test_merge_refuses_bad_targets(staff_client, app, review_round, idea, proposal_factory, make_round, get_proposal, audit_rows):
    elsewhere = proposal_factory(make_round(phase="proposals_closed"), status="submitted")
    withdrawn = proposal_factory(review_round, status="withdrawn")
    proposal_factory(review_round, status="submitted", title="A fine target")
    for into in ("", "abc", str(idea.id), str(elsewhere.id), str(withdrawn.id)):
        for confirm in ("", "yes"):
            response = staff_client.post(_url(review_round, idea, "merge"), data={"into": into, "confirm": confirm})
            assert response.status_code == 400, (into, confirm)
            assert 'id="into-error"' in response.get_data(as_text=True)
    assert get_proposal(idea.id).status == "submitted"
    assert audit_rows("proposal.merged") == []


def test_staff_submit_on_behalf_of_a_resident(staff_client, auth, review_round, resident_user, staff_user, good,
                                              db_read, audit_rows):
    form = staff_client.get(f"/staff/rounds/{review_round.id}/proposals/new?resident={resident_user.id}")
    assert f'value="{resident_user.id}"' in form.get_data(as_text=True)
    response = staff_client.post(f"/staff/rounds/{review_round.id}/proposals/new",
                                 data={**good, "proposer": "Resident@Example.org"})
    assert response.status_code == 302
    from pb.extensions import db
    from pb.models import Proposal

    p = db_read(lambda: db.session.scalars(db.select(Proposal)).one())
    assert p.proposer_id == resident_user.id and p.submitted_by_staff_id == staff_user.id
    assert p.status == "submitted" and p.cost_pence == 120050
    [row] = audit_rows("proposal.submitted_by_staff")
    assert row.actor_id == staff_user.id and row.details["proposal_id"] == p.id
    assert row.details["proposer_id"] == resident_user.id
    # The resident sees it among their ideas.
    client = _as_resident(staff_client, auth, resident_user)
    assert "by the team, for you" in client.get("/proposals/mine").get_data(as_text=True)


def test_staff_submit_for_a_group_without_an_account(staff_client, review_round, good, db_read):
    assert staff_client.post(f"/staff/rounds/{review_round.id}/proposals/new", data=good).status_code == 302
    from pb.extensions import db
    from pb.models import Proposal

    p = db_read(lambda: db.session.scalars(db.select(Proposal)).one())
    assert p.proposer_id is None and p.submitted_by_staff_id is not None


def test_staff_submit_bad_input(staff_client, app, review_round, good, proposal_count, audit_rows):
    with app.app_context():
        staff2 = factories.make_staff(email="colleague@example.org")
    for data, field in [
        ({**good, "proposer": "nobody@example.org"}, "proposer"),
        ({**good, "proposer": str(staff2.id)}, "proposer"),
        ({**good, "amount": "lots"}, "amount"),
        ({**good, "title": ""}, "title"),
    ]:
        response = staff_client.post(f"/staff/rounds/{review_round.id}/proposals/new", data=data)
        assert response.status_code == 400
        assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert proposal_count() == 0
    assert audit_rows() == []


def test_group_idea_cannot_be_sent_back(staff_client, review_round, proposal_factory, get_proposal):
    p = proposal_factory(review_round, status="submitted", proposer_id=None)
    response = staff_client.post(_url(review_round, p, "changes"), data={"note": "Please change"})
    assert response.status_code == 400
    assert get_proposal(p.id).status == "submitted"


def test_withdrawn_idea_cannot_be_reviewed(staff_client, review_round, proposal_factory, get_proposal, audit_rows):
    p = proposal_factory(review_round, status="withdrawn")
    for action, data in [("shortlist", {}), ("refuse", {"reason": "x"}), ("changes", {"note": "x"}),
                         ("cost", {"new_cost": "500", "cost_reason": "x"})]:
        response = staff_client.post(_url(review_round, p, action), data=data)
        assert response.status_code == 409, action
    assert get_proposal(p.id).status == "withdrawn"
    assert audit_rows() == []


def test_review_actions_are_refused_once_voting_opens(staff_client, make_round, proposal_factory, get_proposal, audit_rows):
    voting = make_round(phase="voting_open")
    on_ballot = proposal_factory(voting, status="shortlisted", cost_pence=300_000)
    other = proposal_factory(voting, status="submitted")
    response = staff_client.post(_url(voting, on_ballot, "cost"), data={"new_cost": "2000", "cost_reason": "Cheaper"})
    assert response.status_code == 409
    assert "This project is on the ballot, so it cannot be changed any more" in response.get_data(as_text=True)
    for action, data in [("refuse", {"reason": "x"}), ("changes", {"note": "x"}), ("merge", {"into": other.id, "confirm": "yes"})]:
        assert staff_client.post(_url(voting, on_ballot, action), data=data).status_code == 409, action
    assert staff_client.post(_url(voting, other, "shortlist")).status_code == 409
    assert get_proposal(on_ballot.id).cost_pence == 300_000 and get_proposal(on_ballot.id).status == "shortlisted"
    assert get_proposal(other.id).status == "submitted"
    assert audit_rows() == []
    page = staff_client.get(_url(voting, on_ballot)).get_data(as_text=True)
    assert "Shortlist this idea" not in page and "Change the cost" not in page
    new = staff_client.post(f"/staff/rounds/{voting.id}/proposals/new", data={"title": "Late"})
    assert new.status_code == 302


def test_review_while_proposals_are_still_open(staff_client, open_round, proposal_factory, get_proposal):
    p = proposal_factory(open_round, status="submitted")
    staff_client.post(_url(open_round, p, "shortlist"))
    assert get_proposal(p.id).status == "shortlisted"


def test_proposal_from_another_round_is_not_found(staff_client, review_round, make_round, proposal_factory):
    other = proposal_factory(make_round(phase="proposals_closed"), status="submitted")
    assert staff_client.get(_url(review_round, other)).status_code == 404
    assert staff_client.post(_url(review_round, other, "shortlist")).status_code == 404


def test_staff_correct_the_details_of_an_idea(staff_client, review_round, proposal_factory, get_proposal, audit_rows, good):
    p = proposal_factory(review_round, status="shortlisted", proposer_id=None, title="Lunch clb", cost_pence=300_000)
    form = staff_client.get(_url(review_round, p, "edit")).get_data(as_text=True)
    assert 'value="Lunch clb"' in form and "£3,000" in form
    bad = staff_client.post(_url(review_round, p, "edit"), data={**good, "title": ""})
    assert bad.status_code == 400 and 'id="title-error"' in bad.get_data(as_text=True)
    assert get_proposal(p.id).title == "Lunch clb"
    # The amount posted is ignored: the cost changes only with a reason, through "Change the cost".
    ok = staff_client.post(_url(review_round, p, "edit"), data={**good, "title": "Lunch club", "amount": "10"})
    assert ok.status_code == 302
    after = get_proposal(p.id)
    assert after.title == "Lunch club" and after.cost_pence == 300_000 and after.status == "shortlisted"
    [row] = audit_rows("proposal.edited_by_staff")
    assert row.details["proposal_id"] == p.id and "title" in row.details["fields"]
    assert "cost_pence" not in row.details["fields"]


def test_staff_cannot_correct_details_once_voting_opens(staff_client, make_round, proposal_factory, get_proposal, good):
    voting = make_round(phase="voting_open")
    p = proposal_factory(voting, status="shortlisted", title="On the ballot")
    page = staff_client.get(_url(voting, p, "edit")).get_data(as_text=True)
    assert "cannot be changed any more" in page and "Save the details" not in page
    response = staff_client.post(_url(voting, p, "edit"), data={**good, "title": "Changed"})
    assert response.status_code == 409
    assert get_proposal(p.id).title == "On the ballot"


def test_queue_sums_the_shortlist_against_the_budget(staff_client, review_round, proposal_factory):
    proposal_factory(review_round, status="shortlisted", cost_pence=250_000)
    proposal_factory(review_round, status="shortlisted", cost_pence=120_050)
    proposal_factory(review_round, status="submitted", cost_pence=999_00)
    html = staff_client.get(f"/staff/rounds/{review_round.id}/proposals").get_data(as_text=True)
    assert "Shortlisted: 2 projects asking for £3,700.50 in total, against a budget of £10,000." in html
    assert "1 idea is waiting for a decision." in html


def test_a_mistaken_merge_is_undone_by_shortlisting(staff_client, review_round, idea, proposal_factory, get_proposal, audit_rows):
    keep = proposal_factory(review_round, status="submitted", title="Other idea")
    staff_client.post(_url(review_round, idea, "merge"), data={"into": str(keep.id), "confirm": "yes"})
    assert get_proposal(idea.id).merged_into_id == keep.id
    page = staff_client.get(_url(review_round, idea)).get_data(as_text=True)
    assert "This undoes the merge." in page
    staff_client.post(_url(review_round, idea, "shortlist"))
    after = get_proposal(idea.id)
    assert after.status == "shortlisted" and after.merged_into_id is None and after.refusal_reason is None
    [row] = audit_rows("proposal.shortlisted")
    assert row.details["was_merged_into"] == keep.id and row.details["before"] == "refused"


def test_review_actions_need_the_form_token(migrated_database):
    """With CSRF protection on (as in production), a forged action changes nothing."""
    import re

    from tests.conftest import empty_all_tables, make_app

    app = make_app(migrated_database, WTF_CSRF_ENABLED=True)
    try:
        with app.app_context():
            factories.make_staff(email="csrf-staff@example.org")
            round_ = factories.make_round(phase="proposals_closed")
            p = factories.make_proposal(round_, status="submitted")
        client = app.test_client()

        def token(html):
            return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

        client.post("/sign-in", data={"email": "csrf-staff@example.org", "password": factories.PASSWORD,
                                      "csrf_token": token(client.get("/sign-in").get_data(as_text=True))})
        url = f"/staff/rounds/{round_.id}/proposals/{p.id}"
        assert client.post(url + "/shortlist").status_code == 400
        with app.app_context():
            from pb.extensions import db
            from pb.models import Proposal

            assert db.session.get(Proposal, p.id).status == "submitted"
        page = client.get(url).get_data(as_text=True)
        assert client.post(url + "/shortlist", data={"csrf_token": token(page)}).status_code == 302
        with app.app_context():
            assert db.session.get(Proposal, p.id).status == "shortlisted"
    finally:
        empty_all_tables(app)
