"""Small helpers for driving pb's pages the way a person does: by labels and button text, and with the keyboard alone."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

# A receipt code as pb prints it (pb.domain.receipts): 11 characters in groups of 4, 4 and 3.
SHORT_RECEIPT = r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{3}"


def sign_in(page: Page, auditor, email: str, password: str) -> None:
    auditor.visit(page, "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".flash-success")).to_contain_text("You are signed in")
    auditor.check(page)


def sign_out(page: Page, auditor) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".flash-success")).to_contain_text("You have signed out")
    auditor.check(page)


def submit(page: Page, auditor, name: str | re.Pattern, *, check: bool = True) -> None:
    """Press the button called `name` and check the page that comes back."""
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()
    if check:
        auditor.check(page)


def follow(page: Page, auditor, name: str | re.Pattern, *, exact: bool = False) -> None:
    """Follow the link called `name` (the first, if several) and check the page."""
    with page.expect_navigation():
        page.get_by_role("link", name=name, exact=exact).first.click()
    auditor.check(page)


def h1(page: Page) -> str:
    return page.locator("h1").inner_text().strip()


def tab_to(page: Page, *, selector: str | None = None, text: str | None = None, limit: int = 150) -> None:
    """Press Tab until the focused element matches, and check the focus can be seen."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate(
            """([selector, text]) => {
                 const el = document.activeElement;
                 if (!el || el === document.body) return false;
                 if (selector && !el.matches(selector)) return false;
                 if (text && el.textContent.trim() !== text) return false;
                 return true;
               }""",
            [selector, text],
        )
        if found:
            visible = page.evaluate(
                """() => {
                     const s = getComputedStyle(document.activeElement);
                     const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
                     return outline || (s.boxShadow && s.boxShadow !== 'none');
                   }"""
            )
            assert visible, f"keyboard focus on {selector or text!r} cannot be seen (no outline or shadow)"
            return
    raise AssertionError(f"Tab never reached {selector or text!r} on {page.url}")


def pick_with_arrow_keys(page: Page, title: str) -> None:
    """In the focused radio group, press the arrow keys until the button for `title` is chosen."""
    read = """() => { const el = document.activeElement;
                    const label = el && el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
                    return el && el.type === 'radio' && el.checked && label ? label.textContent.trim() : ''; }"""
    for _ in range(40):
        if page.evaluate(read).startswith(title):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reached {title!r}; last choice {page.evaluate(read)!r}")
