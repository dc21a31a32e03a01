"""Public pages: home, a round's page, how it works, accessibility."""
from __future__ import annotations

from tests import factories
from tests.conftest import round_page


def test_home_lists_public_rounds_with_phase(app, client):
    with app.app_context():
        factories.make_round(title="Voting Round", phase="voting_open", budget_pence=5_000_000)
        factories.make_round(title="Secret Draft", phase="draft")
    html = client.get("/").get_data(as_text=True)
    assert "Voting Round" in html
    assert "Voting open" in html
    assert "£50,000" in html
    assert "Secret Draft" not in html


def test_home_with_no_rounds_says_so(client):
    assert "no funding rounds open" in client.get("/").get_data(as_text=True)


def test_round_page_shows_rules_in_plain_english(app, client):
    html = round_page(app, client, "/rounds/{id}", title="Hackney 50+", phase="proposals_open",
                      description="First.\n\nSecond <b>bold</b>.")
    assert "<p>First.</p>" in html
    assert "Second &lt;b&gt;bold&lt;/b&gt;." in html
    assert "aged 50 or over" in html


def test_draft_round_page_is_not_found(app, client):
    with app.app_context():
        round_ = factories.make_round(phase="draft")
    assert client.get(f"/rounds/{round_.id}").status_code == 404


def test_about_and_accessibility_pages(client):
    about = client.get("/how-it-works")
    assert about.status_code == 200 and "How community budgeting works" in about.get_data(as_text=True)
    statement = client.get("/accessibility").get_data(as_text=True)
    assert "Accessibility statement" in statement and "WCAG" in statement


def test_every_page_has_unique_title_and_one_h1(client):
    titles = set()
    for path in ["/", "/how-it-works", "/accessibility", "/sign-in"]:
        html = client.get(path).get_data(as_text=True)
        assert html.count("<h1") == 1, path
        title = html.split("<title>")[1].split("</title>")[0]
        assert title.endswith("– pb")
        titles.add(title)
    assert len(titles) == 4
