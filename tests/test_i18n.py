"""Choosing the page's language: ?lang=, the cookie that keeps it, the browser's Accept-Language,
and the page's lang and dir. Run with small catalogs written for the test, so it does not depend
on which languages pb ships."""
from __future__ import annotations

import os

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from sqlalchemy import select

from pb import i18n
from pb.domain import words
from pb.extensions import db
from tests import factories
from tests.conftest import empty_all_tables, make_app

YIDDISH_LANGUAGE = "שפּראַך"
TURKISH_LANGUAGE = "Dil"


def _catalog(directory, code: str, messages: dict[str, str]) -> None:
    catalog = Catalog(locale=code)
    for source, translated in messages.items():
        catalog.add(source, translated)
    folder = directory / code / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.po", "wb") as f:
        write_po(f, catalog)


@pytest.fixture
def catalogs(tmp_path):
    _catalog(tmp_path, "yi", {"Language": YIDDISH_LANGUAGE})
    _catalog(tmp_path, "tr", {"Language": TURKISH_LANGUAGE})
    assert i18n.compile_catalogs(str(tmp_path)) == ["tr", "yi"]
    return tmp_path


@pytest.fixture
def app(migrated_database, catalogs):
    app = make_app(migrated_database, PB_EXTRA_TRANSLATIONS=[str(catalogs)])
    yield app
    empty_all_tables(app)


def _page(client, path="/", **kw):
    response = client.get(path, **kw)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_without_a_choice_the_page_is_british_english(client):
    html = _page(client)
    assert '<html lang="en-GB" dir="ltr">' in html


def test_every_page_lists_the_languages_each_in_its_own_language(client):
    html = _page(client, "/how-it-works")
    assert '<nav class="language-bar no-print" aria-label="Language">' in html
    assert '<span lang="en-GB" aria-current="true">English</span>' in html
    assert '<a href="/how-it-works?lang=tr" lang="tr" hreflang="tr">Türkçe</a>' in html
    assert '<a href="/how-it-works?lang=yi" lang="yi" hreflang="yi">ייִדיש</a>' in html


def test_following_a_language_shows_the_same_page_in_it_and_keeps_the_choice(client):
    response = client.get("/how-it-works?lang=yi")
    html = response.get_data(as_text=True)
    assert '<html lang="yi" dir="rtl">' in html and f'aria-label="{YIDDISH_LANGUAGE}"' in html
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("pb_lang=yi;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # Later pages keep it, without asking again.
    assert '<html lang="yi" dir="rtl">' in _page(client, "/")
    assert '<html lang="tr" dir="ltr">' in _page(client, "/?lang=tr")
    assert '<html lang="tr" dir="ltr">' in _page(client, "/")


def test_the_language_list_keeps_the_rest_of_the_address(client):
    html = _page(client, "/how-it-works?page=2&lang=tr")
    assert 'href="/how-it-works?page=2&amp;lang=yi"' in html


def test_the_browser_language_decides_when_nobody_chose(client):
    html = _page(client, headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"})
    assert '<html lang="tr" dir="ltr">' in html
    html = _page(client, headers={"Accept-Language": "fr-FR,de;q=0.8"})
    assert '<html lang="en-GB" dir="ltr">' in html


@pytest.mark.parametrize("header", ["", ";;;", "tr;q=abc", "x" * 5000, "*", "yi;q=0.1, tr;q=0"])
def test_a_malformed_accept_language_header_never_fails(client, header):
    html = _page(client, headers={"Accept-Language": header})
    assert "<html lang=" in html


@pytest.mark.parametrize("code", ["xx", "", "../../etc", "tr'><script>", "TR ", "e" * 300])
def test_an_unknown_language_code_falls_back_and_sets_nothing(client, code):
    response = client.get("/", query_string={"lang": code})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    if code.strip().lower() == "tr":
        assert '<html lang="tr"' in html
    else:
        assert '<html lang="en-GB" dir="ltr">' in html
        assert "pb_lang=" not in response.headers.get("Set-Cookie", "")
    assert "<script>" not in html.split("<body")[0]


def test_the_domain_speaks_the_page_language_inside_a_request(app):
    with app.test_request_context("/?lang=tr"):
        assert words._("Language") == TURKISH_LANGUAGE
        assert words._("Choose %(count)s projects", count=3) == "Choose 3 projects"
    assert words._("Language") == "Language"  # outside a request: the English source


def test_compiling_writes_each_catalog_once(catalogs):
    assert i18n.compile_catalogs(str(catalogs)) == []  # already up to date
    po = catalogs / "tr" / "LC_MESSAGES" / "messages.po"
    os.utime(po, (po.stat().st_mtime + 10, po.stat().st_mtime + 10))
    assert i18n.compile_catalogs(str(catalogs)) == ["tr"]


def test_money_dates_and_numbers_follow_the_page_language(app):
    from datetime import date, datetime, timezone

    env = app.jinja_env
    when = datetime(2026, 3, 12, 18, 30, tzinfo=timezone.utc)
    render = lambda source, **kw: env.from_string(source).render(**kw)  # noqa: E731
    with app.test_request_context("/"):
        assert render("{{ 125000|money }} {{ 125050|money }}") == "£1,250 £1,250.50"
        assert render("{{ d|date }} / {{ d|day }}", d=date(2026, 3, 12)) == "12 March 2026 / Thursday 12 March 2026"
        assert render("{{ t|datetime }}", t=when) == "12 March 2026 at 6:30pm"
    with app.test_request_context("/?lang=tr"):
        assert render("{{ 125000|money }}|{{ 125050|money }}") == "£1.250|£1.250,50"
        assert render("{{ d|date }}", d=date(2026, 3, 12)) == "12 Mart 2026"
        assert "Perşembe" in render("{{ d|day }}", d=date(2026, 3, 12))
        assert render("{{ 12345|number }}") == "12.345"


def test_a_resident_keeps_their_language_on_their_account_and_gets_it_back_at_sign_in(app, client, auth):
    from pb.models import User

    with app.app_context():
        factories.make_resident(email="ayse@example.net")
    auth.login("ayse@example.net")
    response = client.post("/account/language", data={"language": "tr"})
    assert response.status_code == 302 and "pb_lang=tr" in response.headers["Set-Cookie"]
    with app.app_context():
        assert db.session.scalar(select(User.language).where(User.email == "ayse@example.net")) == "tr"
    # Another browser: signing in brings the language back.
    other = app.test_client()
    response = other.post("/sign-in", data={"email": "ayse@example.net", "password": factories.PASSWORD})
    assert "pb_lang=tr" in response.headers.get("Set-Cookie", "")
    assert '<html lang="tr" dir="ltr">' in other.get("/account").get_data(as_text=True)


@pytest.mark.parametrize("code", ["xx", "", "en-GB; DROP"])
def test_a_language_pb_does_not_speak_is_refused_and_changes_nothing(app, client, auth, code):
    from pb.models import User

    with app.app_context():
        factories.make_resident(email="bad-lang@example.net")
    auth.login("bad-lang@example.net")
    response = client.post("/account/language", data={"language": code}, follow_redirects=True)
    assert "Choose one of the languages in the list." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.language).where(User.email == "bad-lang@example.net")) is None


def test_the_accessibility_statement_lists_each_language_and_says_none_is_checked_yet(client):
    html = _page(client, "/accessibility")
    assert '<h2 id="languages">Languages</h2>' in html
    assert '<span lang="yi">ייִדיש</span>: not yet checked by a fluent speaker' in html
    assert "If a translation is wrong or hard to understand" in html
