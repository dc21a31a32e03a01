"""Look and feel (issue 17, item 13): the favicon, the organisation's logo in the header and on printouts."""
from __future__ import annotations

import pytest

from tests.conftest import PROJECT_ROOT, empty_all_tables, make_app

LOGO = "https://cdn.connecthackney.org.uk/logo.png"


def test_favicon_ico_answers_with_the_svg_icon_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data == (PROJECT_ROOT / "pb" / "static" / "favicon.svg").read_bytes()
    assert response.data.lstrip().startswith(b"<svg")
    assert client.get("/static/favicon.svg").mimetype == "image/svg+xml"


def test_every_page_names_the_icon(client):
    for path in ("/", "/how-it-works", "/sign-in", "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html, path


def test_without_a_logo_the_header_and_printouts_give_the_organisations_name(client):
    html = client.get("/").get_data(as_text=True)
    assert '<a class="site-name" href="/">Connect Hackney <span class="site-sub">Community Budget</span></a>' in html
    assert "<img" not in html
    # Printed, the header is hidden: a print-only masthead carries the name instead.
    assert '<div class="print-masthead"><span class="masthead-name">Connect Hackney</span></div>' in html
    css = (PROJECT_ROOT / "pb" / "static" / "pb.css").read_text(encoding="utf-8")
    assert ".print-masthead { display: none; }" in css
    assert "@media print {\n  .print-masthead { display: block;" in css


@pytest.fixture
def logo_app(migrated_database):
    app = make_app(migrated_database, PB_LOGO_URL=LOGO, PB_ORGANISATION="Connect Hackney & Friends")
    yield app
    empty_all_tables(app)


def test_the_logo_is_in_the_header_of_every_page_with_the_organisations_name_as_its_alt_text(logo_app):
    client = logo_app.test_client()
    for path in ("/", "/how-it-works", "/sign-in", "/vote-with-code", "/no-such-page"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert (f'<a class="site-name" href="/"><img class="site-logo" src="{LOGO}" alt="Connect Hackney &amp; Friends">'
                ' <span class="site-sub">Community Budget</span></a>') in html, path
        assert (f'<div class="print-masthead"><img class="masthead-logo" src="{LOGO}" '
                'alt="Connect Hackney &amp; Friends"></div>') in html, path
        # The page's Content-Security-Policy lets the logo's site in, and no other.
        csp = response.headers["Content-Security-Policy"]
        assert "img-src 'self' data: https://cdn.connecthackney.org.uk;" in csp, path


def test_a_logo_on_pbs_own_site_needs_no_change_to_the_csp(migrated_database):
    app = make_app(migrated_database, PB_LOGO_URL="/static/favicon.svg")
    try:
        response = app.test_client().get("/")
        assert '<img class="site-logo" src="/static/favicon.svg" alt="Connect Hackney">' in response.get_data(as_text=True)
        assert "img-src 'self' data:;" in response.headers["Content-Security-Policy"]
    finally:
        empty_all_tables(app)
