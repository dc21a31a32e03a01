"""Issue 17, item 7: residents' results are short and plain; the technical detail, the downloads and how to
count the votes again are on an "Open data and how to re-count the votes" page linked from them."""
from __future__ import annotations

import hashlib
import html as html_lib
import re

import pytest

from pb.extensions import db
from pb.models import CountResult, Round
from tests.conftest import page_html
from tests.results.conftest import TITLES

JARGON = ("SHA-256", "nonce", "pabulib", "pabutools", "commitment", "JSON")
DOWNLOADS = ("ballots.csv", "ballots.pb", "results.csv", "steps.json")
# The seeded round (5 projects, 10 ballots) used to give 10 headings, 5 tables, a chart and about
# 4,900 characters of text in <main>; now 7, 3, none and about 2,200: what a resident needs.
MAX_HEADINGS = 7
MAX_TABLES = 3
MAX_TEXT_CHARACTERS = 2_800


@pytest.fixture
def published(app, seeded):
    """The seeded round, with the fingerprint taken when voting closed (the seed writes ballots directly)."""
    with app.app_context():
        count = db.session.query(CountResult).filter_by(round_id=seeded.round_id, is_published=True).one()
        db.session.get(Round, seeded.round_id).closing_ballots_sha256 = count.ballots_sha256
        db.session.commit()
    return seeded


def _main(html: str) -> str:
    return html[html.index('<main'):html.index('</main>')]


def _text(part: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", part))).strip()


def test_the_results_page_is_short_plain_and_links_to_the_open_data(client, published):
    seeded = published
    base = f"/rounds/{seeded.round_id}/results"
    html = page_html(client, base)
    main = _main(html)
    text = _text(main)
    for word in JARGON:
        assert word.lower() not in html.lower(), word
    for download in DOWNLOADS:
        assert download not in html, download
    assert "Ballots (CSV)" not in html and "<svg" not in html
    headings = re.findall(r"<h[1-6][ >]", main)
    assert len(headings) <= MAX_HEADINGS, headings
    assert main.count("<table") <= MAX_TABLES
    assert len(text) < MAX_TEXT_CHARACTERS, len(text)
    # What a resident came for: what was funded (with money), what was not and why, turnout, money left,
    # the receipt check, a printable version and the way to the open data.
    for letter in "CA":
        assert TITLES[letter] in text
    assert "£5,000" in text and "£4,000" in text
    assert "Not enough money left after higher-scoring projects: needed £3,000, £1,000 left." in text
    assert "10 people voted" in text
    assert "Money left over £1,000" in text
    assert re.search(r'<form method="post" action="/rounds/\d+/receipt"', main)
    assert f'href="{base}/print"' in main
    assert re.search(rf'<a href="{base}/open-data">Open data and how to re-count the votes</a>', main)


def test_the_open_data_page_has_the_detail_the_downloads_and_how_to_re_count(client, published):
    seeded = published
    base = f"/rounds/{seeded.round_id}/results"
    html = page_html(client, f"{base}/open-data")
    main = _main(html)
    text = _text(main)
    assert "<h1>Open data and how to re-count the votes</h1>" in main and main.count("<h1") == 1
    assert "<title>Open data and how to re-count the votes – " in html
    assert f'href="{base}"' in main  # the way back to the results
    for word in ("SHA-256", "nonce", "pabulib", "pabutools"):
        assert word in text, word
    for download in DOWNLOADS:
        assert f'href="{base}/{download}"' in main, download
    # The fingerprint of the ballots file, the same as the file's own, and the closing comparison.
    digest = hashlib.sha256(client.get(f"{base}/ballots.csv").data).hexdigest()
    assert digest in text
    assert "It is the same fingerprint that was published when voting closed" in text
    # The scores (chart and table), how voters were known, every step of the count, how to count again.
    assert '<svg class="chart" role="img"' in main
    assert "Scores and first choices for each project" in text
    assert "Ballots by how the voter was known (counts only, never names)" in text
    assert "Community lunch club (£5,000, 17 points) funded. £5,000 left." in text
    assert f"flask pb verify {seeded.round_id}" in text
    assert "style=" not in html and "<script>" not in html


def test_the_printable_results_keep_what_a_notice_board_needs(client, published):
    seeded = published
    base = f"/rounds/{seeded.round_id}/results"
    text = _text(_main(page_html(client, f"{base}/print")))
    assert TITLES["C"] in text and TITLES["A"] in text and "£5,000" in text
    assert "10 people voted" in text and "share of the 10 registered residents who could vote" in text
    digest = hashlib.sha256(client.get(f"{base}/ballots.csv").data).hexdigest()
    assert digest in text
    assert "It is the same fingerprint that was published when voting closed" in text
    assert f"{base}/open-data" in text  # where to find the files, printed in full
