"""Unblocking a fine in one step, in Chromium: the client opens a fine waiting for a contract, clicks
"Add the contract for this plate", finds the form prefilled, saves, and is back on the fine, matched.
The app's clock is frozen on Monday 16 November 2026; every wait is on a condition the page shows."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import pdfs, support
from tests.integration import live

pytestmark = pytest.mark.e2e


def _fine(app: Any, fine_id: int) -> tuple[str, str | None]:
    from app.extensions import db
    from fines.models import Fine

    with app.app_context():
        fine = db.session.get(Fine, fine_id)
        return fine.state, fine.contract.contract_number if fine.contract else None


@pytest.mark.parametrize(("locale", "add", "matched"), [
    ("en-GB", "Add the contract for this plate", "is matched to contract AL-88: ready."),
    ("fr-BE", "Ajouter le contrat de cette plaque", "est liée au contrat AL-88\u00a0: prête."),
])
def test_client_adds_the_contract_from_the_waiting_fine_and_sees_it_matched(
        app: Any, world: Any, browser: Any, tmp_path: Path, clock: Any, locale: str, add: str, matched: str) -> None:
    letter = tmp_path / "boete.pdf"
    letter.write_bytes(pdfs.text_pdf(pdfs.LETTER))  # plate 1ABC123, offence 28/10/2026 14:35, letter 02/11/2026
    with live.thread_server(app) as base:
        page = support.browser_login(browser, base, world.user_a, locale=locale)
        page.goto(base + "/fines/upload")
        page.set_input_files("input[name=files]", str(letter))
        page.click("main button[type=submit]")
        page.wait_for_selector("main .badge.state-waiting_info")  # read in the background, then shown
        fine_url = page.url
        fine_id = int(fine_url.rsplit("/", 1)[1])

        page.click(f"main a.unblock:has-text('{add}')")
        page.wait_for_selector("main input[name=contract_number]")
        assert page.input_value("input[name=plate]") == "1-ABC-123"
        assert page.input_value("select[name=plate_country]") == "BE"
        assert page.input_value("input[name=start_date]") == "2026-10-28"  # the offence day
        page.screenshot(path=str(tmp_path / f"prefilled-{locale}.png"), full_page=True)
        page.fill("input[name=contract_number]", "AL-88")
        page.fill("input[name=driver_name]", "Marie Dubois")
        page.fill("textarea[name=driver_address]", "Rue Haute 5, 1000 Bruxelles")
        page.select_option("select[name=instruction]", "redirect")
        page.click("main form button[type=submit]")

        page.wait_for_url(fine_url)
        page.wait_for_selector("main .badge.state-ready")
        flashes = page.inner_text(".flashes")
        assert matched in flashes
        assert page.locator("main a.unblock").count() == 0
        assert _fine(app, fine_id) == ("ready", "AL-88")
        page.screenshot(path=str(tmp_path / f"matched-{locale}.png"), full_page=True)
