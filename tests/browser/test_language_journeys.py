"""A resident's whole journey in Turkish and in Yiddish, in Chromium (issue 18): register, vote with the
keyboard only, check the receipt.

Each journey starts on the home page with ?lang=CODE in a browser whose own language is English, so a
page that fell back to English shows. The resident registers online through the four registration
pages, meets "we need to check you live in Hackney" (the round takes online ballots from verified
residents only, as rounds do unless staff say otherwise), is verified by staff after a phone call,
goes back and ranks three projects with Tab, the arrow keys, Enter and Space only, and reads the
receipt code. Staff close voting, count and publish; the resident checks the code on the results
page and sees the ballot's choices, then tries a mistyped code.

Every page goes through the auditor in the language (axe, structure, labels, text and target sizes,
and once per distinct page 200% and 400% zoom), says lang="CODE" and its direction (right to left for
Yiddish) and has its heading, buttons and labels in the language. All the interface text the tests
look for comes from the catalogs (pb/translations, compiled when the test session starts), so the
tests follow the translations; the round's and projects' own text is staff's, in English.

What staff do (making the round, verifying the resident, closing, counting, publishing) goes through
pb's services in the test's own app context: the English journey (test_journeys.py) does it in the
staff console, and this one is about the resident.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import pytest
from babel.support import Translations
from playwright.sync_api import Page, expect
from sqlalchemy import select

from pb.domain.phases import Phase
from pb.extensions import db
from pb.i18n import TRANSLATIONS_DIR
from tests import factories
from tests.browser.conftest import STAFF_EMAIL
from tests.browser.ui import SHORT_RECEIPT, pick_with_arrow_keys, tab_to
from tests.conftest import make_app

pytestmark = pytest.mark.xdist_group("browser")

DIRECTION = {"tr": "ltr", "yi": "rtl"}
# The residents' names, in the language's own script (a name is the resident's, not interface text).
NAMES = {"tr": "Ayşe Yıldız", "yi": "חנה גאָלדבערג"}
PASSWORD = "sunny allotment teapot 42"
AREA = "Hackney"

# The shortlist (staff's text, in English) and the order the resident ranks it in.
PROJECTS = [("Friday lunch club", 480_000), ("Sewing circle", 230_000), ("Walking group", 240_000)]
RANKING = ["Walking group", "Friday lunch club", "Sewing circle"]

# The ordinal phrases as pb's catalogs hold them (pb.domain.words).
CHOICE = {1: "1st choice", 2: "2nd choice", 3: "3rd choice"}
YOUR_CHOICE = {1: "your 1st choice", 2: "your 2nd choice", 3: "your 3rd choice"}
YOUR_CHOICE_START = {1: "Your 1st choice", 2: "Your 2nd choice", 3: "Your 3rd choice"}


class Words:
    """The interface's text in one language, from its compiled catalog."""

    def __init__(self, code: str):
        self.code = code
        self.catalog = Translations.load(TRANSLATIONS_DIR, [code])
        # Translations.load falls back to English (a NullTranslations) when there is no compiled
        # catalog: then every expected text would be English and the journey could not tell.
        assert isinstance(self.catalog, Translations), f"no compiled catalog for {code!r} in {TRANSLATIONS_DIR}"

    def __call__(self, msgid: str, *, same_ok: bool = False, **values) -> str:
        """`msgid` in the language, its placeholders filled in. Unless `same_ok` (a pattern such as
        "%(title)s: %(choice)s" that a language may keep as it is), it must differ from the English,
        so that finding it on a page shows the page is in the language."""
        text = self.catalog.gettext(msgid)
        assert same_ok or text != msgid, f"{msgid!r} is not translated in the {self.code!r} catalog"
        return text % values if values else text


