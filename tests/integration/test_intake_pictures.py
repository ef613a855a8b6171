"""Fines that arrive as pictures: a phone's photo by mail or upload, a scanner's TIFF, read with the real
tesseract in the real PDF worker, kept as a PDF made of them with the picture beside it."""
from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests import degrade, support
from tests.integration.test_intake import READ_STATES, _ingest, mail

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fines"
NAME = "gent_parkeren_zin"


@cache
def photo() -> tuple[bytes, dict[str, Any]]:
    """A phone's photo (JPEG) of a fixture letter, and the letter's truth."""
    support.require_binary("tesseract")
    support.require("a Debian font", degrade.font_path() is not None, "fonts-liberation or fonts-dejavu-core")
    page = degrade.page_from_text((FIXTURES / f"{NAME}.txt").read_text(encoding="utf-8"))
    copy = degrade.degrade(page, "photo", f"fixture-{NAME}")
    return copy.data, json.loads((FIXTURES / f"{NAME}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sandbox() -> Any:
    from fines.intake.sandbox import PdfSandbox

    with PdfSandbox(timeout=60, memory_mb=1536) as box:
        yield box


def test_photo_by_mail_becomes_a_fine_read_through_its_pdf_with_the_photo_kept(app: Any, world: Any,
                                                                               sandbox: Any) -> None:
    from app.extensions import db
    from fines.models import Fine

    data, truth = photo()
    summary, _ = _ingest(app, mail(attachments=[("IMG_2041.jpg", data, "image/jpeg")]), sandbox)
    assert summary["status"] == "processed" and summary["refusals"] == []
    [(fine_id, state, _code, _dup)] = summary["fines"]
    assert state in READ_STATES
    with app.app_context():
        fine = db.session.get(Fine, fine_id)
        assert fine is not None and fine.filename == "IMG_2041.jpg"
        assert (fine.plate, fine.notice_number, fine.amount_cents) == (
            truth["plate"], truth["notice_number"], truth["amount_cents"])
        root = Path(app.config["DATA_DIR"])
        assert fine.pdf_path.endswith(".pdf") and (root / fine.pdf_path).read_bytes().startswith(b"%PDF-")
        assert fine.original_path is not None and fine.original_path.endswith(".jpg")
        assert (root / fine.original_path).read_bytes() == data
        assert fine.ocr_pages == fine.pages == 1


def test_a_signature_logo_is_left_alone_and_a_picture_that_is_no_letter_is_quarantined(app: Any, world: Any,
                                                                                       sandbox: Any) -> None:
    from email.message import EmailMessage

    logo, blank = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (120, 40), (10, 60, 160)).save(logo, format="PNG")
    Image.new("L", (1240, 1754), 255).save(blank, format="PNG", dpi=(150, 150))
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "fleet@alpha.test", "alpha@fines.fleetdesk.test", "boete"
    msg["Message-ID"] = "<pictures@client.test>"
    msg.set_content("\n")
    msg.add_related(logo.getvalue(), maintype="image", subtype="png", cid="<logo@client.test>")
    msg.add_attachment(blank.getvalue(), maintype="image", subtype="png", filename="scan.png")
    summary, result = _ingest(app, msg.as_bytes(), sandbox)
    assert result.pdfs == 1  # the scan, not the logo
    [(_, state, code, _)] = summary["fines"]
    assert (state, code) == ("quarantined", "no_text")
    assert [refusal["code"] for refusal in summary["refusals"]] == ["no_text"]


def test_fines_parse_reads_a_photo_as_it_reads_a_pdf(app: Any, tmp_path: Path) -> None:
    data, truth = photo()
    path = tmp_path / "IMG_2041.jpg"
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["fines", "parse", str(path), "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert (record["plate"], record["notice_number"], record["amount_cents"]) == (
        truth["plate"], truth["notice_number"], truth["amount_cents"])


@pytest.mark.parametrize("turn", [Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180])
def test_a_photo_taken_turned_is_kept_upright_in_its_pdf(sandbox: Any, turn: Image.Transpose) -> None:
    import pypdfium2 as pdfium

    from fines.intake import imageprep

    data, truth = photo()
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).transpose(turn).save(out, format="JPEG", quality=80)  # no EXIF orientation
    outcome = sandbox.parse(out.getvalue(), "IMG_2042.jpg")
    assert outcome.ok and outcome.document is not None
    assert outcome.fields["plate"] == truth["plate"]
    document = pdfium.PdfDocument(outcome.document)
    try:
        page = document[0]
        picture = page.render(scale=100 / 72, grayscale=True).to_pil().convert("L")
        page.close()
    finally:
        document.close()
    import numpy as np

    measures = imageprep.analyse(np.asarray(picture, dtype=np.uint8), 100.0).measures
    assert picture.height > picture.width
    assert measures.turn == 0 and measures.orientation_sure
