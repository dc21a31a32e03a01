"""The whole pb process, end to end in Chromium, through the pages only.

The journeys share one server and build on each other, so one test runs them in this order:

1. staff create a round and open it for ideas; a resident registers and sends in an idea;
   staff add two more ideas, shortlist all three and open voting;
2. a resident who registered online meets "we need to check you live in Hackney" instead of a
   ballot, asks for a letter, staff print it, the resident types its code and is verified; then
   ranks three projects with the keyboard only, casts, gets a receipt, and is refused a second ballot;
5. the same without JavaScript, for another resident whom staff verify after a phone call (it
   needs voting open, so it runs here);
3. staff register a resident in person and issue a voting code, which is used to vote in a
   fresh browser; staff key a paper ballot for another resident;
4. staff close voting, preview the count and publish; the public results page shows the
   funded projects, the receipt checker finds journey 2's receipt, and the ballots CSV
   downloads with that receipt in it.

Every page reached goes through the auditor (axe, structure, labels, text and target sizes,
and, once per distinct page, 200% and 400% zoom); the ballot and results pages also have every
Tab stop checked, and the printable pages are printed to PDF. Nothing is written to the database
directly except the two staff accounts the server starts with.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import ui
from tests.browser.ui import SHORT_RECEIPT, pick_with_arrow_keys, tab_to

pytestmark = pytest.mark.xdist_group("browser")

RESIDENT_PASSWORD = "sunny allotment teapot 42"

# The three shortlisted projects, in the order they were sent in (and appear on the ballot).
PROJECTS = [
    ("Friday lunch club in Clapton", "A hot lunch and company every Friday.", "£5,000", None),
    ("Walking group for Hackney Marshes", "Weekly guided walks at an easy pace.", "4000", None),
    ("Digital help drop-in", "Help with phones, tablets and online forms.", "£3,000.00", None),
]
LUNCH, WALKS, DIGITAL = (p[0] for p in PROJECTS)
BUDGET = "£10,000"


@dataclass
class Journey:
    """What the journeys hand on to each other."""

    title: str = field(default_factory=lambda: f"Journeys {secrets.token_hex(3)}")
    round_path: str = ""        # /rounds/<id> (public page)
    staff_round_path: str = ""  # /staff/rounds/<id>
    receipt: str = ""           # journey 2's receipt code
    paper_receipt: str = ""     # the code on the slip handed to journey 3's paper voter
    votes: list[list[str]] = field(default_factory=list)  # every ballot cast, as project titles


# ------------------------------------------------------------------------- helpers


def staff_page(new_context, auditor, accounts) -> Page:
    page = new_context().new_page()
    ui.sign_in(page, auditor, accounts.staff_email, accounts.password)
    return page


def open_staff_round(page: Page, auditor, journey: Journey) -> None:
    """From anywhere in the console: the staff round page, by its link on the dashboard."""
    auditor.visit(page, "/staff/")
    ui.follow(page, auditor, journey.title, exact=True)
    assert ui.h1(page) == journey.title


def move_phase(page: Page, auditor, journey: Journey, label: str) -> None:
    """Move the round on through its confirmation page."""
    open_staff_round(page, auditor, journey)
    ui.follow(page, auditor, f"Move to “{label}”")
    expect(page.locator("h1")).to_have_text(f"Move “{journey.title}” to “{label}”?")
    expect(page.locator("main")).to_contain_text("This cannot be undone")
    ui.submit(page, auditor, f"Yes, move to “{label}”")
    expect(page.locator(".flash-success")).to_contain_text(f"is now in the phase “{label}”")


def register_resident(page: Page, auditor, name: str, email: str, *, mistakes: bool = False,
                      postcode: str = "E8 1AB", outcome: str = "You are registered",
                      letter_to: str | None = None, shots: bool = False) -> None:
    """Register online through the registration pages (aged 76): about you, where you live, how you
    take part, check your answers; the auditor checks each page. With `shots`, each page is saved as
    registration-1-about-you.png … registration-4-check.png. A postcode outside the area ends on the
    page that says why (`outcome`), with no account."""
    auditor.visit(page, "/")
    ui.follow(page, auditor, "Register", exact=True)
    expect(page.locator("h1")).to_have_text("About you")
    expect(page.get_by_label("Postcode")).to_have_count(0)  # one thing per page
    if mistakes:
        page.locator("#dob_day").fill("31")
        page.locator("#dob_month").fill("2")
        ui.submit(page, auditor, "Continue")
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(page).to_have_title(re.compile(r"^Error: "))
        summary.locator("a").first.click()
        expect(page.get_by_label("Full name")).to_be_focused()
    page.get_by_label("Full name").fill(name)
    page.locator("#dob_day").fill("15")
    page.locator("#dob_month").fill("6")
    page.locator("#dob_year").fill("1950")
    if shots:
        auditor.screenshot(page, "registration-1-about-you")
    ui.submit(page, auditor, "Continue")

    expect(page.locator("h1")).to_have_text("Where do you live?")
    page.get_by_label("Postcode").fill(postcode)
    address = page.get_by_label("House or flat number and street")
    expect(address).to_be_hidden()  # shown only under "Yes" (by the style sheet: no JavaScript needed)
    if letter_to:
        page.get_by_label("Yes, post me a letter with a code").check()
        expect(address).to_be_visible()
        address.fill(letter_to)
    else:
        page.get_by_label("No, not now").check()
    if shots:
        auditor.screenshot(page, "registration-2-where-you-live")
    ui.submit(page, auditor, "Continue")
    if outcome != "You are registered" and page.locator("h1").inner_text().strip() == outcome:
        return  # told why they cannot take part: nothing was saved

    expect(page.locator("h1")).to_have_text("How do you want to take part?")
    email_box, phone_box = page.get_by_label("Email address", exact=True), page.get_by_label("Phone number")
    expect(email_box).to_be_hidden()
    expect(phone_box).to_be_hidden()
    if mistakes:
        # A voting code from staff needs a phone number, and shows no email address or password.
        page.get_by_label("With a voting code from staff (no email address or password needed)").check()
        expect(phone_box).to_be_visible()
        expect(email_box).to_be_hidden()
    page.get_by_label("Online, with my email address and a password").check()
    expect(email_box).to_be_visible()
    expect(phone_box).to_be_hidden()
    if id(page.context) not in auditor.no_js_contexts:
        auditor.run_axe(page, "the registration's how page, with the email box shown")
    email_box.fill(email)
    if shots:
        auditor.screenshot(page, "registration-3-how")
    ui.submit(page, auditor, "Continue")

    expect(page.locator("h1")).to_have_text("Check your answers")
    answers = page.locator(".summary-list")
    expect(answers).to_contain_text(name)
    expect(answers).to_contain_text(email)
    if mistakes:
        # Change an answer: its page, then straight back to the check page.
        ui.follow(page, auditor, re.compile(r"^Change\s+postcode$"))
        expect(page.get_by_label("Postcode")).to_have_value(postcode)
        ui.submit(page, auditor, "Continue")
        expect(page.locator("h1")).to_have_text("Check your answers")
    page.get_by_label("Create a password").fill(RESIDENT_PASSWORD)
    page.get_by_label("Type your password again").fill(RESIDENT_PASSWORD)
    if shots:
        auditor.screenshot(page, "registration-4-check")
    ui.submit(page, auditor, "Register")
    expect(page.locator("h1")).to_have_text(outcome)


def check_choice_names(page: Page, n: int) -> None:
    """What a screen reader announces: every radio button is named by its project's title and the choice."""
    names = page.evaluate(
        """() => [...document.querySelectorAll('.ballot-card input[type=radio]')].map(el => {
             const card = el.closest('.ballot-card');
             const label = document.querySelector(`label[for="${el.id}"]`);
             const title = card.querySelector('.card-title').textContent.trim();
             // The visible label is the title; the name read out adds which choice it is.
             return [title, label.textContent.trim() === title ? el.getAttribute('aria-label') : 'label: ' + label.textContent];
           })"""
    )
    assert names, "no choice buttons on the ballot"
    word = ORDINALS[n]
    for title, name in names:
        assert name == f"{title}: {word} choice", (title, name)
        expect(page.get_by_role("radio", name=f"{title}: {word} choice", exact=True)).to_have_count(1)


ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def vote_with_keyboard(page: Page, auditor, titles: list[str], *, shots: bool = False) -> str:
    """From the round's public page: open the ballot, choose one project per page, review and cast, keyboard only."""
    tab_to(page, text="Vote now")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    auditor.check(page)
    expect(page.locator("h1")).to_have_text("Choose your 1st choice")
    auditor.check_reflow(page)
    filter_box = page.locator(".category-filter")
    if filter_box.count():
        # ballot.js offers a filter by subject; without JavaScript every project stays listed.
        if id(page.context) in auditor.no_js_contexts:
            expect(filter_box).to_be_hidden()
        else:
            expect(filter_box).to_be_visible()
    if shots:
        auditor.screenshot(page, "ballot")
        auditor.check_focus_visible(page)
    # Continue without choosing: the error says what to do, and the ballot is still there.
    tab_to(page, text="Continue")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    auditor.check(page)
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("fieldset[aria-describedby='rank1-error']")).to_be_visible()
    for n, title in enumerate(titles, start=1):
        check_choice_names(page, n)
        tab_to(page, selector=f"input[name=rank{n}]")
        pick_with_arrow_keys(page, title)
        tab_to(page, text="Check my choices" if n == 3 else "Continue")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        auditor.check(page)
        if n < 3:
            expect(page.locator("h1")).to_have_text(f"Choose your {ORDINALS[n + 1]} choice")
            # The running summary of the choices so far.
            expect(page.locator(".choices-so-far dd").nth(2 * (n - 1))).to_contain_text(title)
            if shots and n == 1:
                auditor.screenshot(page, "ballot-2nd-choice")
    expect(page.locator("h1")).to_have_text("Check your choices")
    rows = page.locator(".summary-list dt + dd")
    for n, title in enumerate(titles):
        expect(rows.nth(n)).to_contain_text(title)
    auditor.check_reflow(page)
    if shots:
        auditor.screenshot(page, "review")
    tab_to(page, text="Cast my vote")
    with page.expect_navigation():
        page.keyboard.press("Space")
    auditor.check(page)
    expect(page.locator("h1")).to_have_text("Your vote has been cast")
    receipt = page.locator(".receipt-code").inner_text().strip()
    assert re.fullmatch(SHORT_RECEIPT, receipt), receipt
    auditor.check_reflow(page)
    auditor.check_print(page, "receipt" if shots else None)
    if shots:
        auditor.screenshot(page, "receipt")
    return receipt


