"""Every page, in a pseudo-locale: visible interface text must have come from the catalogs.

The demo is loaded and the site crawled as a visitor, a resident and a member of staff, in the
pseudo-locale of tests/pseudo_locale.py. Text that is data (titles, names, the organisation's
details) is taken out first; any English word left was never translated.
"""
from __future__ import annotations

import re
from collections import deque

import pytest
from babel import Locale
from sqlalchemy import String, Text, select

from pb import i18n
from pb.extensions import db
from tests.conftest import empty_all_tables, make_app
from tests.pseudo_locale import PSEUDO, untranslated, write_pseudo_catalog

# Links the crawl does not follow: downloads, and pages that change something on GET (none should).
SKIP = re.compile(r"\.(csv|json|pdf|svg|ico|png|txt)(\?|$)|^/static/|/export")
MAX_PAGES = 400


@pytest.fixture(scope="module")
def pseudo_dir(tmp_path_factory):
    return write_pseudo_catalog(tmp_path_factory.mktemp("pseudo"))


@pytest.fixture
def app(migrated_database, pseudo_dir):
    from pb.demo import load_demo

    app = make_app(migrated_database, PB_EXTRA_TRANSLATIONS=[str(pseudo_dir)], ALLOW_DEMO=True)
    with app.app_context():
        load_demo(residents=40)
    yield app
    empty_all_tables(app)


def _data(app) -> set[str]:
    """Every string the database holds, the site's settings, and the pseudo-locale's own date words."""
    values: set[str] = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                for value in row:
                    if isinstance(value, str):
                        # Long texts are shown a paragraph and a line at a time (the paragraphs filter).
                        values.add(value)
                        values.update(part.strip() for part in re.split(r"\n", value) if part.strip())
    values.update(str(v) for k, v in app.config.items() if k.startswith("PB_") and isinstance(v, str))
    locale = Locale.parse(PSEUDO)
    for names in (locale.months["format"]["wide"], locale.days["format"]["wide"]):
        values.update(names.values())
    # Each language's name is written in that language, on purpose.
    values.update(language.name for language in i18n.languages(app).values())
    values.update({"pb", "CSV", "PDF", "JSON", "SHA-256"})
    return values


def crawl(client, start: str = "/") -> dict[str, str]:
    """GET every page reachable by links from `start`: path -> HTML."""
    client.get(f"/?lang={PSEUDO}")
    seen, pages, queue = set(), {}, deque([start])
    while queue and len(pages) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or SKIP.search(path):
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        html = response.get_data(as_text=True)
        pages[path] = html
        for href in re.findall(r'href="(/[^"#]*)', html):
            href = href.replace("&amp;", "&")
            if "lang=" not in href and href not in seen:
                queue.append(href)
    return pages


def _report(app, clients) -> dict[str, list[str]]:
    data = _data(app)
    found = {}
    for who, client in clients.items():
        for path, html in crawl(client).items():
            words = untranslated(html, data)
            if words:
                found[f"{who} {path}"] = words
    return found


def test_every_page_in_the_pseudo_locale_is_translated(app):
    from pb.demo import DEMO_PASSWORD, RESIDENT_EMAIL, STAFF_EMAIL

    visitor = app.test_client()
    resident = app.test_client()
    resident.post("/sign-in", data={"email": RESIDENT_EMAIL, "password": DEMO_PASSWORD})
    staff = app.test_client()
    staff.post("/sign-in", data={"email": STAFF_EMAIL, "password": DEMO_PASSWORD})
    found = _report(app, {"visitor": visitor, "resident": resident, "staff": staff})
    lines = [f"{page}: {texts[:8]}" for page, texts in sorted(found.items())]
    assert not found, f"{len(found)} pages show untranslated text:\n" + "\n".join(lines)
