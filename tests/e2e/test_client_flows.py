"""A client's main flows in Chromium, with the app's clock frozen on Monday 16 November 2026.

Upload a fine, see why it waits, add or import the contract, see it ready; an agent then processes
it to the end: a designation for a redirect, a recharge line for a recharge. Every wait is on a
condition the page shows, never a fixed sleep.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from fines.demo import dutch_letter, structured_reference
from tests import pdfs, support
from tests.integration import live

pytestmark = pytest.mark.e2e


def _contract(app: Any, client_id: int, number: str, plate: str, instruction: str) -> None:
    from app.extensions import db
    from app.fleet.models import Contract

    with app.app_context():
        db.session.add(Contract(client_id=client_id, contract_number=number, plate=plate, plate_country="BE",
                                driver_name="Marie Dubois", driver_address="Rue Haute 5, 1000 Bruxelles",
                                driver_email="marie.dubois@example.be", start_date=date(2026, 1, 1),
                                instruction=instruction))
        db.session.commit()


def _fine_state(app: Any, fine_id: int) -> tuple[str, str | None]:
    from app.extensions import db
    from fines.models import Fine

    with app.app_context():
        fine = db.session.get(Fine, fine_id)
        return fine.state, fine.contract.contract_number if fine.contract else None


def _fine_id(url: str) -> int:
    found = re.search(r"/fines/(\d+)$", url)
    assert found, url
    return int(found.group(1))


def test_client_uploads_a_fine_and_completes_its_contract(app: Any, world: Any, browser: Any, tmp_path: Path,
                                                          clock: Any) -> None:
    letter = tmp_path / "boete.pdf"
    letter.write_bytes(pdfs.text_pdf(pdfs.LETTER))  # plate 1ABC123, offence 28/10/2026 14:35, letter 02/11/2026
    with live.thread_server(app) as base:
        page = support.browser_login(browser, base, world.user_a)
        page.click("nav.mainnav >> text=Fines")
        page.click("text=Upload fines")
        page.set_input_files("input[name=files]", str(letter))
        page.click("main button[type=submit]")
        # Answered at once ("being read"); the page shows the fine again once the background reader is done.
        page.wait_for_selector("main .badge.state-waiting_info")
        main = page.inner_text("main")
        assert "waiting for information" in main and "No lease contract for plate 1-ABC-123 on 28 October 2026" in main

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
        page.wait_for_url("**/fines/")  # not the contracts page's table, still shown while the list loads
        page.click("table tbody >> a >> nth=0")  # the newest fine (the header holds the sort links)
        page.wait_for_selector("text=Workflow")
        main = page.inner_text("main")
        # Designation due: letter + 15 days; the cut-off 5 workdays before (11 November is a holiday).
        assert "ready" in main and "AL-77" in main and "17 November 2026" in main and "9 November 2026" in main
        assert "2026-11-17" not in main
        page.screenshot(path=str(tmp_path / "fine-ready.png"), full_page=True)
        page.click("nav.mainnav >> text=Fines")
        page.click("text=Fines overview")
        assert "cut-off" in page.inner_text("main")


@pytest.mark.parametrize(("instruction", "outcome"), [("redirect", "redirected"), ("recharge", "recharged")])
def test_a_fine_goes_from_upload_to_processed_under_its_contracts_instruction(
        app: Any, world: Any, browser: Any, tmp_path: Path, clock: Any, instruction: str, outcome: str) -> None:
    """The contract exists; the client uploads the letter (in time), an agent processes it from the worklist."""
    from fines.intake.pdftext import extract_text

    _contract(app, world.client_a, "AL-500", "1ABC123", instruction)
    letter = tmp_path / "boete.pdf"
    letter.write_bytes(pdfs.text_pdf(dutch_letter(
        addressee="Alpha Lease NV", notice="AN.77.L3.500001/2026", plate="1ABC123", letter=date(2026, 11, 12),
        due=date(2026, 12, 14), amount="58,00", reference=structured_reference(1234567))))
    with live.thread_server(app) as base:
        page = support.browser_login(browser, base, world.user_a)
        page.goto(base + "/fines/upload")
        page.set_input_files("input[name=files]", str(letter))
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(r".*/fines/\d+$"))
        fine_id = _fine_id(page.url)
        page.wait_for_selector("main .badge.state-ready")
        main = page.inner_text("main")
        assert "AL-500" in main and "€58.00" in main and "cut-off" in main
        assert "Addressed to another company" not in main
        assert _fine_state(app, fine_id) == ("ready", "AL-500")

        agent = support.browser_login(browser, base, world.agent)
        agent.goto(base + "/fines/worklist")
        row = agent.locator("tr", has=agent.locator(f"a[href='/fines/{fine_id}']"))
        assert "ALPHA" in row.inner_text() and "Alpha Lease NV" in row.inner_text()  # whose fine it is
        row.locator(f"a[href='/fines/{fine_id}']").click()
        agent.click("main button:has-text('Process')")
        agent.wait_for_selector("main .badge.state-processed")
        assert f"Fine {fine_id} {outcome}." in agent.inner_text("main")
        main = agent.inner_text("main")
        assert "no liability" in main  # delivered and processed in time
        assert _fine_state(app, fine_id) == ("processed", "AL-500")

        if instruction == "redirect":
            with agent.expect_download() as download:
                agent.click("main a:has-text('Designation (PDF)')")
            body = Path(download.value.path()).read_bytes()
            assert body.startswith(b"%PDF")
            text = extract_text(body).text
            assert "Marie Dubois" in text and "AN.77.L3.500001/2026" in text
        else:
            agent.goto(base + "/fines/overview")
            with agent.expect_download() as download:
                agent.click("main a[href*='recharges.csv']")
            lines = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
            assert [(r["fine_id"], r["contract_number"], r["lessee"], r["amount"], r["notice_number"])
                    for r in lines] == [(str(fine_id), "AL-500", "Marie Dubois", "58.00", "AN.77.L3.500001/2026")]


GOOD_CSV = """contract_number;plate;driver;start_date;end_date;instruction;driver_address
AL-1;1-ABC-123;Marie Dubois;2026-01-01;;verleggen;Rue Haute 5, 1000 Bruxelles
"""
BAD_CSV = GOOD_CSV + "AL-2;2-DEF-456;Jan Peeters;2026-13-01;;redirect;Kerkstraat 1, 9000 Gent\n"


def test_dutch_client_imports_contracts_and_the_agent_processes_the_fine(app: Any, world: Any, browser: Any,
                                                                        tmp_path: Path, clock: Any) -> None:
    """In Dutch: a refused CSV (line and reason, nothing written), the fixed one matches the waiting
    fine, the client exports its contracts; an agent then processes the fine and takes the designation."""
    from app.extensions import db
    from app.models import User
    from fines.models import FineEvent

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
        fine_id = _fine_id(fine_url)
        page.wait_for_selector("main .badge.state-waiting_info")  # read in the background, then shown
        waiting = page.inner_text("main")
        assert "wacht op informatie" in waiting
        assert "Geen leasingcontract voor nummerplaat 1-ABC-123 op 28 oktober 2026" in waiting
        assert "onmiddellijke inning" in waiting and "€ 58,00" in waiting.replace("\u00a0", " ")
        assert _fine_state(app, fine_id) == ("waiting_info", None)

        page.goto(base + "/contracts/import")
        page.set_input_files("input[name=file]", str(bad))
        page.click("main button[type=submit]")
        page.wait_for_selector("main table tbody td")
        assert "niets" in page.inner_text("main").lower()
        assert "3" in page.inner_text("main table tbody td >> nth=0")  # the line of the bad date
        page.goto(base + "/contracts/")
        assert "AL-1" not in page.inner_text("main")  # all or nothing
        assert _fine_state(app, fine_id) == ("waiting_info", None)  # still blocked

        page.goto(base + "/contracts/import")
        page.set_input_files("input[name=file]", str(good))
        page.click("main button[type=submit]")
        page.wait_for_selector("main .import-result")
        result = page.inner_text("main .import-result")  # the import names the fine it matched
        assert "1 boete gekoppeld en volledig" in result and f"Boete {fine_id}" in result and "AL-1" in result
        page.goto(base + "/contracts/")
        assert "verleggen" in page.inner_text("main")
        with page.expect_download() as download:
            page.click("a[href$='export.csv']")
        exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "AL-1" in exported and "1ABC123" in exported.replace("-", "")
        # The import unblocked the waiting fine: matched to AL-1 and complete, with its steps recorded.
        assert _fine_state(app, fine_id) == ("ready", "AL-1")
        with app.app_context():
            steps = [(e.from_state, e.to_state) for e in db.session.scalars(
                sa.select(FineEvent).where(FineEvent.fine_id == fine_id).order_by(FineEvent.id))]
        assert steps[-2:] == [("waiting_info", "matched"), ("matched", "ready")]

        page.goto(fine_url)
        page.wait_for_selector("main .badge.state-ready")
        main = page.inner_text("main")
        assert "klaar" in main and "AL-1" in main and "17 november 2026" in main  # designation due: letter + 15 days
        # Uploaded on 16 November, after its cut-off of 9 November: not delivered in time.
        assert "gegevens volledig" in main and "Tijdig aangeleverd\nnee" in main and "aanleverdatum verstreken" in main
        assert "Geen leasingcontract" not in main.split("Geschiedenis")[0]  # no longer waiting for anything
        page.screenshot(path=str(tmp_path / "fine-ready-nl.png"), full_page=True)

        agent = support.browser_login(browser, base, world.agent)
        agent.goto(fine_url)
        agent.click("main button:has-text('Process')")
        agent.wait_for_selector("main .badge.state-processed")
        assert f"Fine {fine_id} redirected." in agent.inner_text("main")
        assert "no liability" in agent.inner_text("main")  # processed before the designation deadline
        designation = agent.request.get(fine_url + "/designation.pdf")
        assert designation.status == 200 and designation.body().startswith(b"%PDF")
        assert designation.headers["content-type"] == "application/pdf"