def go_to_round(page: Page, auditor, journey: Journey) -> None:
    auditor.visit(page, "/")
    ui.follow(page, auditor, journey.title, exact=True)
    expect(page.locator("h1")).to_have_text(journey.title)


def resident_votes(page: Page, auditor, journey: Journey, name: str, email: str, titles: list[str],
                   *, get_verified, letter_to: str | None = None, shots: bool = False) -> str:
    """Journey 2 (and 5): register, be asked to get verified first, get verified, vote with the keyboard,
    get a receipt, be refused a second ballot."""
    register_resident(page, auditor, name, email, letter_to=letter_to, shots=shots)
    go_to_round(page, auditor, journey)
    ui.follow(page, auditor, "Vote now")
    expect(page.locator("h1")).to_have_text("Before you can vote we need to check you live in Hackney.")
    expect(page.locator("select")).to_have_count(0)
    get_verified(page)
    go_to_round(page, auditor, journey)
    receipt = vote_with_keyboard(page, auditor, titles, shots=shots)
    journey.votes.append(titles)

    # The round page now says they voted, with no way to a second ballot; the ballot's own
    # address, typed in, is refused.
    go_to_round(page, auditor, journey)
    expect(page.locator("main")).to_contain_text("You have voted in this round.")
    expect(page.get_by_role("link", name="Vote now")).to_have_count(0)
    expect(page.get_by_role("link", name="check your vote was counted")).to_have_count(1)
    if shots:
        auditor.screenshot(page, "round-after-voting")
    auditor.visit(page, journey.round_path + "/vote")
    expect(page.locator("h1")).to_have_text("You have already voted")
    expect(page.locator("select")).to_have_count(0)
    ui.follow(page, auditor, "Your account", exact=True)
    expect(page.locator("main")).to_contain_text(journey.title)
    if shots:
        auditor.screenshot(page, "account")
    return receipt


