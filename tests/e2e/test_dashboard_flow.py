"""A client user and an agent start their day on the dashboard in a real Chromium and follow a number."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests import support
from tests.dashboard_seed import FOREIGN_PLATE, seed
from tests.e2e.test_accessibility import OVERFLOW, RUN_AXE, TAGS, axe_script
from tests.integration import live

pytestmark = pytest.mark.e2e


def _log_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", support.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1")


def _check_layout(page: Any, shots: Path, name: str) -> None:
    """No axe-core violation and nothing wider than the screen, at 1366 px and at 390 px (one column)."""
    page.add_script_tag(path=axe_script())
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate(RUN_AXE, TAGS) == [], (name, width)
        overflow = page.evaluate(OVERFLOW)
        assert overflow["scroll"] <= overflow["inner"], (name, width, overflow)
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    columns = page.evaluate("getComputedStyle(document.querySelector('.dash-grid')).gridTemplateColumns")
    assert len(columns.split()) == 1  # at 390 px the cards stack in one column


def test_client_and_agent_start_the_day_and_follow_a_number(app: Any, world: Any, clock: Any, browser: Any,
                                                            tmp_path: Path) -> None:
    seed(app, world)
    with live.thread_server(app) as base:
        # The app's CSP allows no inline script: the contexts bypass it only to run axe-core.
        client_page = browser.new_context(bypass_csp=True, locale="en-GB").new_page()
        _log_in(client_page, base, world.user_a)
        main = client_page.inner_text("main")
        for title in ("Fines waiting for you", "Your open fines by cut-off", "Fines this month (November 2026)",
                      "Your open incidents", "Uptime this month"):
            assert title in main
        assert "No lease contract for plate 1ABC123 on 2 November 2026." in main
        assert FOREIGN_PLATE not in main
        _check_layout(client_page, tmp_path, "client")
        client_page.set_viewport_size({"width": 1366, "height": 900})
        overdue = client_page.locator("a.dash-figure", has_text="cut-off passed")
        assert overdue.locator("strong").inner_text() == "1"
        overdue.click()
        client_page.wait_for_url(re.compile(r"/fines/\?urgency=overdue"))
        assert client_page.inner_text(".list-summary").startswith("1–1 of 1")
        assert "1-ABC-123" in client_page.inner_text("main")

        agent_page = browser.new_context(bypass_csp=True, locale="en-GB").new_page()
        _log_in(agent_page, base, world.agent)
        main = agent_page.inner_text("main")
        for title in ("My tickets", "Unassigned tickets", "Review queue", "Fines at risk on our side",
                      "Mail set aside", "Assistance"):
            assert title in main
        _check_layout(agent_page, tmp_path, "agent")
        agent_page.set_viewport_size({"width": 1366, "height": 900})
        unassigned = agent_page.locator("#dash-tickets-unassigned + .dash-figures a.dash-figure").first
        assert unassigned.locator("strong").inner_text() == "3"
        unassigned.click()
        agent_page.wait_for_url(re.compile(r"/support/\?state=open&agent=none"))
        assert agent_page.inner_text(".desk-total").startswith("3 incidents")
