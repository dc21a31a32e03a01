"""Accessibility checks run on every page the browser journeys reach.

- axe-core (the copy bundled in the axe-playwright-python package, injected with
  page.evaluate so the site's Content-Security-Policy is not loosened) for the
  WCAG 2.0, 2.1 and 2.2 A and AA rules; any violation fails the test.
- pb's own rules from shared/UX.md: one h1, a page-specific <title>, a skip link to the
  main landmark, a visible <label> for every form field, body text of 19px or more on
  residents' pages, and buttons and form controls of at least 44 by 44 pixels.
- Reflow at 200% and 400% zoom: at 640 and 320 CSS pixels wide nothing scrolls sideways.
- On request: a visible focus indicator at every Tab stop, and printing (no navigation,
  14pt text or more, saved as A4 PDF).

`Auditor` keeps a session-wide record of the distinct pages checked (by URL pattern
and heading), so a page seen in several journeys is run through axe once.

axe cannot run in a page with JavaScript switched off (its timers never fire), so a page
reached without JavaScript is checked by serving its exact HTML to a second, JavaScript-on
tab with the site's scripts blocked: axe then sees what the no-JavaScript visitor sees.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations", "incomplete"]}

_LABELS_JS = """
() => {
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const skip = ['hidden', 'submit', 'button', 'reset', 'image'];
  const problems = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (skip.includes((el.getAttribute('type') || '').toLowerCase())) continue;
    if (el.closest('[hidden]') || el.getClientRects().length === 0) continue;
    const labels = Array.from(el.labels || []);
    if (!labels.some(shown)) problems.push(el.outerHTML.slice(0, 200));
  }
  return problems;
}
"""

_STRUCTURE_JS = """
() => ({
  title: document.title,
  lang: document.documentElement.getAttribute('lang'),
  h1s: Array.from(document.querySelectorAll('h1')).map(h => h.textContent.trim().replace(/\\s+/g, ' ')),
  main: !!document.querySelector('main#main'),
  skip: !!document.querySelector('a.skip-link[href="#main"]'),
  errorSummary: !!document.querySelector('.error-summary'),
})
"""

_FOCUS_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const shadow = !!s.boxShadow && s.boxShadow !== 'none';
  return {html: el.outerHTML.slice(0, 120), visible: outline || shadow};
}
"""

# Residents' pages: body text at least 19px on screen (shared/UX.md). Staff pages may be denser.
_SMALL_TEXT_JS = """
() => {
  if (document.body.classList.contains('staff')) return [];
  const small = [];
  for (const el of document.querySelectorAll('main p, main li, main label, main legend, main dt, main dd, main td, main th, main a, main button, main input, main select, main textarea')) {
    if (el.matches('input[type=radio], input[type=checkbox], input[type=hidden]')) continue;
    if (!el.getClientRects().length || !(el.textContent || el.value || '').trim()) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 19 - 0.01) small.push(`${size}px: ${el.outerHTML.slice(0, 100)}`);
  }
  return small.slice(0, 10);
}
"""

# Buttons and form controls: at least 44 by 44 CSS pixels (shared/UX.md), on every page.
_SMALL_TARGETS_JS = """
() => {
  const small = [];
  const controls = 'button, .button, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select, textarea';
  for (const el of document.querySelectorAll(controls)) {
    if (!el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    if (el.classList.contains('link-button')) continue;  // a link styled as text, inside a sentence or list
    if (r.height < 44 - 0.5 || r.width < 44 - 0.5) small.push(`${Math.round(r.width)}x${Math.round(r.height)}: ${el.outerHTML.slice(0, 100)}`);
  }
  return small.slice(0, 10);
}
"""

# 14pt is 18.67 CSS pixels.
_PRINT_JS = """
() => {
  const problems = [];
  for (const sel of ['.site-header', '.site-footer', 'nav']) {
    for (const el of document.querySelectorAll(sel)) {
      if (el.getClientRects().length) problems.push(`${sel} is printed`);
    }
  }
  for (const el of document.querySelectorAll('main p, main li, main dt, main dd, main td, main th')) {
    if (!el.getClientRects().length || !el.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 18.6) problems.push(`${size.toFixed(1)}px text: ${el.outerHTML.slice(0, 100)}`);
  }
  return problems.slice(0, 10);
}
"""