# ------------------------------------------------------------------------- the journeys


def journey_1_staff_open_a_round_residents_propose_staff_shortlist(new_context, auditor, accounts, journey):
    staff = staff_page(new_context, auditor, accounts)

    # Create the round.
    ui.follow(staff, auditor, "Create a new round")
    ui.submit(staff, auditor, "Create the round")  # nothing typed: every problem is listed
    expect(staff.locator(".error-summary")).to_be_visible()
    staff.get_by_label("Title", exact=True).fill(journey.title)
    staff.get_by_label("Description").fill("Money for projects for people aged 50 and over.\n\nVote for your favourites.")
    staff.get_by_label("Area name").fill("Hackney")
    staff.get_by_label("Budget in pounds").fill(BUDGET)
    staff.get_by_label("Accepted postcodes").fill("E5\nE8\nN16")
    ui.submit(staff, auditor, "Create the round")
    expect(staff.locator(".flash-success")).to_contain_text("was created as a draft")
    journey.staff_round_path = re.sub(r"^https?://[^/]+", "", staff.url)
    assert re.fullmatch(r"/staff/rounds/\d+", journey.staff_round_path)
    journey.round_path = journey.staff_round_path.removeprefix("/staff")

    # Planned dates are added later, through the round's edit page.
    ui.follow(staff, auditor, "Change the round's details")
    staff.locator("#results_on_day").fill("1")
    staff.locator("#results_on_month").fill("12")
    staff.locator("#results_on_year").fill("2030")
    ui.submit(staff, auditor, "Save changes")
    expect(staff.locator(".flash-success")).to_contain_text("Your changes")

    move_phase(staff, auditor, journey, "Open for project ideas")

    # A resident registers and sends in an idea, checking it (and changing it once) first.
    resident = new_context().new_page()
    register_resident(resident, auditor, "Margaret Okafor", "margaret@example.net", mistakes=True)
    go_to_round(resident, auditor, journey)
    ui.follow(resident, auditor, "Send in an idea")
    expect(resident.locator("h1")).to_have_text("Send in an idea for a project")
    ui.submit(resident, auditor, "Continue")
    expect(resident.locator(".error-summary")).to_be_visible()
    title, summary, amount, _ = PROJECTS[0]
    resident.get_by_label("Title", exact=True).fill("Lunch club")
    resident.get_by_label("Summary in one line").fill(summary)
    resident.get_by_label("Describe your idea").fill("A hot two-course lunch at the community hall.\n\nTransport for those who need it.")
    resident.get_by_label("How much money is needed, in pounds").fill(amount)
    resident.get_by_label("Category").select_option(index=1)
    resident.get_by_label("Who would run it").fill("Clapton Friends")
    ui.submit(resident, auditor, "Continue")
    expect(resident.locator("h1")).to_have_text("Check your idea before sending it")
    expect(resident.locator(".summary-list")).to_contain_text("£5,000")
    ui.submit(resident, auditor, re.compile(r"^Change\s+title$"))
    expect(resident.get_by_label("Title", exact=True)).to_have_value("Lunch club")
    resident.get_by_label("Title", exact=True).fill(title)
    ui.submit(resident, auditor, "Continue")
    expect(resident.locator(".summary-list")).to_contain_text(title)
    ui.submit(resident, auditor, "Send your idea")
    expect(resident.locator("h1")).to_have_text("Your idea has been sent")
    ui.follow(resident, auditor, "your ideas")
    expect(resident.locator("main")).to_contain_text(title)
    # The resident improves the summary before the round closes, through the same check step.
    ui.follow(resident, auditor, "Change this idea")
    expect(resident.locator("h1")).to_have_text("Change your idea")
    resident.get_by_label("Summary in one line").fill(summary + " Transport included.")
    ui.submit(resident, auditor, "Continue")
    expect(resident.locator("h1")).to_have_text("Check your changes before saving them")
    ui.submit(resident, auditor, "Save changes")
    expect(resident.locator(".flash-success")).to_contain_text("Your idea has been saved")

    # Staff add two ideas sent in on paper, then shortlist all three.
    open_staff_round(staff, auditor, journey)
    ui.follow(staff, auditor, "Review project ideas")
    for title, summary, amount, _ in PROJECTS[1:]:
        ui.follow(staff, auditor, "Add an idea for a resident or group")
        staff.get_by_label("Title", exact=True).fill(title)
        staff.get_by_label("Summary in one line").fill(summary)
        staff.get_by_label("Describe your idea").fill(f"{summary}\n\nRun by volunteers.")
        staff.get_by_label("How much money is needed, in pounds").fill(amount)
        staff.get_by_label("Category").select_option(index=1)
        staff.get_by_label("Who would run it").fill("Hackney Volunteers")
        staff.get_by_label("Phone number or email address").fill("020 7000 0000")
        ui.submit(staff, auditor, "Add this idea")
        expect(staff.locator(".flash-success")).to_contain_text("has been added")
        ui.submit(staff, auditor, "Shortlist this idea")
        ui.follow(staff, auditor, "Back to the review queue")
    ui.follow(staff, auditor, LUNCH, exact=True)
    ui.submit(staff, auditor, "Shortlist this idea")
    ui.follow(staff, auditor, "Back to the review queue")
    expect(staff.locator("main")).to_contain_text("Shortlisted: 3 projects asking for £12,000")

    move_phase(staff, auditor, journey, "Ideas being reviewed")
    move_phase(staff, auditor, journey, "Voting open")
    # While voting is open nobody, staff included, sees a count (the console offers no link to it).
    auditor.visit(staff, f"{journey.staff_round_path}/count", expect_status=403)
    expect(staff.locator("h1")).to_have_text("The count is not available yet")

    # The public sees the round open for voting, with the three projects.
    visitor = new_context().new_page()
    go_to_round(visitor, auditor, journey)
    expect(visitor.locator("main")).to_contain_text("Voting open")
    ui.follow(visitor, auditor, "Read the project ideas")
    for title in (LUNCH, WALKS, DIGITAL):
        expect(visitor.locator("main")).to_contain_text(title)
    ui.follow(visitor, auditor, f"{WALKS}", exact=True)
    auditor.check_print(visitor, "proposal")