@dataclass
class Resident:
    """One resident's browser, and the checks every page of their journey gets."""

    page: Page
    auditor: object
    code: str
    t: Words

    def check(self, *, heading: str | None = None) -> None:
        """The page now showing: the auditor in the language (axe, structure, reflow once per page),
        lang and dir on <html>, the direction really applied, and (with `heading`) its h1."""
        self.auditor.check(self.page, lang=self.code)
        html = self.page.locator("html")
        assert html.get_attribute("lang") == self.code, self.page.url
        assert html.get_attribute("dir") == DIRECTION[self.code], f"dir is {html.get_attribute('dir')!r} on {self.page.url}"
        applied = self.page.evaluate("() => getComputedStyle(document.querySelector('main')).direction")
        assert applied == DIRECTION[self.code], f"<main> is laid out {applied!r} on {self.page.url}"
        if heading is not None:
            expect(self.page.locator("h1")).to_have_text(heading)

    def visit(self, path: str, *, heading: str | None = None) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == 200, f"GET {path} answered {response and response.status}"
        self.check(heading=heading)

    def follow(self, name: str, *, heading: str | None = None, exact: bool = True) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("link", name=name, exact=exact).first.click()
        self.check(heading=heading)

    def submit(self, name: str, *, heading: str | None = None) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=name, exact=True).click()
        self.check(heading=heading)

    def press(self, key: str, *, heading: str | None = None) -> None:
        """Press `key` on what has the keyboard focus (a link or button) and check the page it opens."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.check(heading=heading)


# ------------------------------------------------------------------------- staff, through the services


def _as_staff(live_server, work):
    """Run `work(staff_user)` in an app context on the live server's database, as the seeded staff member."""
    from pb.models import User

    app = make_app(live_server.database_url)
    try:
        with app.test_request_context():
            staff = db.session.scalars(select(User).where(User.email == STAFF_EMAIL)).one()
            return work(staff)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def open_round_for_voting(live_server, title: str) -> int:
    """A round open for voting with three shortlisted projects, taking online ballots from verified
    residents only (the default), listing the projects by title so the ballot's order is known."""
    def work(_staff):
        round_ = factories.make_round(phase=Phase.VOTING_OPEN, title=title, area_name=AREA, ballot_order="fixed")
        assert round_.verified_only, "a round takes online ballots from verified residents unless staff say otherwise"
        for project, cost in PROJECTS:
            factories.make_proposal(round_, title=project, cost_pence=cost, summary=f"{project}: the summary.")
        return round_.id

    return _as_staff(live_server, work)


def verify_after_phone_call(live_server, email: str) -> None:
    from pb.models import User
    from pb.services import verification

    def work(staff):
        resident = db.session.scalars(select(User).where(User.email == email)).one()
        assert resident.verification == "self-declared", resident.verification
        verification.verify_by_staff(staff, resident.id, "phone", "Phoned the number she gave; she confirmed her address.")

    _as_staff(live_server, work)


def close_count_and_publish(live_server, round_id: int) -> None:
    from pb.models import Round
    from pb.services import counting, rounds

    def work(staff):
        rounds.move_phase(round_id, staff, Phase.VOTING_CLOSED.value, Phase.VOTING_OPEN.value)
        result = counting.count_round(db.session.get(Round, round_id), staff)
        assert result.ballot_count == 1, result.ballot_count
        rounds.move_phase(round_id, staff, Phase.RESULTS_PUBLISHED.value, Phase.VOTING_CLOSED.value)

    _as_staff(live_server, work)


# ------------------------------------------------------------------------- the resident's journey


def register(you: Resident, name: str, email: str) -> None:
    """From the home page, in the language: about you, where you live, how you take part, check your answers."""
    t, page = you.t, you.page
    you.visit(f"/?lang={you.code}", heading=t("Decide how community money is spent"))
    you.follow(t("Register"), heading=t("About you"))
    expect(page.locator(".caption")).to_have_text(t("Register to take part: step %(step)s of %(steps)s", step=1, steps=4))
    page.get_by_label(t("Full name")).fill(name)
    page.get_by_label(t("Day"), exact=True).fill("15")
    page.get_by_label(t("Month"), exact=True).fill("6")
    page.get_by_label(t("Year"), exact=True).fill("1950")
    you.submit(t("Continue"), heading=t("Where do you live?"))

    page.get_by_label(t("Postcode")).fill("E8 1AB")
    page.get_by_label(t("No, not now")).check()
    you.submit(t("Continue"), heading=t("How do you want to take part?"))

    email_box = page.get_by_label(t("Email address"), exact=True)
    expect(email_box).to_be_hidden()  # shown only under "Online", by the style sheet
    page.get_by_label(t("Online, with my email address and a password")).check()
    expect(email_box).to_be_visible()
    you.auditor.run_axe(page, f"the registration's how page in {you.code!r}, with the email box shown")
    email_box.fill(email)
    you.submit(t("Continue"), heading=t("Check your answers"))

    answers = page.locator(".summary-list")
    for label, value in ((t("Full name"), name), (t("Postcode"), "E8 1AB"), (t("Email address"), email),
                         (t("How you will vote"), t("Online, with your email address and a password"))):
        row = answers.locator(".summary-row", has=page.locator("dt", has_text=label))
        expect(row.locator("dd").first).to_have_text(value)
    page.get_by_label(t("Create a password")).fill(PASSWORD)
    page.get_by_label(t("Type your password again")).fill(PASSWORD)
    you.submit(t("Register"), heading=t("You are registered"))
    expect(page.locator("p.lead")).to_have_text(t("Thank you, %(name)s. You can take part.", name=name))
    # Signed in: the header offers the account and signing out, in the language.
    expect(page.get_by_role("link", name=t("Your account"), exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=t("Sign out"), exact=True)).to_be_visible()


