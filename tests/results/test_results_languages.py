"""The results in the reader's language (issue 18): approved translations of the projects' titles are
used in the table, the steps, the chart and the printable results; the open data files stay in the
round's own English, as a re-count needs."""
from __future__ import annotations

from pb.extensions import db
from pb.models import User
from pb.services import content_translations
from tests.test_catalogs import SHIPPED

LUNCH_IN_TURKISH = "Topluluk öğle yemeği kulübü"  # project C, funded


def _translate_lunch_club(app, seeded) -> None:
    with app.app_context():
        content_translations.save_translations(db.session.get(User, seeded.staff_id), "proposal", seeded.ids["C"], "tr",
                                               {"title": LUNCH_IN_TURKISH}, approved=True, languages=SHIPPED)


def test_results_pages_use_the_approved_titles(app, client, seeded):
    _translate_lunch_club(app, seeded)
    client.get("/?lang=tr")
    for path in ("results", "results/print", "results/open-data"):
        page = client.get(f"/rounds/{seeded.round_id}/{path}").get_data(as_text=True)
        assert LUNCH_IN_TURKISH in page, path
        assert "Community lunch club" not in page, path
        # A project with no approved translation is shown in English, marked as English.
        assert '<span lang="en-GB" dir="ltr">Tea dance at the town hall</span>' in page, path
    # In English, nothing changes.
    client.get("/?lang=en")
    page = client.get(f"/rounds/{seeded.round_id}/results").get_data(as_text=True)
    assert "Community lunch club" in page and LUNCH_IN_TURKISH not in page


def test_the_open_data_files_keep_the_rounds_own_titles(app, client, seeded):
    _translate_lunch_club(app, seeded)
    client.get("/?lang=tr")
    for path in ("results.csv", "steps.json", "ballots.pb"):
        body = client.get(f"/rounds/{seeded.round_id}/results/{path}").get_data(as_text=True)
        assert LUNCH_IN_TURKISH not in body, path
    assert "Community lunch club" in client.get(f"/rounds/{seeded.round_id}/results/results.csv").get_data(as_text=True)


def test_the_chart_is_mirrored_on_a_yiddish_page(client, seeded):
    client.get("/?lang=yi")
    page = client.get(f"/rounds/{seeded.round_id}/results/open-data").get_data(as_text=True)
    assert '<html lang="yi" dir="rtl">' in page
    assert 'direction="rtl"' in page