def journey_2_keyboard_only_vote_with_receipt(new_context, auditor, accounts, journey):
    page = new_context().new_page()

    def by_letter(resident: Page) -> None:
        # The letter is on its way; staff print it from the queue and mark it sent.
        expect(resident.locator("main")).to_contain_text("We will post a letter to Flat 2, 14 Mare Street, E8 1AB")
        staff = staff_page(new_context, auditor, accounts)
        ui.follow(staff, auditor, "Letters", exact=True)
        expect(staff.locator("main")).to_contain_text("Winston Baptiste")
        ui.submit(staff, auditor, "Print these letters")
        expect(staff.locator("h1")).to_have_text("1 letter ready to print")
        code = staff.locator(".letter-code").inner_text().strip()
        assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
        auditor.check_print(staff, "verification-letter")
        auditor.screenshot(staff, "letter")
        staff.emulate_media(media="print")
        printed_code_px = staff.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector('.letter-code')).fontSize)")
        staff.emulate_media(media="screen")
        assert printed_code_px >= 32 * 4 / 3 - 0.1, f"the letter's code prints at {printed_code_px}px, not 32pt"
        ui.submit(staff, auditor, "Mark this letter as sent")
        expect(staff.locator(".flash-success")).to_contain_text("1 letter marked as sent")
        # What staff did so far, as the audit log tells it.
        auditor.visit(staff, "/staff/audit")
        auditor.screenshot(staff, "audit-log")
        # The resident types the code on their account page: a slip first, then as printed, in small letters.
        ui.follow(resident, auditor, "Your account", exact=True)
        resident.get_by_label("Code from your letter").fill("AAAA-AAAA-AAAA")
        ui.submit(resident, auditor, "Confirm my address")
        expect(resident.locator(".error-summary")).to_be_visible()
        resident.get_by_label("Code from your letter").fill(code.lower().replace("-", " "))
        ui.submit(resident, auditor, "Confirm my address")
        expect(resident.locator("h1")).to_have_text("Thank you, your address is confirmed")

    journey.receipt = resident_votes(page, auditor, journey, "Winston Baptiste", "winston@example.net",
                                     [LUNCH, WALKS, DIGITAL], get_verified=by_letter,
                                     letter_to="Flat 2, 14 Mare Street", shots=True)
    # Residents cannot open the staff console.
    auditor.visit(page, "/staff/", expect_status=403)