def check_ballot_names(you: Resident, n: int) -> None:
    """What a screen reader announces: each project's button is named by its title and the choice, in the language."""
    t = you.t
    names = you.page.evaluate(
        """() => [...document.querySelectorAll('.ballot-card input[type=radio]')].map(el =>
             [el.closest('.ballot-card').querySelector('.card-title').textContent.trim(), el.getAttribute('aria-label')])"""
    )
    assert len(names) == len(PROJECTS) - (n - 1), names  # the projects already chosen have no button
    for title, name in names:
        assert name == t("%(title)s: %(choice)s", same_ok=True, title=title, choice=t(CHOICE[n])), (title, name)
    if n > 1:
        expect(you.page.get_by_role("radio", name=t("No %(choice)s – I have finished choosing", choice=t(CHOICE[n])),
                                    exact=True)).to_have_count(1)


def vote_with_keyboard(you: Resident, round_title: str) -> str:
    """From the round's page: the ballot one choice per page, the check page and casting, with Tab, the
    arrow keys, Enter and Space only. Returns the receipt code."""
    t, page = you.t, you.page
    tab_to(page, text=t("Vote now"))
    you.press("Enter", heading=t("Choose %(choice)s", choice=t(YOUR_CHOICE[1])))
    expect(page.locator(".caption")).to_contain_text(t("choice %(step)s of %(total)s", step=1, total=3))
    you.auditor.check_reflow(page)
    you.auditor.check_focus_visible(page)

    # Continue without choosing: the error, in the language, says what to do.
    tab_to(page, text=t("Continue"))
    you.press("Enter", heading=t("Choose %(choice)s", choice=t(YOUR_CHOICE[1])))
    expect(page).to_have_title(re.compile("^" + re.escape(t("Error: %(title)s", title=t(YOUR_CHOICE_START[1])) + " – " + round_title)))
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#rank1-error")).to_contain_text(t("Choose %(choice)s: pick one of the projects.", choice=t(YOUR_CHOICE[1])))

    for n, title in enumerate(RANKING, start=1):
        check_ballot_names(you, n)
        tab_to(page, selector=f"input[name=rank{n}]")
        pick_with_arrow_keys(page, title)
        expect(page.get_by_role("radio", name=t("%(title)s: %(choice)s", same_ok=True, title=title, choice=t(CHOICE[n])),
                                exact=True)).to_be_checked()
        tab_to(page, text=t("Check my choices") if n == len(RANKING) else t("Continue"))
        if n < len(RANKING):
            you.press("Enter", heading=t("Choose %(choice)s", choice=t(YOUR_CHOICE[n + 1])))
            # The choices so far, and the project just chosen marked as such.
            so_far = page.locator(".choices-so-far")
            expect(so_far.locator("h2")).to_have_text(t("Your choices so far"))
            expect(so_far.locator("dt").nth(n - 1)).to_have_text(t(YOUR_CHOICE_START[n]))
            expect(so_far.locator(".summary-row dd:not(.summary-action)").nth(n - 1)).to_contain_text(title)
            card = page.locator(".ballot-card", has=page.locator(".card-title", has_text=title))
            expect(card.locator(".tag-chosen")).to_have_text(t("Already %(choice)s", choice=t(YOUR_CHOICE[n])))
            # The auditor runs axe once per page and heading with its numbers taken out, and a heading
            # such as Turkish "2. tercihiniz…" then matches the 1st choice's: axe each choice's page here.
            you.auditor.run_axe(page, f"the ballot's choice {n + 1} in {you.code!r}")
        else:
            you.press("Enter", heading=t("Check your choices"))

    rows = page.locator(".summary-list .summary-row")
    expect(rows).to_have_count(len(RANKING))
    for n, title in enumerate(RANKING, start=1):
        expect(rows.nth(n - 1).locator("dt")).to_have_text(t(YOUR_CHOICE_START[n]))
        expect(rows.nth(n - 1).locator("dd").first).to_contain_text(title)
    expect(page.locator(".warning-text")).to_have_text(t("Once you cast your vote you cannot change it."))
    you.auditor.check_reflow(page)
    tab_to(page, text=t("Cast my vote"))
    you.press("Space", heading=t("Your vote has been cast"))
    expect(page.locator("main h2").first).to_have_text(t("Your receipt code"))
    receipt = page.locator(".receipt-code").inner_text().strip()
    assert re.fullmatch(SHORT_RECEIPT, receipt), receipt
    you.auditor.check_reflow(page)
    you.auditor.check_print(page)
    return receipt


