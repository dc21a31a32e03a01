"""Small helpers for driving pb's pages the way a person does: by labels and button text."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect


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