def journey_5_vote_without_javascript(new_context, auditor, accounts, journey):
    context = new_context(java_script_enabled=False)
    auditor.mark_no_js(context)
    page = context.new_page()

    def by_phone(resident: Page) -> None:
        # Edna calls; a member of staff checks her details on the phone and records it.
        staff = staff_page(new_context, auditor, accounts)
        ui.follow(staff, auditor, "Residents", exact=True)
        staff.get_by_label("Search by name or postcode").fill("Kowalski")
        ui.submit(staff, auditor, "Search")
        ui.follow(staff, auditor, "Edna Kowalski", exact=True)
        ui.submit(staff, auditor, "Verify Edna Kowalski")  # nothing chosen: both problems are listed
        expect(staff.locator(".error-summary")).to_be_visible()
        staff.get_by_label("I checked their details on a phone call").check()
        staff.get_by_label("What did you check?").fill("Phoned the number she gave; she confirmed her address.")
        ui.submit(staff, auditor, "Verify Edna Kowalski")
        expect(staff.locator(".flash-success")).to_contain_text("Edna Kowalski is now verified")
        ui.follow(resident, auditor, "Your account", exact=True)
        expect(resident.locator("main")).to_contain_text("Yes: checked by staff")

    resident_votes(page, auditor, journey, "Edna Kowalski", "edna@example.net", [LUNCH, DIGITAL, WALKS],
                   get_verified=by_phone)


