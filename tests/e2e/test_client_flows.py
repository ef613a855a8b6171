"""A client's main flows in Chromium: upload a fine, see why it waits, add the contract, see it ready."""
from __future__ import annotations

import re
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
        page = support.browser_login(browser, base, world.user_a)
        page.click("nav.mainnav >> text=Fines")
        page.click("text=Upload PDFs")
        page.set_input_files("input[name=files]", str(letter))
        page.click("main button[type=submit]")
        page.wait_for_selector("text=Workflow")
        main = page.inner_text("main")
        assert "waiting for information" in main and "No lease contract for plate 1-ABC-123 on 2026-10-28" in main

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


GOOD_CSV = """contract_number;plate;driver;start_date;end_date;instruction;driver_address
AL-1;1-ABC-123;Marie Dubois;2026-01-01;;verleggen;Rue Haute 5, 1000 Bruxelles
"""
BAD_CSV = GOOD_CSV + "AL-2;2-DEF-456;Jan Peeters;2026-13-01;;redirect;Kerkstraat 1, 9000 Gent\n"


def test_dutch_client_imports_contracts_and_the_agent_processes_the_fine(app: Any, world: Any, browser: Any,
                                                                        tmp_path: Path) -> None:
    """In Dutch: a refused CSV (line and reason, nothing written), the fixed one matches the waiting
    fine, the client exports its contracts; an agent then processes the fine and takes the designation."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == world.user_a).values(locale="nl"))
        db.session.commit()
    letter, bad, good = tmp_path / "boete.pdf", tmp_path / "fout.csv", tmp_path / "contracten.csv"
    letter.write_bytes(pdfs.text_pdf(pdfs.LETTER))  # plate 1ABC123, offence 28/10/2026, letter 02/11/2026
    bad.write_text(BAD_CSV, encoding="utf-8")
    good.write_text(GOOD_CSV, encoding="utf-8")
    with live.thread_server(app) as base:
        page = support.browser_login(browser, base, world.user_a, locale="nl-BE")
        page.goto(base + "/fines/upload")
        page.set_input_files("input[name=files]", str(letter))
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(r".*/fines/\d+$"))
        fine_url = page.url
        waiting = page.inner_text("main")
        assert "wacht op informatie" in waiting and "Geen leasecontract voor nummerplaat 1-ABC-123 op 2026-10-28" in waiting
        assert "onmiddellijke inning" in waiting and "€" in waiting  # the read-out fields, named and formatted

        page.goto(base + "/contracts/import")
        page.set_input_files("input[name=file]", str(bad))
        page.click("main button[type=submit]")
        problems = page.inner_text("main")
        assert "Er werd niets geïmporteerd" in problems or "niets" in problems.lower(), problems
        assert "3" in page.inner_text("main table tbody td >> nth=0")  # the line of the bad date
        page.goto(base + "/contracts/")
        assert "AL-1" not in page.inner_text("main")  # all or nothing

        page.goto(base + "/contracts/import")
        page.set_input_files("input[name=file]", str(good))
        page.click("main button[type=submit]")
        page.wait_for_selector("text=AL-1")
        assert "verleggen" in page.inner_text("main")
        with page.expect_download() as download:
            page.click("a[href$='export.csv']")
        exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "AL-1" in exported and "1ABC123" in exported.replace("-", "")

        page.goto(fine_url)
        main = page.inner_text("main")
        assert "klaar" in main and "AL-1" in main and "2026-11-17" in main  # designation due: letter + 15 days
        assert "gegevens volledig" in main and "de klant draagt de schade" in main  # uploaded after the cut-off
        page.screenshot(path=str(tmp_path / "fine-ready-nl.png"), full_page=True)

        agent = support.browser_login(browser, base, world.agent)
        agent.goto(fine_url)
        agent.click("main button:has-text('Process')")
        agent.wait_for_selector("text=processed")
        assert "redirected" in agent.inner_text("main") or "processed" in agent.inner_text("main")
        designation = agent.request.get(fine_url + "/designation.pdf")
        assert designation.status == 200 and designation.body().startswith(b"%PDF")
        assert designation.headers["content-type"] == "application/pdf"
