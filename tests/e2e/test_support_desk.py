"""The support desk in Chromium, with the app's clock frozen on Monday 16 November 2026, 10:00.

A client's authorised reporter reports an incident; an agent takes it the whole way from the queue:
acknowledge, comment, note, wait for the client, resume, status report, restore, resolve, close,
reopen; the client sees what is meant for them (the comment, not the note). Every wait is on a
condition the page shows, never a fixed sleep.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support
from tests.integration import live

pytestmark = pytest.mark.e2e


def _offered(page: Any) -> set[str]:
    return set(page.eval_on_selector_all("form.act input[name=action]", "els => els.map(e => e.value)"))


def _act(page: Any, clock: Any, action: str, state: str, body: str | None = None) -> None:
    """Do one action from the ticket page as an agent would, then wait until the page shows its result."""
    clock.advance(timedelta(minutes=7))
    form = page.locator(f"form.act:has(input[name=action][value={action}])")
    if body is not None:
        label = form.locator("label").inner_text()
        page.get_by_label(label, exact=True).fill(body)  # the text area is found by its visible label
    form.locator("button").click()
    page.wait_for_selector(f".desk-badges >> text=State: {state}")
    assert not page.locator(".flash.error").count(), page.locator(".flash.error").first.inner_text()


def test_a_ticket_goes_from_report_to_close_and_reopen_in_the_browser(app: Any, world: Any, browser: Any, clock: Any,
                                                                      tmp_path: Path) -> None:
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
        client.wait_for_selector("text=Time limits (within working hours)")
        assert "category 1" in client.inner_text(".desk-badges")
        ticket_url = client.url
        assert _offered(client) == {"comment"}  # a client only comments

        agent = support.browser_login(browser, base, world.agent)
        agent.click("nav.mainnav >> text=Support")
        agent.wait_for_selector("table.queue")
        rows = agent.locator("table.queue tbody tr")
        # Reaction due 10:30 (category 1, reported now) comes before 14:00 (the seeded category 4, reported 09:00).
        assert "Nobody can log in" in rows.nth(0).inner_text() and "Seeded incident" in rows.nth(1).inner_text()
        assert "ALPHA" in rows.nth(0).inner_text() and "Alpha Lease NV" in rows.nth(0).inner_text()
        agent.wait_for_function(  # the live countdown has written its first figure
            "() => /\\(in \\d/.test(document.querySelector('table.queue tbody tr .clock[data-due] .left').textContent)")
        rows.nth(0).locator("a").first.click()
        agent.wait_for_selector(".desk-badges >> text=State: new")
        assert _offered(agent) == {"acknowledge", "comment", "note"}

        _act(agent, clock, "acknowledge", "acknowledged")
        _act(agent, clock, "comment", "acknowledged", "We are looking into it; which browser do you use?")
        _act(agent, clock, "note", "acknowledged", "Proxy logs show 502 from the login service.")
        _act(agent, clock, "wait_client", "waiting for the client", "Please send a screenshot of the error page.")
        assert _offered(agent) == {"resume", "status_report", "comment", "note"}
        assert "the time limits are paused" in agent.inner_text("main")

        client.goto(ticket_url)
        client.wait_for_selector("text=Waiting on you: the time limits are paused.")
        timeline = client.inner_text("ol.timeline")
        assert "which browser do you use?" in timeline and "Please send a screenshot" in timeline
        assert "Proxy logs" not in client.inner_text("main")  # the internal note stays with the desk
        client.get_by_label("Your comment (the support desk sees it)").fill("Chrome; screenshot attached by mail.")
        client.click("form.act button")
        client.wait_for_selector("ol.timeline >> text=Chrome; screenshot attached by mail.")

        _act(agent, clock, "resume", "in progress")
        _act(agent, clock, "status_report", "in progress", "The login service restarts; next report within the hour.")
        _act(agent, clock, "restore_start", "in progress")
        assert "restore_end" in _offered(agent) and "restore_start" not in _offered(agent)
        _act(agent, clock, "restore_end", "in progress")
        _act(agent, clock, "resolve", "resolved")
        assert _offered(agent) == {"close", "reopen", "comment", "note"}
        _act(agent, clock, "close", "closed")
        assert _offered(agent) == {"reopen", "note"}
        _act(agent, clock, "reopen", "in progress")
        _act(agent, clock, "resolve", "resolved")
        _act(agent, clock, "close", "closed")
        agent.screenshot(path=str(tmp_path / "ticket.png"), full_page=True)
        agent_timeline = agent.inner_text("ol.timeline")
        for event in ("acknowledged", "internal note", "waiting for the client", "resumed", "status report",
                      "restore started", "restore finished", "resolved", "closed", "reopened"):
            assert event in agent_timeline, event

        client.goto(ticket_url)
        client.wait_for_selector(".desk-badges >> text=State: closed")
        text = client.inner_text("main")
        assert "The login service restarts" in text and "We are looking into it" in text
        assert "Proxy logs" not in text and _offered(client) == set()
        assert "reopened" in client.inner_text("ol.timeline")
