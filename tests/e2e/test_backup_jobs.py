"""Backups in Chromium: the admin clicks "Run now", the page follows the job and shows it done.

The real backup code writes to a temporary folder. The tier's run lock is held by the test at first (as a
nightly run of the same tier would hold it), so the page is seen following a running job; once the lock
is released the job ends and the page, polling its JSON, reloads itself with the result. Then a public
visitor reads the status page. Every wait is on a condition the page shows, never a fixed sleep.
"""
from __future__ import annotations

import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import support
from tests.e2e.test_accessibility import RUN_AXE, TAGS, axe_script
from tests.integration import live

pytestmark = pytest.mark.e2e


@pytest.fixture()
def backup_app(app: Any, tmp_path: Path) -> Iterator[Any]:
    app.config.update(BACKUP_SERVER_DIR=str(tmp_path / "server"), BACKUP_DATACENTER_DIR=str(tmp_path / "dc"))
    yield app
    from backups import tasks

    assert tasks.drain(app)
    app.config.update(BACKUP_SERVER_DIR=None, BACKUP_DATACENTER_DIR=None)


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=axe_script())
    return [f"{v['id']} at {v['targets']}" for v in page.evaluate(RUN_AXE, TAGS)]


def test_the_admin_runs_a_tier_and_watches_it_finish(backup_app: Any, world: Any, browser: Any, clock: Any) -> None:
    from backups import services
    from backups.policy import Tier

    lock = (services.target_root(backup_app.config, Tier.DC_DB) / ".lock").open("a")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        with live.thread_server(backup_app) as base:
            # CSP bypassed only so axe-core can be injected into the pages (as the accessibility test does).
            page = browser.new_context(bypass_csp=True, locale="en-GB").new_page()
            page.goto(base + "/login")
            page.fill("input[name=email]", world.admin)
            page.fill("input[name=password]", support.PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(lambda url: "/login" not in url)
            page.click("nav.mainnav >> text=Backups")
            section = page.locator("section[aria-labelledby=tier-dc-db]")
            section.get_by_role("button", name="Run now").click()
            page.wait_for_selector("#jobs >> text=waiting for another run of this tier to end")
            assert "is queued" in page.locator(".flash.info").inner_text()
            assert page.locator("#jobs progress").count() == 1
            row = page.locator("#jobs tr[data-job]").first
            assert "Run of dc-db" in row.inner_text() and "running" in row.inner_text()
            assert _axe(page) == []
            # A second click while it runs is refused in words.
            page.locator("section[aria-labelledby=tier-dc-db]").get_by_role("button", name="Run now").click()
            page.wait_for_selector(".flash.error >> text=already queued or running")
            fcntl.flock(lock, fcntl.LOCK_UN)
            # The script polls the jobs and reloads the page once the job is done.
            page.wait_for_selector("#jobs .job-result code", timeout=60_000)
            assert "done" in page.locator("#jobs tr[data-job]").first.inner_text()
            assert page.locator("#jobs progress").count() == 0
            backup_id = page.locator("#jobs .job-result code").first.inner_text()
            assert page.locator(f"section[aria-labelledby=tier-dc-db] td code >> text={backup_id}").count() == 1
            assert _axe(page) == []
            # A visitor without an account reads the status page from the login page.
            visitor = browser.new_context(bypass_csp=True, locale="nl-BE").new_page()
            visitor.goto(base + "/login")
            visitor.click("footer >> text=Status van de dienst")
            visitor.wait_for_selector("h1 >> text=Status van de FleetDesk-dienst")
            assert visitor.locator(".status-bar").count() == 90
            visitor.locator(".status-bar").last.focus()
            assert visitor.locator(".status-bar").last.locator(".status-tip").is_visible()
            assert _axe(visitor) == []
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
