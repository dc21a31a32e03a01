"""The public results page, its printable version, the downloads and the receipt checker."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re

from sqlalchemy import select, text

from pb.extensions import db
from pb.models import Ballot, CountResult, Round
from tests.conftest import page_html
from tests.results.conftest import TITLES


def _row_for(html: str, title: str) -> str:
    """The table row whose header cell names the project."""
    match = re.search(r"<tr>\s*<th scope=\"row\">(?:<a [^>]*>)?" + re.escape(title) + r".*?</tr>", html, re.S)
    assert match, f"no row for {title}"
    return match.group(0)


def test_results_page_turnout_is_as_at_the_count_and_reads_no_residents(client, seeded, app):
    """Residents who register after the count do not change the published turnout, and the page does not load them."""
    from sqlalchemy import event

    from tests import factories

    with app.app_context():
        for n in range(5):
            factories.make_resident(email=f"later{n}@example.org")
        engine = db.engine
    statements: list[str] = []
    listener = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        html = client.get(f"/rounds/{seeded.round_id}/results").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    turnout = html[html.index('id="turnout"'):html.index('id="how"')]
    assert "share of the 10 registered residents who could vote" in turnout
    assert re.search(r"Online</th><td class=\"num\">8</td><td class=\"num\">80.0%</td>", turnout)
    assert not [s for s in statements if "FROM users" in s], "the results page read the residents"


def test_results_page_headline_and_every_project_with_its_reason(client, seeded):
    html = page_html(client, f"/rounds/{seeded.round_id}/results")
    assert "<h1>Results: " in html and html.count("<h1") == 1
    # Headline
    assert "<dt>Money to share</dt><dd>£10,000</dd>" in html
    assert "<dt>Money given to projects</dt><dd>£9,000</dd>" in html
    assert "<dt>Money left over</dt><dd>£1,000</dd>" in html
    assert "<dt>Projects funded</dt><dd>2 of 5</dd>" in html
    assert "<dt>Ballots cast</dt><dd>10</dd>" in html
    # Funded, with amount, score and reason
    funded = html[html.index('id="funded"'):html.index('id="not-funded"')]
    lunch = _row_for(funded, TITLES["C"])
    assert "£5,000" in lunch and ">17<" in lunch and "it had the highest score" in lunch
    tea = _row_for(funded, TITLES["A"])
    assert "£4,000" in tea and ">16<" in tea and "2nd highest score" in tea
    # Every other shortlisted project with the reason it was not funded
    not_funded = html[html.index('id="not-funded"'):html.index('id="turnout"')]
    assert "Not enough money left after higher-scoring projects: needed £3,000, £1,000 left." in _row_for(not_funded, TITLES["B"])
    assert "Not enough money left after higher-scoring projects: needed £2,000, £1,000 left." in _row_for(not_funded, TITLES["D"])
    assert "No votes" in _row_for(not_funded, TITLES["E"])
    assert "Refused idea" not in html
    assert "style=" not in html
    assert "<script>" not in html
    # Turnout by channel, as counts and shares of the 10 eligible residents
    turnout = html[html.index('id="turnout"'):html.index('id="how"')]
    assert re.search(r"Online</th><td class=\"num\">8</td><td class=\"num\">80.0%</td>", turnout)
    assert re.search(r"staff</th><td class=\"num\">2</td><td class=\"num\">20.0%</td>", turnout)
    # How the count worked, in short: the points and the rule in a paragraph each
    how = html[html.index('id="how"'):]
    assert "3 points for a 1st choice, 2 points for a 2nd choice, 1 point for a 3rd choice." in how
    assert "Projects were taken in order of their score, highest first." in how


def test_open_data_page_scores_steps_and_fingerprint(client, seeded):
    html = page_html(client, f"/rounds/{seeded.round_id}/results/open-data")
    assert html.count("<h1") == 1
    assert "Refused idea" not in html
    # Chart: inline SVG with role and label, no style attributes anywhere (CSP), and a table of the same numbers.
    assert '<svg class="chart" role="img" aria-label="' in html
    assert "style=" not in html
    assert "<script>" not in html
    scores = html[html.index('id="scores"'):html.index('id="verification"')]
    assert re.search(re.escape(TITLES["A"]) + r"</th><td class=\"num\">16</td><td class=\"num\">4</td><td>Yes</td>", scores)
    assert re.search(re.escape(TITLES["E"]) + r"</th><td class=\"num\">0</td><td class=\"num\">0</td><td>No</td>", scores)
    # How the count worked, one line per step
    how = html[html.index('id="how"'):html.index('id="open-data"')]
    assert how.count("<li>") >= 5
    assert "Community lunch club (£5,000, 17 points) funded. £5,000 left." in how
    # The ballots file's SHA-256 is shown
    result_hash = hashlib.sha256(client.get(f"/rounds/{seeded.round_id}/results/ballots.csv").data).hexdigest()
    assert result_hash in html[html.index('id="fingerprint"'):]


def test_printable_version(client, seeded):
    html = page_html(client, f"/rounds/{seeded.round_id}/results/print")
    assert 'class="printable"' in html
    assert "Not enough money left after higher-scoring projects: needed £3,000, £1,000 left." in html
    assert "Use your browser&#39;s Print command" in html or "Use your browser's Print command" in html


def test_printable_results_carry_the_organisations_logo_as_a_print_masthead(app, client, seeded):
    app.config["PB_LOGO_URL"] = "/static/logo.png"
    html = page_html(client, f"/rounds/{seeded.round_id}/results/print")
    masthead = '<div class="print-masthead"><img class="masthead-logo" src="/static/logo.png" alt="Connect Hackney"></div>'
    assert masthead in html
    assert html.index(masthead) < html.index("<h1>Results: ")


def test_ballots_csv_download(client, seeded):
    response = client.get(f"/rounds/{seeded.round_id}/results/ballots.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["receipt", "commitment", "nonce", "rank_1", "rank_2", "rank_3"]
    assert [r[0] for r in rows[1:]] == sorted(seeded.receipts)
    # Every row's commitment is recomputed from the row alone, as the open data page says.
    for receipt, commitment, nonce, *ranks in rows[1:]:
        text = f"pb-ballot-v2|round={seeded.round_id}|receipt={receipt}|ranking={','.join(r for r in ranks if r)}|nonce={nonce}"
        assert hashlib.sha256(text.encode()).hexdigest() == commitment
    with client.application.app_context():
        stored = db.session.query(CountResult).one()
        assert hashlib.sha256(response.data).hexdigest() == stored.ballots_sha256


def test_results_csv_and_steps_json(client, seeded):
    text = client.get(f"/rounds/{seeded.round_id}/results/results.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["title"] for r in rows] == [TITLES[x] for x in "CABDE"]
    assert rows[0]["funded"] == "yes" and rows[0]["funding_order"] == "1" and rows[0]["cost_pounds"] == "5000.00"
    assert rows[2]["funded"] == "no" and rows[2]["reason"].startswith("Not enough money left")
    data = json.loads(client.get(f"/rounds/{seeded.round_id}/results/steps.json").data)
    assert data["rule"] == "greedy"
    assert data["funded"] == [str(seeded.ids["C"]), str(seeded.ids["A"])]
    assert len(data["steps"]) == 5 and data["steps"][2]["reason"] == "not_enough_money"
    assert len(data["explanation"]) == 5
    assert data["voter_roll"] == {"verified_residents_only": True, "ballots_by_verification": {
        "staff": 8, "list": 0, "letter": 0, "code": 0, "paper": 2, "self-declared": 0}}


def _check(client, url, code):
    return client.post(url, data={"code": code})


def test_receipt_checker_finds_a_counted_ballot(client, seeded):
    receipt = seeded.receipts[0]  # A, C, B
    response = _check(client, f"/rounds/{seeded.round_id}/receipt", receipt)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Counted</h1>" in html and receipt in html
    assert f"1st choice: {TITLES['A']}" in html and f"2nd choice: {TITLES['C']}" in html
    assert f"3rd choice: {TITLES['B']}" in html
    # Never kept by a browser or a proxy.
    assert "no-store" in response.headers["Cache-Control"]


def test_receipt_checker_trims_spaces_and_ignores_case(client, seeded):
    receipt = seeded.receipts[4]
    typed = "  " + receipt.replace("-", " ").lower() + " "
    html = _check(client, f"/rounds/{seeded.round_id}/receipt", typed).get_data(as_text=True)
    assert "<h1>Counted</h1>" in html and f"1st choice: {TITLES['C']}" in html


def test_receipt_checker_without_a_round_finds_the_ballot(client, seeded):
    html = _check(client, "/receipt", seeded.receipts[9]).get_data(as_text=True)
    assert "<h1>Counted</h1>" in html and f"1st choice: {TITLES['C']}" in html


def test_receipt_checker_finds_a_ballot_by_its_64_character_commitment(client, seeded):
    """A ballot cast before codes were short has its commitment as its receipt; the checker reads both."""
    with client.application.app_context():
        ballot = db.session.scalars(select(Ballot).where(Ballot.receipt == seeded.receipts[0])).one()
        commitment = ballot.commitment
    html = _check(client, f"/rounds/{seeded.round_id}/receipt", commitment.upper()).get_data(as_text=True)
    assert "<h1>Counted</h1>" in html and f"1st choice: {TITLES['A']}" in html


def test_receipt_checker_not_found(client, seeded):
    for unknown in ("0" * 64, "ABCD-EFGH-JKM"):
        for url in (f"/rounds/{seeded.round_id}/receipt", "/receipt"):
            response = _check(client, url, unknown)
            assert response.status_code == 200
            assert "<h1>Receipt code not found</h1>" in response.get_data(as_text=True)


def test_receipt_checker_malformed_codes(client, seeded):
    for code in ("", "abc", "g" * 64, seeded.receipts[0] + "2", "<script>", "ABCD-EFGH-JK0"):
        response = _check(client, f"/rounds/{seeded.round_id}/receipt", code)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, code
        assert "There is a problem" in html
        assert ("Enter your receipt code" in html) or ("11 letters and numbers" in html) or ("never use" in html)
        assert "<h1>Counted</h1>" not in html


def test_receipt_form_page_posts_and_an_old_link_with_a_code_is_not_answered(client, seeded):
    response = client.get(f"/rounds/{seeded.round_id}/receipt")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<label class="label" for="code">Your receipt code</label>' in html
    assert '<form method="post"' in html and 'method="get"' not in html
    assert client.get("/receipt").status_code == 200
    # ?code=… (the checker's address before it posted) is sent to the clean address, unchecked.
    old = client.get(f"/rounds/{seeded.round_id}/receipt", query_string={"code": seeded.receipts[0]})
    assert old.status_code == 303 and old.headers["Location"].endswith(f"/rounds/{seeded.round_id}/receipt")
    assert seeded.receipts[0] not in old.get_data(as_text=True)


def test_the_results_page_checks_receipts_by_post(client, seeded):
    html = client.get(f"/rounds/{seeded.round_id}/results").get_data(as_text=True)
    form = html[html.index('id="check-receipt"'):]
    assert f'<form method="post" action="/rounds/{seeded.round_id}/receipt"' in form


def test_results_page_links_from_a_published_round(client, seeded):
    with client.application.app_context():
        assert db.session.get(Round, seeded.round_id).phase == "results_published"
    html = client.get(f"/rounds/{seeded.round_id}").get_data(as_text=True)
    assert f"/rounds/{seeded.round_id}/results" in html


def _statements_for(app, client, url: str, **kwargs):
    """(the response, the SQL statements the request ran)."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(url, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return response, seen


