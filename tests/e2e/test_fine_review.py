"""An agent reviews a doubtful fine in Chromium: the page image beside the form, the correction saved."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import support
from tests.integration import live

pytestmark = pytest.mark.e2e

BAD_REFERENCE = ["SERVICE PUBLIC FEDERAL JUSTICE", "Parquet du procureur du Roi", "Alpha Lease NV", "Date: 05/11/2026",
                 "PERCEPTION IMMEDIATE", "Référence: AN.44.L1.654321/2026", "Plaque d'immatriculation: 2DEF456",
                 "Date de l'infraction: 30/10/2026", "Heure: 08h12", "Montant à payer: EUR 116,00",
                 "Communication structurée: +++123/4567/89012+++", "Date limite de paiement: 05/12/2026"]


def _doubtful_fine(app: Any, world: Any) -> int:
    from app.extensions import db
    from app.models import Client
    from app.services import Actor
    from fines import jobs
    from fines.demo import text_pdf
    from fines.intake import services

    with app.app_context():
        with jobs.sandbox_for(app.config) as sandbox:
            result = services.ingest_files([("brief.pdf", text_pdf(BAD_REFERENCE))],
                                           client=db.session.get(Client, world.client_a), actor=Actor("test"),
                                           source="upload", settings=services.IntakeSettings.from_config(app.config),
                                           sandbox=sandbox)
        db.session.commit()
        assert result.fines[0].state == "review"
        return int(result.fines[0].id)


def _open_from_queue(page: Any, base: str, fine_id: int) -> None:
    page.goto(base + "/fines/queue")
    row = page.locator("tr", has=page.locator(f"a[href='/fines/{fine_id}']"))
    assert "ALPHA" in row.inner_text() and "Alpha Lease NV" in row.inner_text()  # whose fine it is
    row.locator(f"a[href='/fines/{fine_id}']").click()
    page.wait_for_selector(".pages img")
    page.wait_for_function(
        "() => { const i = document.querySelector('.pages img'); return i.complete && i.naturalWidth > 0; }")


def test_agent_corrects_a_fine_from_the_review_queue(app: Any, world: Any, browser: Any, tmp_path: Path,
                                                     clock: Any) -> None:
    from app.extensions import db
    from fines.models import Fine

    fine_id = _doubtful_fine(app, world)
    with live.thread_server(app) as base:
        page = support.browser_login(browser, base, world.agent)
        _open_from_queue(page, base, fine_id)
        assert page.locator(".pages img").first.evaluate("img => img.naturalWidth") > 500  # rendered in the sandbox
        assert "the structured reference's check digits fail (mod 97)" in page.inner_text("main")
        assert page.input_value("input[name=amount]") == "116.00"  # in euros, not cents
        page.fill("input[name=payment_reference]", "123456789002")
        page.fill("input[name=amount]", "116,50")
        page.fill("textarea[name=note]", "reference misprinted on the letter")
        page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
        page.click("text=Save correction")
        page.wait_for_selector(".flash")
        assert f"Fine {fine_id} corrected." in page.inner_text(".flash")

    with app.app_context():
        fine = db.session.get(Fine, fine_id)
        assert (fine.payment_reference, fine.amount_cents) == ("123456789002", 11650)
        # Read now, so matched at once: Alpha has no contract for the plate, so it waits for one.
        assert (fine.state, fine.match_reason_code) == ("waiting_info", "no_contract")


def test_agent_keeps_a_reference_as_printed_after_confirming_the_failed_check(
        app: Any, world: Any, browser: Any, tmp_path: Path, clock: Any) -> None:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import AuditEntry
    from fines.models import Fine

    fine_id = _doubtful_fine(app, world)
    with live.thread_server(app) as base:
        page = support.browser_login(browser, base, world.agent)
        page.set_viewport_size({"width": 1366, "height": 800})
        _open_from_queue(page, base, fine_id)
        assert page.locator("input[name=keep_reference]").count() == 1  # the stored reference fails already
        page.fill("textarea[name=note]", "printed like this on the letter")
        page.click("text=Save correction")
        summary = page.locator(".error-summary")
        summary.wait_for()
        box = summary.bounding_box()
        assert box is not None and box["y"] < 800  # at the top, without scrolling
        summary.locator("a[href='#payment_reference']").click()
        assert page.evaluate("document.activeElement.name") == "payment_reference"
        page.check("input[name=keep_reference]")
        page.click("text=Save correction")
        page.wait_for_selector(f".flash:has-text('Fine {fine_id} corrected.')")
        page.goto(f"{base}/fines/{fine_id}")
        page.wait_for_selector("text=Workflow")
    with app.app_context():
        fine = db.session.get(Fine, fine_id)
        assert fine.payment_reference == "123456789012"
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "fine.corrected"))
        assert entry.details["reference_kept_as_printed"] is True


@pytest.mark.parametrize("width", [1366, 390])
def test_the_page_image_stays_beside_the_fields_at_1366_and_stacks_at_390(
        app: Any, world: Any, browser: Any, width: int) -> None:
    fine_id = _doubtful_fine(app, world)
    with live.thread_server(app) as base:
        page = support.browser_login(browser, base, world.agent)
        page.set_viewport_size({"width": width, "height": 800})
        _open_from_queue(page, base, fine_id)
        image, form = page.locator(".pages img").first, page.locator("form[action$='/review']")
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        image_box, form_box = image.bounding_box(), form.bounding_box()
        assert image_box is not None and form_box is not None
        if width == 1366:
            assert image_box["x"] + image_box["width"] <= form_box["x"]  # two columns
            page.locator("textarea[name=note]").scroll_into_view_if_needed()
            page.wait_for_function("() => window.scrollY > 300")
            still = image.bounding_box()
            assert still is not None and 0 <= still["y"] < 800  # sticky: still in view beside the fields
        else:
            assert image_box["y"] + image_box["height"] <= form_box["y"]  # stacked, the page first
