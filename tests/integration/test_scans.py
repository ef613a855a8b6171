"""Fines as they really arrive, read by the real tesseract: an office scan, a fax, a phone shot and a
photo of a fixture letter (made by ``tests.degrade``), and the second reading of a doubtful page."""
from __future__ import annotations

import io
import json
import os
import time
from functools import cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from fines.intake import imageprep, pdftext, pdfworker
from fines.intake.extraction import extract_fields
from fines.intake.images import image_to_pdf
from fines.intake.judge import judge_fields
from fines.intake.ocr import Tesseract
from tests import degrade, support

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fines"
NAME = "onmiddellijke_inning_oud_plaatje"


@cache
def letter() -> tuple[degrade.Grey, dict[str, object]]:
    support.require_binary("tesseract")
    support.require("a Debian font", degrade.font_path() is not None, "fonts-liberation or fonts-dejavu-core")
    truth = json.loads((FIXTURES / f"{NAME}.json").read_text(encoding="utf-8"))
    return degrade.page_from_text((FIXTURES / f"{NAME}.txt").read_text(encoding="utf-8")), truth


@pytest.mark.parametrize("kind", degrade.KINDS)
def test_degraded_copy_of_a_letter_reads_its_notice_number_plate_and_amount(kind: degrade.Kind) -> None:
    page, truth = letter()
    copy = degrade.degrade(page, kind, f"fixture-{NAME}")
    data = image_to_pdf(copy.data) if kind == "photo" else copy.data
    document = pdftext.extract_text(data, judge=judge_fields)
    fields = extract_fields(document.text)
    assert document.ocr_pages == 1
    assert (fields.notice_number, fields.plate, fields.amount_cents) == (
        truth["notice_number"], truth["plate"], truth["amount_cents"])


def first_reading(analysis: imageprep.Analysis) -> tuple[Tesseract, pdftext._Scan]:
    tesseract = Tesseract.find("nld+fra+deu", 60.0)
    assert tesseract is not None
    prepared = imageprep.prepare(analysis)
    return tesseract, pdftext._Scan(0, analysis, prepared, tesseract.read(prepared))


def test_garbled_page_is_read_again_turned_over_and_the_better_judged_reading_kept() -> None:
    page, truth = letter()
    # As if the orientation had been measured wrong: the first reading is upside down.
    tesseract, scan = first_reading(imageprep.turned_over(imageprep.analyse(degrade._resize(page, 200), 200)))
    assert scan.reading.confidence < pdftext.GARBLED_PAGE
    pages = pdftext._second_readings([scan.page], [scan], tesseract, judge_fields, time.monotonic() + 30)
    fields = extract_fields(pages[0].text)
    assert "turned over" in pages[0].preparation
    assert (fields.notice_number, fields.plate, fields.amount_cents) == (
        truth["notice_number"], truth["plate"], truth["amount_cents"])


def test_second_readings_are_kept_only_when_judged_better_and_stop_at_their_budget() -> None:
    page, _ = letter()
    fax = pdfium.PdfDocument(degrade.degrade(page, "fax", f"fixture-{NAME}").data)
    rendered = pdftext._render_grey(fax, 0, 300)
    assert rendered is not None
    tesseract, scan = first_reading(imageprep.analyse(*rendered))
    first_text = scan.page.text
    judged: list[str] = []

    def judge(text: str) -> pdftext.Judgement:
        """Doubtful about everything, but less about the first reading than any other."""
        judged.append(text)
        return pdftext.Judgement(1 if text == first_text else 2, 10.0, "nld")

    pages = pdftext._second_readings([scan.page], [scan], tesseract, judge, time.monotonic() + 30)
    assert pages[0].text == first_text
    assert len(judged) == 1 + pdftext.MAX_SECOND_READINGS
    assert any(text != first_text for text in judged[1:])


def mixed_document(scan: bytes) -> bytes:
    """A covering page with a text layer (that is no fine) followed by a scanned page."""
    from fpdf import FPDF

    cover = FPDF(format="A4")
    cover.add_page()
    cover.set_font("Helvetica", size=12)
    cover.cell(0, 8, "Bijlage: het voorstel dat wij ontvingen staat op de volgende bladzijde.")
    document = pdfium.PdfDocument(bytes(cover.output()))
    try:
        document.import_pages(pdfium.PdfDocument(scan))
        out = io.BytesIO()
        document.save(out)
    finally:
        document.close()
    return out.getvalue()


def counting_tesseract(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a ``tesseract`` first on PATH that notes each start in a log, then runs the real one."""
    real = support.require_binary("tesseract")
    log = folder / "starts.log"
    wrapper = folder / "tesseract"
    wrapper.write_text(f'#!/bin/sh\necho started >> "{log}"\nexec "{real}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return log


def test_a_scanned_page_of_a_mixed_document_is_read_by_ocr_once(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _, truth = letter()
    # The letter without its due date: a field is missing, so the worker looks at the text layer again.
    text = (FIXTURES / f"{NAME}.txt").read_text(encoding="utf-8")
    page = degrade.page_from_text("\n".join(line for line in text.split("\n") if "betaaldatum" not in line))
    data = mixed_document(degrade.degrade(page, "office", f"fixture-{NAME}").data)
    log = counting_tesseract(tmp_path, monkeypatch)
    # No second readings: one tesseract start per scanned page, whatever the worker does after.
    reply = pdfworker.handle({"filename": "mixed.pdf", "ocr": True, "reread_seconds": 0}, data)
    assert reply["ok"] and (reply["pages"], reply["ocr_pages"]) == (2, 1)
    assert reply["needs_review"]  # so the worker's pdfplumber second pass over the text layer ran
    assert log.read_text(encoding="utf-8").count("started") == 1
    assert reply["fields"]["notice_number"] == truth["notice_number"]


def test_the_text_layer_read_again_keeps_the_ocr_pages_as_read() -> None:
    page, _ = letter()
    data = mixed_document(degrade.degrade(page, "office", f"fixture-{NAME}").data)
    ocr_page = pdftext.PageText(2, "as read by OCR, second reading kept", "ocr", 91.0, ("deskew +1.0",))
    first = pdftext.DocumentText((pdftext.PageText(1, "", "text"), ocr_page))
    again = pdftext.reread_text_layer(data, first, text_engine="pdfplumber")
    assert again.pages[1] is ocr_page
    assert again.pages[0].source == "text" and "Bijlage" in again.pages[0].text


def test_no_second_reading_is_tried_when_the_cpu_budget_leaves_no_room_for_it() -> None:
    page, _ = letter()
    fax = pdfium.PdfDocument(degrade.degrade(page, "fax", f"fixture-{NAME}").data)
    rendered = pdftext._render_grey(fax, 0, 300)
    assert rendered is not None
    tesseract, scan = first_reading(imageprep.analyse(*rendered))
    scan.cost = 1.0
    judged: list[str] = []

    def judge(text: str) -> pdftext.Judgement:
        judged.append(text)
        return pdftext.Judgement(3, 1.0, "nld")  # doubtful, so a second reading would be wanted

    spent = pdftext.cpu_seconds()
    pages = pdftext._second_readings([scan.page], [scan], tesseract, judge, time.monotonic() + 30,
                                     pdftext._Budget(spent, 0.0))
    assert pages[0].text == scan.page.text and len(judged) == 1
    assert pdftext._estimate(scan, "lines") > 0 and pdftext._estimate(scan, "larger") > scan.cost