def _reads_ballots(statements: list[str]) -> bool:
    return any("FROM ballots" in s for s in statements)


def test_results_page_and_downloads_read_the_ballots_once_then_serve_what_they_built(client, seeded, app):
    base = f"/rounds/{seeded.round_id}/results"
    for url in (base, f"{base}/open-data", f"{base}/print", f"{base}/ballots.csv", f"{base}/ballots.pb", f"{base}/results.csv"):
        first, _ = _statements_for(app, client, url)
        again, statements = _statements_for(app, client, url)
        assert first.status_code == again.status_code == 200
        assert again.data == first.data, url
        assert not _reads_ballots(statements), f"{url} read the ballots again"


def test_published_downloads_carry_an_etag_and_answer_304_when_unchanged(client, seeded, app):
    with app.app_context():
        published = db.session.query(CountResult).filter_by(round_id=seeded.round_id, is_published=True).one()
        sha = published.ballots_sha256
    url = f"/rounds/{seeded.round_id}/results/ballots.csv"
    response = client.get(url)
    assert response.headers["ETag"] == f'"{sha}"' and hashlib.sha256(response.data).hexdigest() == sha
    assert client.get(url, headers={"If-None-Match": f'"{sha}"'}).status_code == 304
    pb_file = client.get(f"/rounds/{seeded.round_id}/results/ballots.pb")
    etag = pb_file.headers["ETag"]
    assert client.get(f"/rounds/{seeded.round_id}/results/ballots.pb", headers={"If-None-Match": etag}).status_code == 304