def check_receipt(you: Resident, round_path: str, round_title: str, receipt: str) -> None:
    """Once the results are published: the round's page, its results, the receipt checker."""
    t, page = you.t, you.page
    you.visit(round_path, heading=round_title)
    expect(page.locator("main")).to_contain_text(t("Results published"))
    you.follow(t("See the results"), heading=t("Results: %(title)s", title=round_title))
    you.auditor.check_reflow(page)
    # Typed as someone copying it off paper might: small letters and spaces.
    page.get_by_label(t("Your receipt code")).fill(receipt.lower().replace("-", " "))
    you.submit(t("Check my receipt"), heading=t("Counted"))
    assert receipt not in page.url and receipt.lower().replace("-", "") not in page.url
    expect(page.locator("p.lead")).to_have_text(t("The ballot with this receipt code was counted in %(title)s.", title=round_title))
    expect(page.locator(".receipt-code")).to_have_text(receipt)
    expect(page.locator("main h2")).to_have_text(t("The choices on this ballot"))
    expect(page.locator("main ol.list li")).to_have_text(
        [t("%(choice)s: %(title)s", same_ok=True, choice=t(CHOICE[n]), title=title) for n, title in enumerate(RANKING, start=1)])
    you.auditor.check_reflow(page)

    # A code typed wrong is not found, and the page says so in the language.
    you.follow(t("Check another receipt code"), heading=t("Check your vote was counted"))
    wrong = "ABCD-EFGH-JKM" if receipt != "ABCD-EFGH-JKM" else "ABCD-EFGH-JKN"
    page.get_by_label(t("Your receipt code")).fill(wrong)
    you.submit(t("Check my receipt"), heading=t("Receipt code not found"))
    expect(page.locator("p.lead")).to_have_text(
        t("No counted ballot in %(title)s has the receipt code %(code)s.", title=round_title, code=wrong))


@pytest.mark.parametrize("code", ["tr", "yi"])
def test_register_vote_with_the_keyboard_and_check_the_receipt(new_context, auditor, live_server, code):
    t = Words(code)
    round_title = f"Community Fund {code} {secrets.token_hex(3)}"
    round_id = open_round_for_voting(live_server, round_title)
    round_path = f"/rounds/{round_id}"
    email = f"resident-{code}-{secrets.token_hex(3)}@example.net"
    # The browser asks for English: every page in the language is there because the resident chose it.
    you = Resident(new_context(locale="en-GB").new_page(), auditor, code, t)

    register(you, NAMES[code], email)

    # To the round, by the way the registration page offers.
    you.follow(t("See the funding rounds"), heading=t("Decide how community money is spent"))
    you.follow(round_title, heading=round_title)
    expect(you.page.locator("main")).to_contain_text(t("Voting open"))
    expect(you.page.get_by_role("heading", name=t("What you can do now"), exact=True)).to_be_visible()

    # The round counts online votes only from verified residents: a self-declared one is told how to
    # get checked, and nothing is saved. Keyboard only from here to the receipt.
    tab_to(you.page, text=t("Vote now"))
    you.press("Enter", heading=t("Before you can vote we need to check you live in %(area)s.", area=AREA))
    expect(you.page.get_by_role("heading", name=t("Ways to get checked"), exact=True)).to_be_visible()
    expect(you.page.locator("input[type=radio]")).to_have_count(0)

    # She phones; a member of staff checks her details and records it. She goes back and votes.
    verify_after_phone_call(live_server, email)
    tab_to(you.page, text=t("Go back to %(title)s", title=round_title))
    you.press("Enter", heading=round_title)
    receipt = vote_with_keyboard(you, round_title)

    # Back on the round's page: voted, no second ballot.
    you.visit(round_path, heading=round_title)
    expect(you.page.locator(".panel-success p.lead")).to_have_text(t("You have voted in this round."))
    expect(you.page.get_by_role("link", name=t("Vote now"), exact=True)).to_have_count(0)
    # Her account says she is checked, and that she voted.
    you.follow(t("Your account"), heading=t("Your account"))
    expect(you.page.locator("#confirm-address + .panel .tag")).to_have_text(
        t("Yes: %(way)s", way=t("Checked by staff").lower()))
    card = you.page.locator(".card", has=you.page.get_by_role("link", name=round_title, exact=True))
    expect(card).to_contain_text(t("You have voted in this round. Thank you."))

    close_count_and_publish(live_server, round_id)
    check_receipt(you, round_path, round_title, receipt)
