"""A client's main flows in Chromium: upload a fine, see why it waits, add the contract, see it ready."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import pdfs, support
from tests.integration import live

pytestmark = pytest.mark.e2e


def test_client_uploads_a_fine_and_completes_its_contract(app: Any, world: Any, browser: Any, tmp_path: Path) -> None:
    letter = tmp_path / "boete.pdf"
    letter.write_bytes(pdfs.text_pdf(pdfs.LETTER))  # plate 1ABC123, offence 28/10/2026 14:35
    with live.thread_server(app) as base:
        page = browser.new_page(locale="en-GB")
        page.goto(base + "/login")
        page.fill("input[name=email]", world.user_a)
        page.fill("input[name=password]", support.PASSWORD)
        page.click("button[type=submit]")
        page.click("nav.mainnav >> text=Fines")
        page.click("text=Upload PDFs")
        page.set_input_files("input[name=files]", str(letter))
        page.click("main button[type=submit]")
        page.wait_for_selector("text=Workflow")
        main = page.inner_text("main")
        assert "waiting_info" in main and "No lease contract for plate 1-ABC-123 on 2026-10-28" in main

        page.click("nav.mainnav >> text=Contracts")
        page.click("text=New contract")
        page.fill("input[name=contract_number]", "AL-77")
        page.fill("input[name=plate]", "1-abc-123")
        page.fill("input[name=driver_name]", "Marie Dubois")
        page.fill("textarea[name=driver_address]", "Rue Haute 5, 1000 Bruxelles")
        page.fill("input[name=start_date]", "2026-01-01")
        page.select_option("select[name=instruction]", "redirect")
        page.click("main button[type=submit]")
        page.wait_for_selector("text=Contract AL-77 saved.")

        page.click("nav.mainnav >> text=Fines")
        page.click("table >> a >> nth=0")
        page.wait_for_selector("text=Workflow")
        main = page.inner_text("main")
        assert "ready" in main and "AL-77" in main and "2026-11-17" in main  # designation due: letter + 15 days
        page.screenshot(path=str(tmp_path / "fine-ready.png"), full_page=True)
        page.click("nav.mainnav >> text=Fines")
        page.click("text=Overview")
        assert "cut-off" in page.inner_text("main")
