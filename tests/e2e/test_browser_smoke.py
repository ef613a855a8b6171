"""A real headless Chromium logs in and sees the dashboard."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import support
from tests.integration import live

pytestmark = pytest.mark.e2e


def test_client_user_logs_in_and_sees_the_dashboard(app: Any, world: Any, browser: Any, tmp_path: Path) -> None:
    with live.thread_server(app) as base:
        page = browser.new_page(locale="en-GB")
        page.goto(base + "/")
        assert page.url.endswith("/login?next=%2F")
        page.fill("input[name=email]", world.user_a)
        page.fill("input[name=password]", support.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("h1")
        assert page.inner_text("h1") == "Welcome, Anna"
        assert "alpha@fines.fleetdesk.test" in page.inner_text("main")
        page.screenshot(path=str(tmp_path / "dashboard.png"))
        page.click("text=Log out")
        page.wait_for_selector("input[name=email]")
        assert "You are logged out." in page.inner_text("main")


def test_wrong_password_in_the_browser_shows_the_refusal_in_dutch(app: Any, world: Any, browser: Any) -> None:
    with live.thread_server(app) as base:
        page = browser.new_page(locale="nl-BE", extra_http_headers={"Accept-Language": "nl-BE,nl;q=0.9"})
        page.goto(base + "/login")
        page.fill("input[name=email]", world.user_a)
        page.fill("input[name=password]", "wrong password here")
        page.click("button[type=submit]")
        page.wait_for_selector(".flash")
        assert "Verkeerd e-mailadres of wachtwoord." in page.inner_text(".flash")
