"""The real browser for end-to-end tests: Debian's Chromium driven by Playwright."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import support


@pytest.fixture()
def browser() -> Iterator[Any]:
    support.require_binary("chromium", support.CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - part of the test extras
        support.require("Playwright", False, str(exc))
        raise
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=support.CHROMIUM, headless=True,
                                      args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield chromium
        finally:
            chromium.close()
