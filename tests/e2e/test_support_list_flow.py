"""The desk's list in Chromium: an agent filters, takes an incident, gives two others to a colleague at once;
a client attaches a screenshot that the agent then downloads. The app's clock is frozen on Monday
16 November 2026, 10:00; every wait is on something the page shows. axe-core checks the list and the ticket
page at 1366 and 390 px on the way.
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support
from tests.e2e.test_accessibility import OVERFLOW, RUN_AXE, TAGS, axe_script
from tests.integration import live

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


def _seed(app: Any, world: Any) -> dict[str, int]:
    from app.clock import work_calendar
    from app.extensions import db
    from app.models import Client, User
    from app.services import Actor
    from sla.desk import services

    with app.app_context():
        alpha = db.session.get(Client, world.client_a)
        db.session.execute(sa.update(User).where(User.email == world.user_a).values(can_report_incidents=True))
        ids = {}
        for key, title, level, impact, hour in (("down", "Nobody can log in", 4, "all", 8),
                                                ("slow", "Search is slow", 2, "few", 7),
                                                ("typo", "Typo on the overview", 1, "few", 6)):
            ticket = services.open_ticket(Actor("seed"), client=alpha, reporter=None, title=title, description="x",
                                          level=level, impact=impact, channel="phone",
                                          now=datetime(2026, 11, 16, hour, 30, tzinfo=UTC), calendar=work_calendar())
            db.session.flush()
            ids[key] = ticket.id
        db.session.commit()
        return ids


def _axe(page: Any, where: str, problems: list[str]) -> None:
    page.add_script_tag(path=axe_script())
    for violation in page.evaluate(RUN_AXE, TAGS):
        problems.append(f"{where}: {violation['id']} ({violation['help']}) at {', '.join(violation['targets'])}")
    size = page.evaluate(OVERFLOW)
    if page.viewport_size["width"] < 500 and size["scroll"] > size["inner"] + 1:
        problems.append(f"{where}: {size['scroll']} px wide on a {size['inner']} px screen ({size['wide']})")


def _login(browser: Any, base: str, email: str) -> Any:
    """A page of its own browser context (axe-core is injected, so the page's CSP is bypassed), logged in."""
    page = browser.new_context(bypass_csp=True, locale="en-GB", accept_downloads=True).new_page()
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", support.PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def _row(page: Any, title: str) -> Any:
    return page.locator("table.queue tbody tr", has_text=title)


def test_an_agent_filters_takes_and_hands_out_incidents_and_a_client_attaches_a_screenshot(
        app: Any, world: Any, browser: Any, clock: Any, tmp_path: Path) -> None:
    ids = _seed(app, world)
    problems: list[str] = []
    with live.thread_server(app) as base:
        agent = _login(browser, base, world.agent)
        agent.click("nav.mainnav >> text=Support")
        agent.wait_for_selector("table.queue")
        assert "Category 1 – critical" in _row(agent, "Nobody can log in").inner_text()
        assert "critical" not in _row(agent, "Typo on the overview").inner_text()

        # Filter: the unassigned category 1 incidents of Alpha.
        agent.select_option("select[name=category]", "1")
        agent.select_option("select[name=agent]", "none")
        agent.select_option("select[name=client]", str(world.client_a))
        agent.click("form.desk-filters button[type=submit]")
        agent.wait_for_url(lambda url: "category=1" in url and "agent=none" in url)
        assert agent.locator("table.queue tbody tr").count() == 1
        assert agent.input_value("select[name=agent]") == "none"  # the form keeps what was chosen
        assert "1 incident" in agent.inner_text(".desk-total")
        for width in (1366, 390):
            agent.set_viewport_size({"width": width, "height": 900})
            _axe(agent, f"list @{width}", problems)
        agent.set_viewport_size({"width": 1366, "height": 900})

        # Assign to me from the row; the list comes back with its filters, and the incident has left it.
        _row(agent, "Nobody can log in").get_by_role("button", name="Assign to me: incident").click()
        agent.wait_for_selector("text=No incidents match.")
        assert "agent=none" in agent.url and "category=1" in agent.url

        # Search, then bulk assign the two others to the admin.
        agent.goto(base + "/support/?agent=none&client=" + str(world.client_a))
        agent.fill("input[name=q]", "overview")
        agent.press("input[name=q]", "Enter")
        agent.wait_for_url(lambda url: "q=overview" in url)
        assert agent.locator("table.queue tbody tr").count() == 1
        agent.click("text=Reset")
        agent.wait_for_selector("table.queue tbody tr >> text=Search is slow")
        for title in ("Search is slow", "Typo on the overview"):
            _row(agent, title).locator("input[type=checkbox]").check()
        agent.select_option("#bulk-agent", label="Admin")
        agent.get_by_role("button", name="Assign the chosen incidents", exact=True).click()
        agent.wait_for_selector("text=2 incidents assigned.")
        assert "Admin" in _row(agent, "Search is slow").inner_text()
        assert "Admin" in _row(agent, "Typo on the overview").inner_text()
        assert "Agent" in _row(agent, "Nobody can log in").inner_text()

        # The client attaches a screenshot to the critical incident.
        shot = tmp_path / "login-error.png"
        shot.write_bytes(PNG)
        client = _login(browser, base, world.user_a)
        client.goto(base + f"/support/{ids['down']}")
        assert "Category 1 – critical incident" in client.inner_text(".cat1-banner")
        client.set_input_files("input[name=file]", str(shot))
        client.fill("textarea[name=comment]", "This is what the login page shows.")
        client.click("text=Attach the file")
        client.wait_for_selector("#attachments li >> text=login-error.png")
        assert "PNG picture" in client.inner_text("#attachments")
        for width in (1366, 390):
            client.set_viewport_size({"width": width, "height": 900})
            _axe(client, f"ticket @{width}", problems)

        # A file that only pretends to be a picture is refused on the form, in words.
        fake = tmp_path / "fake.png"
        fake.write_bytes(b"<html><script>alert(1)</script></html>")
        client.set_input_files("input[name=file]", str(fake))
        client.click("text=Attach the file")
        client.wait_for_selector(".desk-attach .error >> text=does not match its name")

        agent.goto(base + f"/support/{ids['down']}")
        assert "This is what the login page shows." in agent.inner_text("ol.timeline")
        with agent.expect_download() as download:
            agent.click("#attachments a >> text=login-error.png")
        assert Path(download.value.path()).read_bytes() == PNG
        assert download.value.suggested_filename == "login-error.png"
    assert not problems, "\n".join(problems)
