"""The charts in a real Chromium: drawn, switched between 24 hours and 7 days, their figures opened; no axe-core
violation and nothing wider than a 390 px screen on any page that shows one."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests import support
from tests.e2e.test_accessibility import OVERFLOW, RUN_AXE, TAGS, axe_script
from tests.integration import live

pytestmark = pytest.mark.e2e


def _seed(app: Any) -> None:
    from app.extensions import db
    from sla.uptime import services
    from sla.uptime.probes import ProbeResult

    with app.app_context():  # a check every 10 minutes over the last 3 days, slower in the afternoon
        moment = datetime(2026, 11, 13, 9, 0, tzinfo=UTC)
        while moment < datetime(2026, 11, 16, 9, 0, tzinfo=UTC):
            services.record_check("web", ProbeResult(True, "200", 80 + 40 * (moment.hour > 12)), moment, 3)
            moment += timedelta(minutes=10)
        db.session.commit()


def _layout(page: Any, shots: Path, name: str) -> None:
    page.add_script_tag(path=axe_script())
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate(RUN_AXE, TAGS) == [], (name, width)
        overflow = page.evaluate(OVERFLOW)
        assert overflow["scroll"] <= overflow["inner"], (name, width, overflow)
        box = page.locator("figure.chart svg").first.bounding_box()
        assert box is not None and box["width"] <= width  # the drawing scales to the column
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)


def test_charts_are_drawn_switched_and_read_as_figures(app: Any, world: Any, clock: Any, browser: Any,
                                                       tmp_path: Path) -> None:
    _seed(app)
    with live.thread_server(app) as base:
        page = browser.new_context(bypass_csp=True, locale="en-GB").new_page()  # CSP bypassed only for axe-core
        page.goto(base + "/login")
        page.fill("input[name=email]", world.agent)
        page.fill("input[name=password]", support.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("h1")

        page.goto(base + "/uptime/")
        chart = page.locator("figure#response-0")
        assert chart.locator("svg[role=img] title").first.text_content() == "Response time of web"
        assert not chart.locator("details table").is_visible()
        chart.locator("summary").click()
        assert chart.locator("details table").is_visible()
        assert chart.locator("tbody tr").count() == 24
        _layout(page, tmp_path, "uptime")

        page.get_by_role("link", name="Last 7 days").click()
        page.wait_for_url(re.compile(r"range=7d"))
        assert page.locator("figure#response-0 tbody tr").count() == 28
        assert page.get_by_role("link", name="Last 7 days").get_attribute("aria-current") == "true"

        for name, path, chart_id in (("report", "/uptime/report", "availability-months"),
                                     ("desk", "/support/reports", "sla-compliance"),
                                     ("fines", "/fines/overview", "fines-liability")):
            page.goto(base + path)
            assert page.locator(f"figure#{chart_id} svg[role=img]").count() == 1, name
            assert page.locator(f"figure#{chart_id} tbody tr").count() == 12, name
            _layout(page, tmp_path, name)
