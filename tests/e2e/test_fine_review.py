"""An agent reviews a doubtful fine in Chromium: the PDF beside the form, the correction saved."""
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


def test_agent_corrects_a_fine_from_the_review_queue(app: Any, world: Any, browser: Any, tmp_path: Path) -> None:
    from app.extensions import db
    from app.models import Client
    from app.services import Actor
    from fines import jobs, services
    from fines.demo import text_pdf
    from fines.models import Fine

    with app.app_context():
        with jobs.sandbox_for(app.config) as sandbox:
            result = services.ingest_files([("brief.pdf", text_pdf(BAD_REFERENCE))],
                                           client=db.session.get(Client, world.client_a), actor=Actor("test"),
                                           source="upload", settings=services.IntakeSettings.from_config(app.config),
                                           sandbox=sandbox)
        db.session.commit()
        fine_id = result.fines[0].id
        assert result.fines[0].state == "review"

    with live.thread_server(app) as base:
        page = support.browser_login(browser, base, world.agent)
        page.goto(base + "/fines/queue")
        page.click(f"a[href='/fines/{fine_id}']")
        page.wait_for_selector(".pages img")
        image = page.locator(".pages img").first
        for _ in range(50):
            if image.evaluate("img => img.complete && img.naturalWidth"):
                break
            page.wait_for_timeout(100)
        assert image.evaluate("img => img.naturalWidth") > 500  # the page, rendered in the sandbox
        assert "mod-97" in page.inner_text("main")
        page.fill("input[name=payment_reference]", "123456789002")
        page.fill("textarea[name=note]", "reference misprinted on the letter")
        page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
        page.click("text=Save correction")
        page.wait_for_selector(".flash")
        assert f"Fine {fine_id} corrected." in page.inner_text(".flash")

    with app.app_context():
        fine = db.session.get(Fine, fine_id)
        assert fine.payment_reference == "123456789002"
        # Read now, so matched at once: Alpha has no contract for the plate, so it waits for one.
        assert fine.state == "waiting_info" and "No lease contract" in (fine.match_reason or "")
