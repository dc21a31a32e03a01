"""A blank paper ballot staff print in the language the resident reads: the projects in the printed ballot's
order (by title) with their costs, the round's and projects' approved translations, lang and dir on the
ballot, and the staff's page around it in the staff's own language."""
from __future__ import annotations

import html as html_lib
import re

import pytest
from flask_babel import force_locale, gettext, ngettext

from pb import i18n
from pb.content_text import content_text
from pb.domain.money import format_pence
from pb.domain import words
from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import ContentTranslation, Proposal, ProposalStatus, Round
from tests import factories

TITLES = ["Art class", "Bingo", "Choir", "Dance", "Exercise"]
COSTS = {"Art class": 125_000, "Bingo": 80_050, "Choir": 300_000, "Dance": 45_000, "Exercise": 700_000}
COSTS_SHOWN = {"Art class": "£1,250", "Bingo": "£800.50", "Choir": "£3,000", "Dance": "£450", "Exercise": "£7,000"}
TURKISH_ART = "Resim kursu"
TURKISH_ROUND = "Hackney Fonu"
NO_BALLOT_MESSAGE = "There is no ballot in that language. Choose a language from the list."


def _url(round_id: int, **query) -> str:
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/staff/rounds/{round_id}/paper/print" + (f"?{tail}" if tail else "")


def _approve(kind: str, object_id: int, field: str, language: str, text: str) -> None:
    db.session.add(ContentTranslation(kind=kind, object_id=object_id, field=field, language=language, text=text,
                                      status="approved"))
    db.session.commit()


@pytest.fixture
def printable(app):
    """A round open for voting (projects in a random order online), its shortlist added in reverse title order,
    a refused idea, and a project in another round; the project "Art class" and the round translated into Turkish."""
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN, title="Hackney Fund", ballot_order="random")
        made = {title: factories.make_proposal(round_, title=title, cost_pence=COSTS[title],
                                               summary=f"About {title.lower()}.")
                for title in reversed(TITLES)}
        factories.make_proposal(round_, status=ProposalStatus.REFUSED, title="Refused idea")
        factories.make_proposal(factories.make_round(phase=Phase.VOTING_OPEN), title="Elsewhere")
        _approve("proposal", made["Art class"].id, "title", "tr", TURKISH_ART)
        _approve("round", round_.id, "title", "tr", TURKISH_ROUND)
        return round_.id


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status
    return response.get_data(as_text=True)


def _ballot(page: str) -> str:
    """The printable ballot's own HTML ("" when the page shows none)."""
    found = re.search(r'<article class="paper-ballot".*?</article>', page, re.S)
    return found.group(0) if found else ""


def _titles(ballot: str) -> list[str]:
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", t)).strip()
            for t in re.findall(r'<h4 class="paper-ballot-project-title">(.*?)</h4>', ballot, re.S)]


