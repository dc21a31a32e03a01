"""What the voting-code letter says (issue 17, item 8): the dates, the projects, the paper alternative,
the address for a window envelope, and the public address it prints (refused in production without one)."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pb.extensions import db
from pb.models import AuditEvent, Round, User, VotingCode
from pb.services.voting_letters import LETTER_PROJECTS
from tests import factories
from tests.residents.conftest import text_of

LETTER_CODE = re.compile(r'class="receipt-code letter-code">([A-Z0-9-]+)<')


@pytest.fixture
def resident(app):
    with app.app_context():
        user = factories.make_resident(with_email=False, name="Doris Achebe", postcode="E8 1AB")
        user.address_line = "Flat 2, 14 Mare Street"
        db.session.commit()
        return user.id


def _round(app, n_projects: int, **kw) -> int:
    """A round with `n_projects` shortlisted projects (and one refused idea that no letter lists)."""
    with app.app_context():
        round_ = factories.make_round(**{"phase": "voting_open", "title": "Hackney 50+ Fund", **kw})
        for i in range(n_projects):
            factories.make_proposal(round_, title=f"Project {chr(65 + i)}{chr(65 + i)}", cost_pence=100_000 + 25_050 * i)
        factories.make_proposal(round_, status="refused", title="Refused idea")
        return round_.id


def _letter(client, user_id: int, round_id: int):
    return client.post(f"/staff/residents/{user_id}/code", data={"round_id": round_id, "issued_count": "0"})


def _words(response) -> str:
    """The page's text as a reader sees it: without tags, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True))))


def _listed(response) -> list[str]:
    """The project lines of the letter, in order."""
    block = re.search(r'<ul class="list letter-projects">(.*?)</ul>', response.get_data(as_text=True), re.S).group(1)
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


def test_letter_says_when_voting_closes_in_plain_english(app, staff_client, resident):
    round_id = _round(app, 3, voting_close_on=date(2026, 3, 12))
    response = _letter(staff_client, resident, round_id)
    assert response.status_code == 200
    assert "Voting closes on Thursday 12 March 2026." in _words(response)


def test_letter_says_when_voting_opens_if_that_is_still_to_come(app, staff_client, resident):
    opens, closes = date.today() + timedelta(days=40), date.today() + timedelta(days=61)
    round_id = _round(app, 3, phase="proposals_closed", voting_open_on=opens, voting_close_on=closes)
    page = _words(_letter(staff_client, resident, round_id))
    assert (f"Voting opens on {opens:%A} {opens.day} {opens:%B %Y} and closes on "
            f"{closes:%A} {closes.day} {closes:%B %Y}. Keep this letter until then.") in page


def test_letter_lists_every_shortlisted_project_with_its_cost_and_where_to_read_them(app, staff_client, resident):
    round_id = _round(app, LETTER_PROJECTS, ballot_order="fixed")
    response = _letter(staff_client, resident, round_id)
    assert _listed(response) == [f"Project {chr(65 + i)}{chr(65 + i)}: £{1000 + 250.5 * i:,.2f}".replace(".00", "")
                                 for i in range(LETTER_PROJECTS)]
    page = _words(response)
    assert "Refused idea" not in page and "more — read them all" not in page
    assert f"You can read about each project at localhost/rounds/{round_id}" in page


def test_letter_lists_the_first_12_in_ballot_order_and_how_many_more(app, staff_client, resident):
    round_id = _round(app, LETTER_PROJECTS + 3, ballot_order="fixed")
    response = _letter(staff_client, resident, round_id)
    listed = _listed(response)
    assert len(listed) == 12
    assert listed[0].startswith("Project AA:") and listed[-1].startswith("Project LL:")
    page = _words(response)
    assert "Project MM" not in page and "Project OO" not in page
    assert f"and 3 more — read them all at localhost/rounds/{round_id}" in page


def test_in_a_random_order_round_the_letter_lists_the_order_its_code_will_see(app, staff_client, resident):
    round_id = _round(app, LETTER_PROJECTS + 2, ballot_order="random")
    response = _letter(staff_client, resident, round_id)
    on_letter = [line.split(":")[0] for line in _listed(response)]
    voter = app.test_client()
    assert voter.post("/vote-with-code", data={"code": LETTER_CODE.search(response.get_data(as_text=True)).group(1)}
                      ).status_code == 302
    ballot = voter.get(f"/rounds/{round_id}/vote").get_data(as_text=True)
    titles = [f"Project {chr(65 + i)}{chr(65 + i)}" for i in range(LETTER_PROJECTS + 2)]
    assert all(title in ballot for title in titles)
    on_ballot = sorted(titles, key=ballot.index)  # in the order the ballot page first shows them
    assert on_letter == on_ballot[:LETTER_PROJECTS]
    assert on_letter != sorted(on_letter)  # the code's own order, not by title (sorted by chance once in 12! orders)


