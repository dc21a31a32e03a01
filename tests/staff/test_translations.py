"""Staff translate a round's and its projects' own text; residents reading that language see the
approved translations, and the English, marked as English, where there is none."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import AuditEvent, ContentTranslation
from tests import factories
from tests.test_catalogs import SHIPPED


@pytest.fixture
def shortlist(app):
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN, title="Hackney Fund", description="Money for clubs.")
        lunch = factories.make_proposal(round_, title="Lunch club", summary="A hot lunch every Friday.")
        walks = factories.make_proposal(round_, title="Walking group", summary="Walks by the canal.")
        return round_.id, lunch.id, walks.id


def _rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ContentTranslation))


def test_staff_see_what_residents_read_and_each_languages_state(staff_client, shortlist):
    round_id, lunch, walks = shortlist
    html = staff_client.get(f"/staff/rounds/{round_id}/translations").get_data(as_text=True)
    assert "Lunch club" in html and "Walking group" in html and "Hackney Fund" in html
    # Three texts (the round, two projects), each in every language pb ships besides English.
    assert "Türkçe" in html and "ייִדיש" in html and html.count("Not translated") == 3 * len(SHIPPED)
    assert f"/staff/rounds/{round_id}/translations/tr/proposal/{lunch}" in html


def test_a_draft_is_kept_but_not_shown_and_an_approved_one_is(app, staff_client, client, shortlist):
    round_id, lunch, walks = shortlist
    page = f"/staff/rounds/{round_id}/translations/tr/proposal/{lunch}"
    form = staff_client.get(page).get_data(as_text=True)
    assert 'lang="tr"' in form and "A hot lunch every Friday." in form
    response = staff_client.post(page, data={"title": "Öğle yemeği kulübü", "summary": "Her cuma sıcak yemek.",
                                             "status": "draft"})
    assert response.status_code == 302
    listing = client.get(f"/rounds/{round_id}/proposals?lang=tr").get_data(as_text=True)
    assert "Öğle yemeği kulübü" not in listing
    assert '<span lang="en-GB" dir="ltr">Lunch club</span>' in listing
    staff_client.post(page, data={"title": "Öğle yemeği kulübü", "summary": "Her cuma sıcak yemek.",
                                  "status": "approved"})
    listing = client.get(f"/rounds/{round_id}/proposals").get_data(as_text=True)
    assert "Öğle yemeği kulübü" in listing and "Her cuma sıcak yemek." in listing
    # Not translated: the English, marked as English for screen readers.
    assert '<span lang="en-GB" dir="ltr">Walking group</span>' in listing
    english = app.test_client().get(f"/rounds/{round_id}/proposals").get_data(as_text=True)
    assert "Lunch club" in english and "Öğle" not in english and 'lang="en-GB" dir="ltr">Lunch' not in english
    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "content.translated")
                                      .order_by(AuditEvent.id.desc()).limit(1)).all()
        assert event.details["language"] == "tr" and event.details["status"] == "approved"


def test_an_empty_box_removes_the_translation(app, staff_client, shortlist):
    round_id, lunch, _walks = shortlist
    page = f"/staff/rounds/{round_id}/translations/tr/proposal/{lunch}"
    staff_client.post(page, data={"title": "Öğle yemeği kulübü", "summary": "", "status": "approved"})
    assert _rows(app) == 1
    staff_client.post(page, data={"title": "", "summary": "", "status": "approved"})
    assert _rows(app) == 0


@pytest.mark.parametrize("data, message", [
    ({"title": "x" * 81, "summary": "", "status": "approved"}, "Shorten the title to 80 characters or fewer (it has 81)."),
    ({"title": "", "summary": "y" * 201, "status": "draft"}, "Shorten the summary to 200 characters or fewer (it has 201)."),
])
def test_a_translation_that_is_too_long_is_refused_and_changes_nothing(app, staff_client, shortlist, data, message):
    round_id, lunch, _walks = shortlist
    response = staff_client.post(f"/staff/rounds/{round_id}/translations/tr/proposal/{lunch}", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _rows(app) == 0


@pytest.mark.parametrize("path", ["xx/proposal/{lunch}", "en/proposal/{lunch}", "tr/ballot/{lunch}",
                                  "tr/proposal/999999", "tr/round/999999"])
def test_a_language_or_text_pb_does_not_translate_is_not_found(staff_client, shortlist, path):
    round_id, lunch, _walks = shortlist
    url = f"/staff/rounds/{round_id}/translations/" + path.format(lunch=lunch)
    assert staff_client.get(url).status_code == 404
    assert staff_client.post(url, data={"title": "x", "status": "approved"}).status_code == 404


def test_residents_cannot_translate(resident_client, shortlist):
    round_id, lunch, _walks = shortlist
    response = resident_client.post(f"/staff/rounds/{round_id}/translations/tr/proposal/{lunch}",
                                    data={"title": "x", "status": "approved"})
    assert response.status_code in (302, 403, 404)