def _text(ballot: str) -> str:
    """The ballot's words, without tags, spaces run together."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", ballot)).split())


def _in_language(app, code: str, message, *args, **values) -> str:
    """An existing message as the catalog has it in `code` (`message` is gettext or ngettext, or a function
    of no arguments that makes the text)."""
    with app.test_request_context("/"), force_locale(code):
        return message(*args, **values)


def _turkish_cost(pence: int) -> str:
    return gettext("Cost: %(amount)s", amount=i18n.format_money(pence, format_pence))


def test_the_print_page_is_for_staff_only(app, client, auth, printable):
    assert client.get(_url(printable, language="en")).status_code == 302
    with app.app_context():
        factories.make_resident(email="res@example.net")
    auth.login("res@example.net")
    assert client.get(_url(printable, language="en")).status_code == 403


def test_without_a_language_the_page_offers_each_language_english_first_and_no_ballot(staff_client, printable):
    page = _page(staff_client, _url(printable))
    assert "Language of the ballot" in page and "Show the ballot" in page
    options = re.findall(r'<option value="([^"]+)" lang="([^"]+)"', page)
    assert options[0] == ("en", "en-GB")
    assert {"tr", "pl", "bn", "yi", "es"} <= {code for code, _tag in options}
    assert '<option value="tr" lang="tr">Türkçe</option>' in page
    assert _ballot(page) == ""


def test_the_english_ballot_lists_every_shortlisted_project_by_title_with_its_cost(staff_client, printable):
    page = _page(staff_client, _url(printable, language="en"))
    ballot = _ballot(page)
    assert 'lang="en-GB" dir="ltr"' in ballot
    # The printed ballot's order (by title) even though this round orders the online ballot at random.
    assert _titles(ballot) == TITLES
    text = _text(ballot)
    for title in TITLES:
        assert f"Cost: {COSTS_SHOWN[title]}" in text
        assert f"About {title.lower()}." in text
    assert "Refused idea" not in page and "Elsewhere" not in page
    assert "Hackney Fund" in text
    assert "You can choose up to 3 projects. Choosing just 1 is fine." in text
    assert "Write 1 in the box next to the project you like best, 2 next to your second choice" in text
    assert "The highest number you can write is 3." in text
    assert "Your 1st choice gets 3 points" in text
    assert "Your details" in text
    for label in ("Full name", "Address", "Postcode", "Signature", "Date"):
        assert f'<span class="paper-ballot-label">{label}</span>' in ballot
    assert '<span class="paper-ballot-label">Date of birth<span class="paper-ballot-hint">' in ballot
    assert ballot.count('class="paper-ballot-box"') == len(TITLES)
    assert "Hand it to a member of staff at one of our events." in text
    # A print button (shown by pb.js) and the staff's form kept off the paper.
    assert re.search(r"<button[^>]*data-print", page)
    assert re.search(r'<div class="no-print">\s*<a class="back-link"', page)


def test_a_fixed_order_round_prints_the_same_order_as_its_online_ballot(app, staff_client, printable):
    with app.app_context():
        db.session.get(Round, printable).ballot_order = "fixed"
        db.session.commit()
    assert _titles(_ballot(_page(staff_client, _url(printable, language="en")))) == TITLES


def test_the_turkish_ballot_is_in_turkish_and_the_page_around_it_stays_in_english(app, staff_client, printable):
    page = _page(staff_client, _url(printable, language="tr"))
    ballot = _ballot(page)
    assert ballot.startswith('<article class="paper-ballot" lang="tr" dir="ltr"')
    assert re.search(r'<html lang="en-GB" dir="ltr">', page)
    # The approved translations of the round's and a project's title, and not their English.
    titles = _titles(ballot)
    assert TURKISH_ART in titles and "Art class" not in ballot
    assert TURKISH_ROUND in ballot and "Hackney Fund" not in ballot
    # Projects without a translation are printed in English, marked as English.
    assert '<span lang="en-GB" dir="ltr">Bingo</span>' in ballot
    # Still in the printed ballot's order, the English titles' order.
    assert titles == [TURKISH_ART] + TITLES[1:]
    # Words the catalog already has in Turkish: the instruction, the headings, the cost in Turkish money.
    text = _text(ballot)
    up_to = _in_language(app, "tr", ngettext, "You can choose up to %(num)s project.",
                         "You can choose up to %(num)s projects.", 3)
    details = _in_language(app, "tr", gettext, "Your details")
    cost = _in_language(app, "tr", _turkish_cost, COSTS["Bingo"])
    assert up_to != "You can choose up to 3 projects." and details != "Your details" and "Cost" not in cost
    assert up_to in text and details in text and cost in text
    assert "You can choose up to 3 projects." not in text and "Your details" not in text
    untranslated = _in_language(app, "tr", gettext,
                                "Some of the text on this page is not translated yet, so it is shown in English.")
    assert untranslated in text
    # The staff's page stays in English, with its own note about the English text on the ballot.
    assert "<h1>Print a blank paper ballot</h1>" in page and "Language of the ballot" in page
    assert "has no approved translation into <span lang=\"tr\">Türkçe</span> yet" in page
    assert page.count("Some of the text on this page is not translated yet") == 0


def test_the_staff_page_can_be_in_one_language_and_the_ballot_in_another(app, staff_client, printable):
    page = _page(staff_client, _url(printable, language="tr", lang="pl"))
    assert re.search(r'<html lang="pl" dir="ltr">', page)
    polish = _in_language(app, "pl", gettext, "Use your browser's Print command to print this page. It fits on A4 paper.")
    assert polish != "Use your browser's Print command to print this page. It fits on A4 paper."
    assert polish in html_lib.unescape(page)
    ballot = _ballot(page)
    assert 'lang="tr"' in ballot and TURKISH_ART in ballot
    assert _in_language(app, "tr", gettext, "Your details") in _text(ballot)


def test_the_yiddish_ballot_reads_right_to_left(app, staff_client, printable):
    page = _page(staff_client, _url(printable, language="yi"))
    assert _ballot(page).startswith('<article class="paper-ballot" lang="yi" dir="rtl"')
    assert re.search(r'<html lang="en-GB" dir="ltr">', page)
    assert _in_language(app, "yi", gettext, "Your details") in _text(_ballot(page))


@pytest.mark.parametrize("code", ["xx", "klingon", "EN-US", "..%2Fen", "%3Cscript%3E"])
def test_an_unknown_language_gets_a_message_and_no_ballot(staff_client, printable, code):
    page = _page(staff_client, _url(printable, language=code))
    assert NO_BALLOT_MESSAGE in page
    assert _ballot(page) == "" and "<script>" not in page
    assert "<title>Error: Print a blank paper ballot" in page
    assert 'aria-invalid="true"' in page


def test_a_language_code_in_capitals_is_understood(staff_client, printable):
    assert 'lang="tr"' in _ballot(_page(staff_client, _url(printable, language="TR")))


def test_a_round_without_a_shortlist_has_no_ballot_to_print(app, staff_client):
    with app.app_context():
        round_id = factories.make_round(phase=Phase.PROPOSALS_CLOSED, title="Empty Fund").id
    page = _page(staff_client, _url(round_id, language="en"))
    assert "A ballot for Empty Fund needs at least 1 shortlisted project, so there is no ballot to print yet." in page
    assert _ballot(page) == ""


def test_one_choice_and_at_least_two_choices_are_explained(app, staff_client, printable):
    with app.app_context():
        round_ = db.session.get(Round, printable)
        round_.min_ranks, round_.max_ranks = 1, 1
        db.session.commit()
    text = _text(_ballot(_page(staff_client, _url(printable, language="en"))))
    assert "Write 1 in the box next to the project you like best. Leave the other boxes empty." in text
    assert "You can choose up to" not in text
    with app.app_context():
        round_ = db.session.get(Round, printable)
        round_.min_ranks, round_.max_ranks = 2, 4
        db.session.commit()
    text = _text(_ballot(_page(staff_client, _url(printable, language="en"))))
    assert "You can choose up to 4 projects. Choose at least 2 projects." in text
    assert "The highest number you can write is 4." in text


def test_the_ballot_says_where_to_post_it_and_by_when(app, staff_client, printable):
    from datetime import date

    app.config["PB_POSTAL_ADDRESS"] = "Connect Hackney, 1 Mare Street, London E8 4RP"
    with app.app_context():
        db.session.get(Round, printable).voting_close_on = date(2026, 7, 3)
        db.session.commit()
    text = _text(_ballot(_page(staff_client, _url(printable, language="en"))))
    assert "Post it to Connect Hackney, Connect Hackney, 1 Mare Street, London E8 4RP." in text
    assert "Your ballot must reach us by Friday 3 July 2026." in text


def test_the_round_page_and_the_paper_ballots_page_link_to_it(staff_client, printable):
    link = f'href="/staff/rounds/{printable}/paper/print"'
    assert link in _page(staff_client, f"/staff/rounds/{printable}")
    assert link in _page(staff_client, f"/staff/rounds/{printable}/paper")


def test_approved_texts_are_kept_apart_for_each_language_within_one_request(app, printable):
    """A page in one language that shows text in another (under force_locale) reads each language's own."""
    with app.app_context():
        art = db.session.query(Proposal).filter_by(round_id=printable, title="Art class").one()
        _approve("proposal", art.id, "title", "pl", "Zajęcia plastyczne")
    with app.test_request_context("/?lang=pl"):
        art = db.session.get(Proposal, art.id)
        assert content_text(art, "title") == ("Zajęcia plastyczne", True)
        with force_locale("tr"):
            assert content_text(art, "title") == (TURKISH_ART, True)
        with force_locale("en"):
            assert content_text(art, "title") == ("Art class", True)
        with force_locale("es"):
            assert content_text(art, "title") == ("Art class", False)
        assert content_text(art, "title") == ("Zajęcia plastyczne", True)


def test_each_ballot_says_the_points_in_its_own_language_whichever_was_printed_first(app, staff_client, printable):
    """The points sentence's "Your 1st choice" is a filter of a constant ({{ 1|your_choice(start=True) }}):
    Jinja would work it out once, when the template is compiled, in the language of the first ballot."""
    first = {code: _in_language(app, code, lambda: words.your_choice(1, start=True)) for code in ("tr", "yi", "en")}
    assert len(set(first.values())) == 3
    for code in ("tr", "yi", "en"):
        text = _text(_ballot(_page(staff_client, _url(printable, language=code))))
        assert first[code] in text, code
        assert all(other not in text for lang, other in first.items() if lang != code), code
