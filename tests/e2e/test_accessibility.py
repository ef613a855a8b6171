"""No axe-core violation (WCAG 2.1 A and AA rules) on any page, for any demo role, at 1366 and 390 px.

The pages are the ones the crawler reaches (links and GET forms); the app serves the demo data
from a thread. axe-core comes from the npm registry: ``node_modules/axe-core/axe.min.js`` (CI runs
``npm install --no-save axe-core@4``) or the file named by ``FLEETDESK_AXE_JS``. At 390 px no page
may be wider than the screen (a table scrolls inside its own box, never the whole page).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import crawl, support
from tests.integration import live

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
WIDTHS = ((1366, 900), (390, 844))
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      targets: v.nodes.slice(0, 4).map(n => n.target.join(' '))}));
}"""
OVERFLOW = """() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
                 wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right
                        > window.innerWidth + 1 && !e.closest('.table-wrap, table, pre'))
                        .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))})"""


def axe_script() -> str:
    """The path of axe.min.js: node_modules, else FLEETDESK_AXE_JS; skip (or fail in CI) without it."""
    candidates = [ROOT / "node_modules" / "axe-core" / "axe.min.js"]
    if os.environ.get("FLEETDESK_AXE_JS"):
        candidates.append(Path(os.environ["FLEETDESK_AXE_JS"]))
    found = next((path for path in candidates if path.is_file()), None)
    support.require("axe-core", found is not None,
                    "no node_modules/axe-core/axe.min.js (npm install --no-save axe-core@4) and no FLEETDESK_AXE_JS")
    assert found is not None
    return str(found)


@pytest.fixture()
def demo_server(app: Any) -> Iterator[str]:
    crawl.load_demo(app)
    with live.thread_server(app) as base:
        yield base


def _pages_by_role(app: Any) -> dict[str, list[str]]:
    """One URL of each shape every role reaches by links and GET forms (nothing is submitted)."""
    pages: dict[str, list[str]] = {}
    for crawler in crawl.crawl_pages(app):
        assert not crawler.failures, "\n".join(str(f) for f in crawler.failures)
        shapes: dict[str, str] = {}
        for visit in crawler.visits:
            shapes.setdefault(crawl.shape(visit.path).split("?")[0] + ("?" if "?" in visit.path else ""), visit.path)
        pages[crawler.role] = sorted(shapes.values())
    return pages


def _check(page: Any, where: str, script: str, narrow: bool, problems: list[str]) -> None:
    page.add_script_tag(path=script)
    for violation in page.evaluate(RUN_AXE, TAGS):
        problems.append(f"{where}: {violation['id']} ({violation['impact']}: {violation['help']}) "
                        f"at {', '.join(violation['targets'])}")
    if narrow:
        size = page.evaluate(OVERFLOW)
        if size["scroll"] > size["inner"] + 1:
            problems.append(f"{where}: the page is {size['scroll']} px wide on a {size['inner']} px screen "
                            f"(too wide: {', '.join(size['wide']) or 'a table'})")


def test_no_page_has_an_axe_violation_or_overflows_a_phone_screen(app: Any, demo_server: str, browser: Any) -> None:
    script = axe_script()
    pages = _pages_by_role(app)
    problems: list[str] = []
    visited = 0
    anonymous = browser.new_context(bypass_csp=True, locale="en-GB")
    try:
        login = anonymous.new_page()
        for width, height in WIDTHS:
            login.set_viewport_size({"width": width, "height": height})
            for path in ("/login", "/status"):
                login.goto(demo_server + path)
                _check(login, f"anonymous {path} @{width}", script, width < 500, problems)
    finally:
        anonymous.close()
    for role, email in crawl.DEMO_ROLES:
        # One browser context per role: logged in once, the pages visited at both widths.
        context = browser.new_context(bypass_csp=True, locale="en-GB")
        try:
            page = context.new_page()
            page.goto(demo_server + "/login")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", crawl._demo_password())
            page.click("main button[type=submit]")
            page.wait_for_url(lambda url: "/login" not in url)
            for width, height in WIDTHS:
                page.set_viewport_size({"width": width, "height": height})
                for path in pages[role]:
                    response = page.goto(demo_server + path, wait_until="load")
                    assert response is not None and response.status < 500, f"{role} {path}: {response}"
                    _check(page, f"{role} {path} @{width}", script, width < 500, problems)
                    visited += 1
        finally:
            context.close()
    assert visited > 60
    assert not problems, f"{len(problems)} accessibility problem(s):\n" + "\n".join(problems)