def test_letter_has_letterhead_return_line_window_address_and_paper_alternative(app, staff_client, resident):
    app.config["PB_POSTAL_ADDRESS"] = "Unit 5, 1 Hoxton Street, N1 6NL"
    round_id = _round(app, 2)
    response = _letter(staff_client, resident, round_id)
    page_html = response.get_data(as_text=True)
    assert 'href="/static/letters.css"' in page_html
    head = re.search(r'<div class="letter-head">(.*?)</div>\s*<div class="letter-window">', page_html, re.S).group(1)
    assert '<span class="masthead-name">Connect Hackney</span>' in head
    assert "print-masthead" not in page_html  # the letterhead takes its place, above the window
    window = re.search(r'<div class="letter-window">(.*?)</address>', page_html, re.S).group(1)
    assert ('<div class="letter-return">If undelivered, return to: Connect Hackney, Unit 5, 1 Hoxton Street, N1 6NL'
            '</div>') in window
    address = [line.strip() for line in window.split('<address class="letter-recipient">')[1].split("<br>")]
    assert address == ["Doris Achebe", "Flat 2, 14 Mare Street", "E8 1AB"]
    page = text_of(response)
    assert ("You can ask us for a paper ballot instead, and we will post one to you. "
            f"{app.config['PB_CONTACT']}, or write to us at Unit 5, 1 Hoxton Street, N1 6NL.") in page


def test_letter_to_a_resident_without_a_street_address_tells_staff(app, staff_client):
    with app.app_context():
        user_id = factories.make_resident(with_email=False, name="Ken Oduya", postcode="N16 0AA").id
    response = _letter(staff_client, user_id, _round(app, 2))
    assert "We do not have Ken Oduya's street address" in text_of(response)
    assert re.search(r'<address class="letter-recipient">\s*Ken Oduya<br>\s*N16 0AA\s*</address>',
                     response.get_data(as_text=True))


def test_a_name_on_the_letter_is_escaped(app, staff_client):
    with app.app_context():
        user = factories.make_resident(with_email=False, name="<b>Eve</b> O'Neill")
        user.address_line = "1 <i>High</i> Street"
        db.session.commit()
        user_id = user.id
    page_html = _letter(staff_client, user_id, _round(app, 2)).get_data(as_text=True)
    assert "<b>Eve</b>" not in page_html and "&lt;b&gt;Eve&lt;/b&gt;" in page_html
    assert "<i>High</i>" not in page_html and "&lt;i&gt;High&lt;/i&gt;" in page_html


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        db.session.expire_all()
        return (db.session.scalar(select(func.count()).select_from(VotingCode)),
                db.session.scalar(select(func.count()).select_from(AuditEvent)))


def test_in_production_without_a_public_address_no_code_is_issued(app, staff_client, resident):
    round_id = _round(app, 2)
    app.config.update(PB_ENV="production", PB_PUBLIC_URL="")
    before = _counts(app)
    response = _letter(staff_client, resident, round_id)
    assert response.status_code == 409
    page = text_of(response)
    assert "The letter cannot be printed yet" in page and "set PB_PUBLIC_URL" in page
    assert not LETTER_CODE.search(response.get_data(as_text=True))
    assert _counts(app) == before
    # Once it is set, the letter prints that address.
    app.config["PB_PUBLIC_URL"] = "https://vote.connecthackney.org.uk"
    response = _letter(staff_client, resident, round_id)
    assert response.status_code == 200
    page = text_of(response)
    assert "vote.connecthackney.org.uk/vote-with-code" in page
    assert f"vote.connecthackney.org.uk/rounds/{round_id}" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VotingCode)) == 1
        assert db.session.get(User, resident).name == "Doris Achebe"
        assert db.session.get(Round, round_id).phase == "voting_open"


def test_letterhead_shows_the_logo_with_the_organisations_name_as_its_alt_text(app, staff_client, resident):
    app.config["PB_LOGO_URL"] = "/static/logo.png"
    page_html = _letter(staff_client, resident, _round(app, 2)).get_data(as_text=True)
    head = re.search(r'<div class="letter-head">(.*?)<div class="letter-window">', page_html, re.S).group(1)
    assert '<div class="letter-masthead"><img class="masthead-logo" src="/static/logo.png" alt="Connect Hackney"></div>' in head
