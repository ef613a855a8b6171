"""The support desk in Chromium: a client's reporter reports an incident; an agent reacts from the queue."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support
from tests.integration import live

pytestmark = pytest.mark.e2e


def test_report_an_incident_and_react_from_the_desk_queue(app: Any, world: Any, browser: Any, tmp_path: Path) -> None:
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == world.user_a).values(can_report_incidents=True))
        db.session.commit()
    with live.thread_server(app) as base:
        client = support.browser_login(browser, base, world.user_a)
        client.click("nav.mainnav >> text=Support")
        client.click("text=Report an incident")
        client.fill("input[name=title]", "Nobody can log in")
        client.fill("textarea[name=description]", "Since 9:00 every login fails with an error page.")
        client.select_option("select[name=level]", "4")
        client.select_option("select[name=impact]", "all")
        client.click("main button[type=submit]")
        client.wait_for_selector("text=Clocks (working time)")
        assert "category 1" in client.inner_text("h1")

        agent = support.browser_login(browser, base, world.agent)
        agent.click("nav.mainnav >> text=Support")
        agent.wait_for_selector("table.queue")
        rows = agent.locator("table.queue tbody tr")
        # The seeded incident breached days ago, so it comes first; the new one follows it.
        assert "Seeded incident" in rows.nth(0).inner_text() and "Nobody can log in" in rows.nth(1).inner_text()
        assert "in " in rows.nth(1).locator(".clock[data-due] .left").first.inner_text()  # the live timer runs
        rows.nth(1).locator("a").first.click()
        agent.click("form.act:has(input[value=acknowledge]) button")
        agent.fill("form.act:has(input[value=status_report]) textarea", "We are on it; next report within the hour.")
        agent.click("form.act:has(input[value=status_report]) button")
        agent.wait_for_selector("text=We are on it")
        agent.screenshot(path=str(tmp_path / "ticket.png"), full_page=True)

        client.reload()
        text = client.inner_text("main")
        timeline = client.inner_text("ol.timeline")
        assert "We are on it; next report within the hour." in text and "acknowledged" in timeline
        assert "status report" in timeline
