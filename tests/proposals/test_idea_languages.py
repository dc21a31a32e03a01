"""Ideas in any language (issue 18): an idea keeps the language of the pages it was written on, is
marked as that language wherever it is shown, and staff can write an English summary of it when
they review it (audited; too long is refused and changes nothing)."""
from __future__ import annotations

import re

from sqlalchemy import select

from pb.extensions import db
from pb.models import Proposal
from tests import factories

TURKISH_IDEA = {
    "title": "Cuma öğle yemeği kulübü",
    "summary": "Her cuma 40 yaşlı komşuya sıcak bir öğle yemeği ve sohbet.",
    "description": "İki çeşit yemek pişiririz.\n\nGönüllüler, gelemeyenleri getirir.",
    "amount": "1200",
    "category": "Social activities",
    "organisation": "Clapton Park Tenants",
    "contact": "020 7946 0000",
}


def _send_from_turkish_pages(client, round_id: int) -> Proposal:
    client.get("/?lang=tr")
    response = client.post(f"/rounds/{round_id}/proposals/new/check", data={**TURKISH_IDEA, "send": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    proposal = db.session.scalars(select(Proposal)).one()
    return proposal


def test_an_idea_sent_from_turkish_pages_is_kept_as_turkish_and_marked_so(app, resident_client, open_round):
    with app.app_context():
        proposal = _send_from_turkish_pages(resident_client, open_round.id)
        assert proposal.language == "tr"
        proposal_id = proposal.id
    # On an English page the idea is in its proposer's words, marked as Turkish, with no "not translated" note.
    resident_client.get("/?lang=en")
    page = resident_client.get(f"/rounds/{open_round.id}/proposals/{proposal_id}").get_data(as_text=True)
    assert '<span lang="tr" dir="ltr">Cuma öğle yemeği kulübü</span>' in page
    assert "is not translated yet" not in page
    # On a Turkish page it is simply the page's language.
    resident_client.get("/?lang=tr")
    page = resident_client.get(f"/rounds/{open_round.id}/proposals/{proposal_id}").get_data(as_text=True)
    assert "Cuma öğle yemeği kulübü" in page and '<span lang="tr" dir="ltr">Cuma' not in page


def test_an_idea_sent_from_english_pages_has_no_language_recorded(app, resident_client, open_round):
    response = resident_client.post(f"/rounds/{open_round.id}/proposals/new/check", data={**TURKISH_IDEA, "send": "1"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Proposal)).one().language is None


def test_the_idea_form_says_any_language_is_welcome(resident_client, open_round):
    page = resident_client.get(f"/rounds/{open_round.id}/proposals/new").get_data(as_text=True)
    assert "You can write in any language you like." in page


def test_staff_write_an_english_summary_when_they_review(app, staff_client, open_round, audit_rows):
    with app.app_context():
        proposal = factories.make_proposal(open_round, title="Cuma öğle yemeği kulübü", status="submitted")
        proposal.language = "tr"
        db.session.commit()
        proposal_id = proposal.id
    review = f"/staff/rounds/{open_round.id}/proposals/{proposal_id}"
    page = staff_client.get(review).get_data(as_text=True)
    assert 'Sent in from the pages in <span lang="tr">Türkçe</span>' in page
    assert re.search(r'<h1 lang="tr" dir="ltr">Cuma öğle yemeği kulübü</h1>', page)
    summary = "A Friday lunch club for 40 older neighbours, with volunteers bringing those who cannot travel."
    response = staff_client.post(f"{review}/english-summary", data={"english_summary": summary})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).english_summary == summary
    page = staff_client.get(review).get_data(as_text=True)
    assert "English summary, by the team" in page and summary in page
    queue = staff_client.get(f"/staff/rounds/{open_round.id}/proposals").get_data(as_text=True)
    assert "In English: A Friday lunch club" in queue
    [event] = audit_rows("proposal.summarised_in_english")
    assert event.details["summary"] == summary and event.details["proposal_id"] == proposal_id
    # Too long: a clear message, and the summary stays as it was.
    response = staff_client.post(f"{review}/english-summary", data={"english_summary": "x" * 1001})
    assert response.status_code == 400
    assert "Shorten the English summary to 1000 characters or fewer (it has 1001)." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).english_summary == summary
    # Empty removes it.
    assert staff_client.post(f"{review}/english-summary", data={"english_summary": "  "}).status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).english_summary is None
    assert len(audit_rows("proposal.summarised_in_english")) == 2
    audit = staff_client.get("/staff/audit").get_data(as_text=True)
    assert "removed the English summary of" in audit and "wrote an English summary of" in audit


def test_residents_cannot_write_the_english_summary(app, resident_client, open_round):
    with app.app_context():
        proposal = factories.make_proposal(open_round, status="submitted")
    response = resident_client.post(f"/staff/rounds/{open_round.id}/proposals/{proposal.id}/english-summary",
                                    data={"english_summary": "Mine"})
    assert response.status_code in (403, 404)
    with app.app_context():
        assert db.session.get(Proposal, proposal.id).english_summary is None