_REFLOW_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def url_pattern(url: str) -> str:
    """/rounds/12/proposals/3 -> /rounds/<n>/proposals/<n>; long tokens -> <token>."""
    path = urlsplit(url).path or "/"
    parts = []
    for part in path.split("/"):
        if part.isdigit():
            parts.append("<n>")
        elif len(part) >= 16 and re.fullmatch(r"[A-Za-z0-9_\-]+", part) and re.search(r"\d", part):
            parts.append("<token>")
        else:
            parts.append(part)
    return "/".join(parts)


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v["nodes"][:10]:
            lines.append(f"    at {', '.join(str(t) for t in node['target'])}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


@dataclass
class Auditor:
    screenshots: Path
    browser: object = None  # the session's Chromium, for checking pages reached without JS
    checked: dict[tuple, str] = field(default_factory=dict)
    # Rules axe could not decide on a page ("needs review"), listed in the summary for a person.
    needs_review: dict[tuple, list[str]] = field(default_factory=dict)
    no_js_contexts: set = field(default_factory=set)

    def mark_no_js(self, context) -> None:
        """Record that `context` was made with java_script_enabled=False."""
        self.no_js_contexts.add(id(context))

    # -- the checks -------------------------------------------------------------------
    def check(self, page, *, axe: bool = True, lang: str = "en-GB") -> dict:
        """Check the page now showing: structure, labels, and axe (once per distinct page); `lang` is
        the language the page must say it is in."""
        page.wait_for_load_state("load")
        info = page.evaluate(_STRUCTURE_JS)
        where = f"{page.url} ({info['title']!r})"
        assert info["lang"] == lang, f"<html lang> is {info['lang']!r}, not {lang!r}, on {where}"
        assert len(info["h1s"]) == 1, f"expected exactly one <h1>, found {info['h1s']} on {where}"
        assert info["main"] and info["skip"], f"missing the skip link or <main id=main> on {where}"
        title = info["title"]
        assert title.endswith(" – pb") and not title.startswith(" – "), f"title {title!r} on {where}"
        small = page.evaluate(_SMALL_TEXT_JS)
        assert not small, f"text smaller than 19px on {where}:\n" + "\n".join(small)
        targets = page.evaluate(_SMALL_TARGETS_JS)
        assert not targets, f"controls smaller than 44x44px on {where}:\n" + "\n".join(targets)
        problems = page.evaluate(_LABELS_JS)
        assert not problems, f"form fields without a visible <label> on {where}:\n" + "\n".join(problems)

        pattern = url_pattern(page.url)
        h1 = re.sub(r"\d+", "<n>", info["h1s"][0])
        no_js = id(page.context) in self.no_js_contexts
        key = (pattern, h1, info["errorSummary"], no_js)
        if axe and key not in self.checked:
            if no_js:
                incomplete = self.run_axe_without_js(page, where)
            else:
                incomplete = self.run_axe(page, where)
                # Every distinct page, not only the ones the issue names, must reflow at 200% and 400%.
                self.check_reflow(page)
            self.checked[key] = title
            if incomplete:
                self.needs_review[key] = incomplete
        return info

    def run_axe_without_js(self, page, where: str) -> list[str]:
        url, html = page.url, page.content()
        context = self.browser.new_context(viewport=page.viewport_size)
        try:
            shadow = context.new_page()
            shadow.route("**/*", lambda route: route.abort() if route.request.resource_type == "script"
                         else route.fallback())
            shadow.route(lambda address: address == url, lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=html))
            shadow.goto(url)
            return self.run_axe(shadow, where + " without JavaScript")
        finally:
            context.close()

    def run_axe(self, page, where: str = "") -> list[str]:
        """Run axe; fail on any violation; return the rules it could not decide ("incomplete")."""
        page.evaluate(AXE_SCRIPT)
        result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        violations = result["violations"]
        assert not violations, (
            f"axe found {len(violations)} WCAG 2.2 AA violation(s) on {where or page.url}:\n"
            + format_violations(violations)
        )
        return [
            f"{r['id']} at {', '.join(str(t) for n in r['nodes'][:3] for t in n['target'])}"
            f"{' …' if len(r['nodes']) > 3 else ''}: {(r['nodes'][0].get('failureSummary') or '').splitlines()[-1].strip()}"
            for r in result["incomplete"]
        ]

    def visit(self, page, url: str, *, expect_status: int | None = 200, axe: bool = True,
              lang: str = "en-GB") -> dict:
        """Go to `url` and check the page that arrives."""
        response = page.goto(url)
        if expect_status is not None:
            assert response is not None and response.status == expect_status, (
                f"GET {url} answered {response.status if response else None}, expected {expect_status}"
            )
        return self.check(page, axe=axe, lang=lang)

    def check_reflow(self, page) -> None:
        """200% zoom on a 1280px screen is a 640px-wide viewport (shared/UX.md), and WCAG 1.4.10
        asks for 320px (400% zoom): at both widths nothing may scroll sideways."""
        before = page.viewport_size
        try:
            for width in (640, 320):
                page.set_viewport_size({"width": width, "height": 900})
                scroll_width, inner_width = page.evaluate(_REFLOW_JS)
                assert scroll_width <= inner_width, (
                    f"{page.url} scrolls sideways at {width}px wide (content {scroll_width}px > {inner_width}px)"
                )
        finally:
            if before:
                page.set_viewport_size(before)

    def check_focus_visible(self, page, limit: int = 80) -> int:
        """Tab through the whole page: every stop must show a focus indicator (WCAG 2.4.7).
        Returns how many stops there were."""
        page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
        seen = []
        for _ in range(limit):
            page.keyboard.press("Tab")
            stop = page.evaluate(_FOCUS_JS)
            if stop is None or (seen and stop["html"] == seen[0]):
                break
            assert stop["visible"], f"no visible focus indicator on {stop['html']} at {page.url}"
            seen.append(stop["html"])
        assert seen, f"nothing on {page.url} can be reached with the Tab key"
        return len(seen)

    def check_print(self, page, name: str | None = None) -> None:
        """Printed on paper: no site navigation, header or footer, and text of 14pt or more.
        With `name`, the printout is also saved as an A4 PDF next to the screenshots."""
        page.emulate_media(media="print")
        try:
            problems = page.evaluate(_PRINT_JS)
            assert not problems, f"printing {page.url}:\n" + "\n".join(problems)
            if name:
                self.screenshots.mkdir(parents=True, exist_ok=True)
                page.pdf(path=str(self.screenshots / f"{name}.pdf"), format="A4", print_background=True)
        finally:
            page.emulate_media(media="screen")

    def screenshot(self, page, name: str) -> Path:
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    # -- the record -------------------------------------------------------------------
    def pages(self) -> list[str]:
        return sorted(
            f"{p}  [{h1}]{'  (with errors)' if err else ''}{'  (no JavaScript)' if no_js else ''}"
            for (p, h1, err, no_js) in self.checked
        )

    def write_summary(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{len(self.checked)} distinct pages passed axe ({', '.join(AXE_TAGS)}):", *self.pages()]
        by_title: dict[str, list[str]] = {}
        for (p, h1, err, _j), title in self.checked.items():
            if not err:
                by_title.setdefault(title, []).append(f"{p} [{h1}]")
        shared = {t: sorted(set(pages)) for t, pages in by_title.items() if len(set(pages)) > 1}
        if shared:
            lines += ["", "Titles shared by different pages:"]
            for title, pages in sorted(shared.items()):
                lines += [f"  {title}", *(f"    {p}" for p in pages)]
        if self.needs_review:
            lines += ["", "Rules axe could not decide (check these by hand):"]
            for (p, h1, _e, _j), rules in sorted(self.needs_review.items()):
                lines += [f"{p}  [{h1}]:", *(f"    {rule}" for rule in rules)]
        path.write_text("\n".join(lines) + "\n")
