"""Every public and staff page that needs no journey to reach it, checked in Chromium:
axe (WCAG 2.2 AA), one h1, a page title, visible labels, and no sideways scrolling at 200% or 400% zoom."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from pb.domain.phases import Phase
from pb.extensions import db
from tests import factories
from tests.browser import ui
from tests.conftest import make_app

pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(scope="module")
def reference_round(live_server):
    """A public round to look at. The journeys make their own rounds through the staff console;
    this one only exists so the round page can be checked before any journey runs."""
    app = make_app(live_server.database_url)
    with app.app_context():
        round_ = factories.make_round(
            phase=Phase.PROPOSALS_CLOSED,
            title="Reference round for page checks",
            voting_open_on=date(2026, 9, 1),
            results_on=date(2026, 10, 1),
        )
        round_id = round_.id
        db.session.remove()
        db.engine.dispose()
    return round_id


def test_public_pages_pass_axe_and_reflow(page, auditor, reference_round):
    for url, heading in [
        ("/", "Decide how community money is spent"),
        ("/how-it-works", "How community budgeting works"),
        ("/accessibility", "Accessibility statement"),
        (f"/rounds/{reference_round}", "Reference round for page checks"),
        ("/sign-in", "Sign in"),
    ]:
        auditor.visit(page, url)
        assert ui.h1(page) == heading
        auditor.check_reflow(page)
    auditor.visit(page, "/")
    auditor.screenshot(page, "home")


def test_accessibility_statement_says_how_we_test(page, auditor):
    auditor.visit(page, "/accessibility")
    text = page.locator("main").inner_text()
    assert "axe" in text and "WCAG" in text and "200%" in text and "400%" in text
    assert "keyboard" in text and "JavaScript" in text
    # How to ask for help or another format.
    assert "another format" in text and "020 7923 1962" in text


def test_sign_in_errors_are_summarised_and_linked(page, auditor):
    auditor.visit(page, "/sign-in")
    ui.submit(page, auditor, "Sign in")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Enter your email address")
    expect(summary).to_contain_text("Enter your password")
    # Each message links to its field.
    summary.get_by_role("link", name="Enter your email address").click()
    expect(page.get_by_label("Email address")).to_be_focused()

    page.get_by_label("Email address").fill("nobody@example.org")
    page.get_by_label("Password").fill("not the password")
    ui.submit(page, auditor, "Sign in")
    expect(page.locator(".error-summary")).to_be_visible()
    auditor.check_reflow(page)


def test_error_pages(page, auditor):
    auditor.visit(page, "/no-such-page", expect_status=404)
    auditor.check_reflow(page)
    expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()


def test_staff_console(page, auditor, accounts):
    # Anonymous visitors to /staff are sent to sign in first.
    page.goto("/staff/")
    assert "/sign-in" in page.url
    ui.sign_in(page, auditor, accounts.staff_email, accounts.password)
    assert page.url.endswith("/staff/")
    auditor.check_reflow(page)
    ui.sign_out(page, auditor)


def test_pages_work_without_javascript(new_context, auditor, accounts):
    context = new_context(java_script_enabled=False)
    auditor.mark_no_js(context)
    page = context.new_page()
    auditor.visit(page, "/")
    auditor.visit(page, "/sign-in?next=/staff/")  # a query string, to check the no-JS axe copy by URL
    ui.submit(page, auditor, "Sign in")
    expect(page.locator(".error-summary")).to_contain_text("Enter your email address")
    ui.sign_in(page, auditor, accounts.staff_email, accounts.password)
    ui.sign_out(page, auditor)


def test_every_focus_stop_is_visible(page, auditor, accounts, reference_round):
    for url in ["/", f"/rounds/{reference_round}", "/sign-in", "/accessibility"]:
        auditor.visit(page, url)
        assert auditor.check_focus_visible(page) >= 5
    ui.sign_in(page, auditor, accounts.staff_email, accounts.password)
    assert auditor.check_focus_visible(page) >= 5
    ui.sign_out(page, auditor)


def test_admin_pages(page, auditor, accounts):
    ui.sign_in(page, auditor, accounts.admin_email, accounts.password)
    for link, heading in [
        ("Staff accounts", None),
        ("Audit log", None),
        ("Residents", "Residents"),
    ]:
        auditor.visit(page, "/staff/")
        ui.follow(page, auditor, link, exact=True)
        if heading:
            assert ui.h1(page) == heading
    ui.follow(page, auditor, "Waiting for review")

    # Verification pages: the letters queue, suspicious registrations and their settings, resident lists.
    auditor.visit(page, "/staff/")
    ui.follow(page, auditor, "Letters", exact=True)
    assert ui.h1(page) == "Letters to send"
    ui.follow(page, auditor, "Suspicious registrations", exact=True)
    assert ui.h1(page) == "Suspicious registrations"
    ui.follow(page, auditor, "Change these settings")
    page.get_by_label(re.compile("^Self-declared registrations at one postcode")).fill("one")
    ui.submit(page, auditor, re.compile(r"^Save"))
    expect(page.locator(".error-summary")).to_be_visible()
    ui.follow(page, auditor, "Resident lists", exact=True)
    assert ui.h1(page) == "Resident lists"
    page.get_by_label("Name of the list").fill("Tenants of Kingsmead (page check)")
    page.get_by_label("The list, as a CSV file").set_input_files(files=[{
        "name": "tenants.csv", "mimeType": "text/csv",
        "buffer": b"Surname,First name,Date of birth,Postcode\nOkafor,Margaret,27/03/1948,E9 5QT\nOkafor,Margaret,27/03/1948,E9 5QT\n",
    }])
    # resident_list_upload.js sends the file itself (with a progress bar) and shows the answer in place.
    page.get_by_role("button", name=re.compile(r"^Upload")).click()
    expect(page.locator(".error-summary")).to_contain_text("Nothing was stored")
    expect(page.locator("main")).to_contain_text("Line 3 repeats line 2")
    auditor.check(page)
    page.get_by_label("Name of the list").fill("Tenants of Kingsmead (page check)")
    page.get_by_label("The list, as a CSV file").set_input_files(files=[{
        "name": "tenants.csv", "mimeType": "text/csv",
        "buffer": b"Surname,First name,Date of birth,Postcode\nOkafor,Margaret,27/03/1948,E9 5QT\n",
    }])
    page.get_by_role("button", name=re.compile(r"^Upload")).click()
    expect(page.locator("h1")).to_have_text("Tenants of Kingsmead (page check)")
    auditor.check(page)

    # An administrator adds a member of staff; a mistake is shown next to its field first.
    auditor.visit(page, "/staff/")
    ui.follow(page, auditor, "Staff accounts", exact=True)
    ui.submit(page, auditor, re.compile(r"^Add"))
    expect(page.locator(".error-summary")).to_be_visible()
    ui.sign_out(page, auditor)


def test_focus_moved_by_script_or_skip_link_is_not_a_yellow_block(page, auditor):
    """The error summary (focused by pb.js) shows an outline; the skip link's target is not
    painted yellow (the yellow fill is for links and buttons)."""
    styles = """() => { const s = getComputedStyle(document.activeElement);
                        return [document.activeElement.className, s.backgroundColor, s.outlineStyle]; }"""
    auditor.visit(page, "/sign-in")
    ui.submit(page, auditor, "Sign in")
    cls, background, outline = page.evaluate(styles)
    assert "error-summary" in cls
    assert background in ("rgba(0, 0, 0, 0)", "transparent") and outline == "solid"

    auditor.visit(page, "/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert page.evaluate(styles)[1] in ("rgba(0, 0, 0, 0)", "transparent")


def test_the_ballot_filters_by_subject_without_losing_the_choice(page, auditor, live_server):
    """ballot.js shows a filter by subject above a long shortlist; the project already chosen stays in view."""
    app = make_app(live_server.database_url)
    with app.app_context():
        round_ = factories.make_round(phase=Phase.VOTING_OPEN, title="Round with several subjects")
        for title, subject in [("Chair yoga", "Health"), ("Lunch club", "Food"), ("Walking group", "Health"),
                               ("Cookery class", "Food")]:
            factories.make_proposal(round_, title=title, category=subject)
        factories.make_resident(email="subjects@example.net", password="correct horse battery")
        round_id = round_.id
        db.session.remove()
        db.engine.dispose()
    ui.sign_in(page, auditor, "subjects@example.net", "correct horse battery")
    auditor.visit(page, f"/rounds/{round_id}/vote")
    cards = page.locator(".ballot-card")
    expect(cards).to_have_count(4)
    page.get_by_role("radio", name="Lunch club: 1st choice", exact=True).check()
    page.get_by_label("Show projects about").select_option("Health")
    expect(page.locator(".category-count")).to_have_text("Projects shown: 3 of 4.")
    expect(page.locator(".ballot-card:visible")).to_have_count(3)
    visible = sorted(page.locator(".ballot-card:visible .card-title").all_inner_texts())
    assert visible == ["Chair yoga", "Lunch club", "Walking group"]  # Lunch club is chosen: it stays
    auditor.check(page)
    page.get_by_label("Show projects about").select_option("")
    expect(page.locator(".ballot-card:visible")).to_have_count(4)
    ui.submit(page, auditor, "Continue")
    expect(page.locator(".choices-so-far")).to_contain_text("Lunch club")
