"""pb in each shipped language, in Chromium: axe finds nothing, nothing scrolls sideways at 320 px,
the page says its language and direction, and the ballot is screenshotted in Turkish, Bengali and
Yiddish (test-output/screenshots/ballot-tr.png and so on)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pb.domain.phases import Phase
from pb.extensions import db
from tests import factories
from tests.browser import ui
from tests.conftest import make_app
from tests.test_catalogs import SHIPPED

pytestmark = pytest.mark.xdist_group("browser")

PASSWORD = "correct horse battery"
DIRECTION = {"yi": "rtl"}


@pytest.fixture(scope="module")
def voting_round(live_server):
    app = make_app(live_server.database_url)
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN, title="Hackney Community Fund")
        for title, cost in [("Friday lunch club", 480_000), ("Walking group", 240_000), ("Sewing circle", 230_000)]:
            factories.make_proposal(round_, title=title, cost_pence=cost)
        for code in SHIPPED:
            factories.make_resident(email=f"voter-{code}@example.net", password=PASSWORD)
        round_id = round_.id
        db.session.remove()
        db.engine.dispose()
    return round_id


@pytest.mark.parametrize("code", SHIPPED)
def test_public_pages_in_each_language_pass_axe_and_reflow(page, auditor, voting_round, code):
    for path in ("/", "/how-it-works", "/accessibility", f"/rounds/{voting_round}", "/sign-in", "/register",
                 "/vote-with-code"):
        auditor.visit(page, f"{path}?lang={code}", lang=code)
        assert page.locator("html").get_attribute("dir") == DIRECTION.get(code, "ltr")
        auditor.check_reflow(page)
    # The choice is kept: the next page, with no ?lang=, is in the same language.
    auditor.visit(page, "/how-it-works", lang=code)


@pytest.mark.parametrize("code", SHIPPED)
def test_the_ballot_in_each_language(page, auditor, voting_round, code):
    auditor.visit(page, f"/?lang={code}", lang=code)
    page.goto("/sign-in")
    page.locator("#email").fill(f"voter-{code}@example.net")
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form button[type=submit].button").click()
    auditor.visit(page, f"/rounds/{voting_round}/vote", lang=code)
    expect(page.locator(".ballot-card")).to_have_count(3)
    # Every choice button is named by its project's title, in every language.
    for title in ("Friday lunch club", "Walking group", "Sewing circle"):
        expect(page.locator(f"input[aria-label^='{title}']")).to_have_count(1)
    auditor.check_reflow(page)
    if code in ("tr", "bn", "yi"):
        auditor.screenshot(page, f"ballot-{code}")