def test_the_pabulib_file_is_built_again_after_the_round_is_edited(client, seeded, app):
    url = f"/rounds/{seeded.round_id}/results/ballots.pb"
    before = client.get(url).get_data(as_text=True)
    with app.app_context():
        round_ = db.session.get(Round, seeded.round_id)
        round_.title = "Renamed after publishing"
        round_.version += 1
        db.session.commit()
    after = client.get(url).get_data(as_text=True)
    assert "Renamed after publishing" in after and "Renamed after publishing" not in before


def test_a_ballots_file_that_no_longer_matches_its_count_is_served_as_it_is_and_not_kept(client, seeded, app):
    from pb.services.count_cache import count_cache

    url = f"/rounds/{seeded.round_id}/results/ballots.csv"
    with app.app_context():
        published = db.session.query(CountResult).filter_by(round_id=seeded.round_id, is_published=True).one()
        published.ballots_sha256 = "0" * 64  # as if the stored ballots had changed since the count
        db.session.commit()
    count_cache.clear()
    first, _ = _statements_for(app, client, url)
    again, statements = _statements_for(app, client, url)
    assert first.status_code == again.status_code == 200 and again.data == first.data
    assert _reads_ballots(statements)  # built again each time: never kept as the published file


def test_results_say_how_voters_were_known_in_counts_only(client, seeded):
    html = client.get(f"/rounds/{seeded.round_id}/results/open-data").get_data(as_text=True)
    part = html[html.index('id="verification"'):html.index('id="how"')]
    assert "counted online votes only from residents whose details had been checked" in part
    assert re.search(r"Checked by staff</th><td class=\"num\">8</td>", part)
    assert re.search(r"Paper ballot keyed by staff</th><td class=\"num\">2</td>", part)
    assert re.search(r"Self-declared</th><td class=\"num\">0</td>", part)


def test_results_of_a_round_open_to_anyone_eligible_say_how_many_ballots_were_self_declared(client, seeded, app):
    with app.app_context():
        db.session.execute(text("UPDATE rounds SET verified_only = false WHERE id = :r"), {"r": seeded.round_id})
        db.session.execute(text("UPDATE voter_roll SET verification = 'self-declared' WHERE id IN "
                                "(SELECT id FROM voter_roll WHERE round_id = :r AND channel = 'online' "
                                "ORDER BY id LIMIT 3)"), {"r": seeded.round_id})
        db.session.commit()
    for url in (f"/rounds/{seeded.round_id}/results", f"/rounds/{seeded.round_id}/results/open-data"):
        html = client.get(url).get_data(as_text=True)
        assert "This round accepted self-declared registrations: 3 of 10 ballots" in html, url