def journey_3_in_person_registration_voting_code_and_paper_ballot(new_context, auditor, accounts, journey):
    # Someone from outside the area is told why they cannot take part: no account is made. He asks
    # to hear about future rounds, which keeps only his name and email address.
    outsider = new_context().new_page()
    register_resident(outsider, auditor, "Peter Outside", "peter@example.net", postcode="SW1A 1AA",
                      outcome="You cannot take part at the moment")
    expect(outsider.locator("main")).to_contain_text("Your postcode SW1A 1AA is not in Hackney")
    expect(outsider.locator("main")).to_contain_text("We have not registered you, and we have not saved your details.")
    ui.follow(outsider, auditor, "Tell me about future rounds")
    expect(outsider.get_by_label("Full name")).to_have_value("Peter Outside")
    outsider.get_by_label("By email").check()
    outsider.get_by_label("Email address").fill("peter@example.net")
    ui.submit(outsider, auditor, "Tell me about future rounds")
    expect(outsider.locator("h1")).to_have_text("We will tell you about future rounds")
    expect(outsider.get_by_role("link", name="Your account")).to_have_count(0)

    staff = staff_page(new_context, auditor, accounts)

    def register_in_person(name: str, phone: str) -> None:
        auditor.visit(staff, "/staff/")
        ui.follow(staff, auditor, "Residents", exact=True)
        ui.follow(staff, auditor, "Register a resident in person")
        staff.get_by_label("Full name").fill(name)
        staff.locator("#dob_day").fill("2")
        staff.locator("#dob_month").fill("11")
        staff.locator("#dob_year").fill("1941")
        staff.get_by_label("Postcode").fill("N16 0AA")
        staff.get_by_label("Phone number (optional)").fill(phone)
        ui.submit(staff, auditor, "Register resident")
        expect(staff.locator(".flash-success")).to_contain_text(f"{name} is registered")
        expect(staff.locator("h1")).to_contain_text(name)

    # Registered at an event, then given a voting code letter.
    # Staff see who asked to hear about future rounds, and delete him once told.
    auditor.visit(staff, "/staff/")
    ui.follow(staff, auditor, "Residents", exact=True)
    ui.follow(staff, auditor, re.compile(r"^Asked to hear about future rounds"))
    expect(staff.locator("main")).to_contain_text("peter@example.net")
    ui.submit(staff, auditor, "Delete Peter Outside")
    expect(staff.locator(".flash-success")).to_contain_text("Their name and contact details have been deleted")

    register_in_person("Doris Achebe", "020 7000 1111")
    ui.follow(staff, auditor, "Issue a voting code letter")
    staff.get_by_label("Funding round").select_option(label=f"{journey.title} (Voting open)")
    ui.submit(staff, auditor, "Issue code and show the letter")
    expect(staff.locator("h1")).to_have_text(f"Your voting code for {journey.title}")
    code = staff.locator(".letter-code").inner_text().strip()
    auditor.check_print(staff, "voting-code-letter")
    auditor.screenshot(staff, "voting-code-letter")
    staff.emulate_media(media="print")
    printed_code_px = staff.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.letter-code')).fontSize)")
    staff.emulate_media(media="screen")
    assert printed_code_px >= 32 * 4 / 3 - 0.1, f"the letter's code prints at {printed_code_px}px, not 32pt"
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code), code

    # Doris votes with the code on another computer, without signing in.
    voter = new_context().new_page()
    auditor.visit(voter, "/")
    ui.follow(voter, auditor, "Vote with a code", exact=True)
    voter.get_by_label("Your voting code").fill(code.lower().replace("-", ""))
    ui.submit(voter, auditor, "Continue")
    expect(voter.locator("h1")).to_have_text("Choose your 1st choice")
    voter.get_by_role("radio", name=f"{WALKS}: 1st choice", exact=True).check()
    ui.submit(voter, auditor, "Continue")
    voter.get_by_role("radio", name=f"{LUNCH}: 2nd choice", exact=True).check()
    ui.submit(voter, auditor, "Continue")
    # Two choices are enough for Doris: she says so on the 3rd choice's page.
    voter.get_by_role("radio", name="No 3rd choice – I have finished choosing").check()
    ui.submit(voter, auditor, "Check my choices")
    expect(voter.locator("h1")).to_have_text("Check your choices")
    ui.submit(voter, auditor, "Cast my vote")
    expect(voter.locator("h1")).to_have_text("Your vote has been cast")
    journey.votes.append([WALKS, LUNCH])
    # The code works once.
    ui.follow(voter, auditor, "Vote with a code", exact=True)
    voter.get_by_label("Your voting code").fill(code)
    ui.submit(voter, auditor, "Continue")
    expect(voter.locator(".error-summary")).to_be_visible()

    # Another resident hands in a paper ballot; staff key it.
    register_in_person("Albert Nwosu", "020 7000 2222")
    open_staff_round(staff, auditor, journey)
    ui.follow(staff, auditor, "Enter paper ballots")
    staff.get_by_label("Name", exact=True).fill("Nwosu")
    ui.submit(staff, auditor, "Search")
    ui.follow(staff, auditor, "Enter ballot for Albert Nwosu")
    staff.get_by_label("I have checked this person's identity").check()
    staff.get_by_label(re.compile(r"^1st choice")).select_option(label=f"{DIGITAL} (£3,000)")
    staff.get_by_label(re.compile(r"^2nd choice")).select_option(label=f"{LUNCH} (£5,000)")
    staff.get_by_label(re.compile(r"^3rd choice")).select_option(label=f"{WALKS} (£4,000)")
    ui.submit(staff, auditor, "Continue")
    expect(staff.locator("h1")).to_have_text("Check the paper ballot for Albert Nwosu")
    ui.submit(staff, auditor, "Store this ballot")
    expect(staff.locator("h1")).to_have_text("The paper ballot for Albert Nwosu is stored")
    expect(staff.locator(".receipt-code")).to_have_text(re.compile(f"^{SHORT_RECEIPT}$"))
    journey.paper_receipt = staff.locator(".receipt-code").inner_text().strip()
    auditor.check_print(staff, "paper-ballot-receipt")
    journey.votes.append([DIGITAL, LUNCH, WALKS])


def journey_4_close_count_publish_and_check(new_context, auditor, accounts, journey):
    staff = staff_page(new_context, auditor, accounts)
    move_phase(staff, auditor, journey, "Voting closed, counting")

    # Between closing and publishing, a bookmarked ballot or results page says what is happening.
    early = new_context().new_page()
    auditor.visit(early, f"{journey.round_path}/vote", expect_status=None)
    expect(early.locator("h1")).to_have_text("Voting has closed")
    auditor.visit(early, f"{journey.round_path}/results", expect_status=404)
    expect(early.locator("h1")).to_have_text("Results are not published yet")
    # The fingerprint of the ballots is public from the moment voting closed, before any count.
    auditor.visit(early, journey.round_path)
    closing_fingerprint = early.locator(".fingerprint").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", closing_fingerprint), closing_fingerprint

    # Preview the count (staff only), then publish through the confirmation page.
    open_staff_round(staff, auditor, journey)
    ui.follow(staff, auditor, "Count the votes")
    expect(staff.locator("main")).to_contain_text("4 ballots were cast (3 online, 1 on paper)")
    ui.submit(staff, auditor, "Count the votes")
    expect(staff.locator("h2.panel-title")).to_have_text("Preview: not public yet")
    funded_rows = staff.locator("tbody tr", has=staff.locator(".tag-funded"))
    expect(funded_rows).to_have_count(2)
    ui.follow(staff, auditor, "Publish the results")
    ui.submit(staff, auditor, "Yes, move to “Results published”")
    expect(staff.locator(".flash-success")).to_contain_text("Results published")

    # Points 3, 2, 1: lunch 10, walks 7, digital 6 (worked out below). Greedy funds lunch
    # (£5,000) and walks (£4,000); digital (£3,000) no longer fits in the £10,000.
    public = new_context().new_page()
    go_to_round(public, auditor, journey)
    ui.follow(public, auditor, "See the results")
    expect(public.locator("h1")).to_have_text(f"Results: {journey.title}")
    lead = public.locator("p.lead")
    expect(lead).to_contain_text("2 projects will get £9,000 of the £10,000")
    expect(lead).to_contain_text("4 people voted")
    funded = public.get_by_role("table", name="Funded projects, in the order they were funded")
    expect(funded.locator("tbody th")).to_have_text([LUNCH, WALKS])
    not_funded = public.get_by_role("table", name=re.compile(r"^Shortlisted projects that were not funded"))
    expect(not_funded.locator("tbody th")).to_have_text([DIGITAL])
    auditor.check_reflow(public)
    auditor.check_focus_visible(public)
    auditor.check_print(public, "results")
    auditor.screenshot(public, "results")

    # The receipt checker finds journey 2's ballot, with its choices, typed as someone copying it
    # off paper might (small letters, spaces); the code never appears in the address.
    public.get_by_label("Your receipt code").fill(journey.receipt.lower().replace("-", " "))
    ui.submit(public, auditor, "Check my receipt")
    expect(public.locator("h1")).to_have_text("Counted")
    assert journey.receipt not in public.url and journey.receipt.lower().replace("-", "") not in public.url
    choices = public.locator("main ol.list li")
    expect(choices).to_have_text([f"1st choice: {LUNCH}", f"2nd choice: {WALKS}", f"3rd choice: {DIGITAL}"])
    ui.follow(public, auditor, "Check another receipt code")
    # The paper voter's slip works the same way.
    public.get_by_label("Your receipt code").fill(journey.paper_receipt)
    ui.submit(public, auditor, "Check my receipt")
    expect(public.locator("h1")).to_have_text("Counted")
    expect(public.locator("main ol.list li")).to_have_text(
        [f"1st choice: {DIGITAL}", f"2nd choice: {LUNCH}", f"3rd choice: {WALKS}"])
    ui.follow(public, auditor, "Check another receipt code")
    public.get_by_label("Your receipt code").fill("ABCD-EFGH-JKM")
    ui.submit(public, auditor, "Check my receipt")
    expect(public.locator("h1")).to_have_text("Receipt code not found")

    # The open data page: how each voter was known, counts only (journey 2's letter, journey 5's phone
    # call, journey 3's code and paper), and each project's score and first choices, worked out from
    # the ballots the journeys cast.
    ui.follow(public, auditor, "Back to the results")
    ui.follow(public, auditor, "Open data and how to re-count the votes")
    expect(public.locator("h1")).to_have_text("Open data and how to re-count the votes")
    known = public.get_by_role("table", name="Ballots by how the voter was known (counts only, never names)")
    for label, n in (("Confirmed by a letter code", 1), ("Checked by staff", 1), ("Voting code from staff", 1),
                     ("Paper ballot keyed by staff", 1), ("Self-declared", 0)):
        expect(known.get_by_role("row", name=f"{label} {n}", exact=True)).to_have_count(1)
    assert len(journey.votes) == 4
    expected = {
        title: (sum((3, 2, 1)[vote.index(title)] for vote in journey.votes if title in vote),
                sum(1 for vote in journey.votes if vote[0] == title))
        for title in (LUNCH, WALKS, DIGITAL)
    }
    assert expected == {LUNCH: (10, 2), WALKS: (7, 1), DIGITAL: (6, 1)}
    scores = public.get_by_role("table", name="Scores and first choices for each project")
    for title, (score, firsts) in expected.items():
        row = scores.locator("tbody tr", has=public.get_by_role("rowheader", name=title, exact=True))
        expect(row.locator("td")).to_have_text([str(score), str(firsts), "Yes" if title != DIGITAL else "No"])
    # The counted ballots file has the fingerprint published when voting closed.
    expect(public.locator(".hash code")).to_have_text(closing_fingerprint)
    expect(public.locator("main")).to_contain_text("It is the same fingerprint that was published when voting closed")
    auditor.check_reflow(public)
    auditor.check_focus_visible(public)
    auditor.screenshot(public, "results-open-data")

    # The anonymised ballots download as CSV, one row per ballot, journey 2's among them.
    with public.expect_download() as download_info:
        public.get_by_role("link", name="Ballots (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-ballots.csv")
    assert hashlib.sha256(Path(download.path()).read_bytes()).hexdigest() == closing_fingerprint
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert len(rows) == 4
    mine = next(row for row in rows if row["receipt"] == journey.receipt)
    # Its commitment is recomputed from the row alone, as the open data page explains.
    ranking = ",".join(row for row in (mine["rank_1"], mine["rank_2"], mine["rank_3"]) if row)
    text = f"pb-ballot-v2|round={journey.round_path.rsplit('/', 1)[1]}|receipt={mine['receipt']}|ranking={ranking}|nonce={mine['nonce']}"
    assert hashlib.sha256(text.encode()).hexdigest() == mine["commitment"]

    # The printable results, with the fingerprint for the notice board, and the site-wide receipt
    # checker, which finds the round itself.
    ui.follow(public, auditor, "Back to the results")
    ui.follow(public, auditor, "Printable version of these results")
    expect(public.locator("main")).to_contain_text(LUNCH)
    expect(public.locator(".hash code")).to_have_text(closing_fingerprint)
    auditor.visit(public, "/receipt")
    public.get_by_label("Your receipt code").fill(journey.receipt)
    ui.submit(public, auditor, "Check my receipt")
    expect(public.locator("h1")).to_have_text("Counted")


# ------------------------------------------------------------------------- the test


def test_journeys_end_to_end(new_context, auditor, accounts):
    """The five journeys in order, as one test: each builds on the one before, so they must
    run in one process on one server whatever way the suite is split between workers."""
    journey = Journey()
    for step in (
        journey_1_staff_open_a_round_residents_propose_staff_shortlist,
        journey_2_keyboard_only_vote_with_receipt,
        journey_5_vote_without_javascript,
        journey_3_in_person_registration_voting_code_and_paper_ballot,
        journey_4_close_count_publish_and_check,
    ):
        step(new_context, auditor, accounts, journey)
