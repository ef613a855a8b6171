"""PDF text reading against real pdfium/pdfplumber and the real tesseract binary.

The PDFs are built here: a text PDF with fpdf2 (a test-only dependency), an image-only "scan" made
by rendering that PDF and wrapping the picture in a PDF with Pillow, an encrypted PDF, garbage.
"""
from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF

from fines.intake.extraction import extract_fields
from fines.intake.pdftext import DocumentText, PageText, PdfProblem, extract_text, sniff_pdf
from tests.support import require_binary

LETTER = [
    "FEDERALE OVERHEIDSDIENST JUSTITIE",
    "Parket van de procureur des Konings",
    "Postbus 1200, 1000 Brussel",
    "MobiCar Lease BV",
    "Noorderlaan 133, 2030 Antwerpen",
    "Datum: 23/03/2026",
    "VOORSTEL TOT ONMIDDELLIJKE INNING",
    "Kenmerk: AN.77.L1.811509/2026",
    "Nummerplaat: 2-FEJ-436",
    "Datum van de overtreding: 14/03/2026",
    "Uur: 15u50",
    "Te betalen bedrag: EUR 234,00",
    "Gestructureerde mededeling: +++614/2626/87222+++",
    "Uiterste betaaldatum: 22/05/2026",
]


def text_pdf(lines: list[str], *, pages: int = 1, password: str | None = None) -> bytes:
    pdf = FPDF(format="A4")
    if password:
        pdf.set_encryption(owner_password="owner-" + password, user_password=password)
    for _ in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def scanned_pdf(lines: list[str], dpi: int = 200) -> bytes:
    """Render a text PDF to a grey picture and wrap it, image only, in a PDF (like a scanner)."""
    document = pdfium.PdfDocument(text_pdf(lines))
    try:
        image = document[0].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=dpi)
    return out.getvalue()


def test_sniff_pdf_recognises_pdf_bytes() -> None:
    assert sniff_pdf(text_pdf(LETTER))
    assert sniff_pdf(b"\xef\xbb\xbf junk before %PDF-1.7")
    assert not sniff_pdf(b"PK\x03\x04 a zip file")
    assert not sniff_pdf(b" " * 2000 + b"%PDF-1.4")


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_text_pdf_is_read_from_its_text_layer(engine: str) -> None:
    document = extract_text(text_pdf(LETTER, pages=2), text_engine=engine)  # type: ignore[arg-type]
    assert isinstance(document, DocumentText)
    assert [page.number for page in document.pages] == [1, 2]
    assert all(isinstance(page, PageText) and page.source == "text" for page in document.pages)
    assert document.ocr_pages == 0
    assert "Kenmerk: AN.77.L1.811509/2026" in document.pages[0].text
    assert document.text.count("VOORSTEL TOT ONMIDDELLIJKE INNING") == 2


def test_text_pdf_fields_survive_the_round_trip() -> None:
    result = extract_fields(extract_text(text_pdf(LETTER)).text)
    assert (result.notice_number, result.plate, result.amount_cents, result.payment_reference) == (
        "AN.77.L1.811509/2026", "2FEJ436", 23400, "614262687222")
    assert not result.needs_review


def test_scanned_pdf_is_read_by_ocr() -> None:
    require_binary("tesseract")
    document = extract_text(scanned_pdf(LETTER))
    assert document.ocr_pages == 1 and document.pages[0].source == "ocr"
    result = extract_fields(document.text)
    assert result.kind == "immediate_collection"
    assert result.plate == "2FEJ436"
    assert result.payment_reference == "614262687222"
    assert result.amount_cents == 23400
    assert result.offence_at is not None and result.offence_at.isoformat() == "2026-03-14T15:50:00+01:00"


def test_scanned_pdf_without_ocr_has_no_text() -> None:
    with pytest.raises(PdfProblem) as caught:
        extract_text(scanned_pdf(LETTER), ocr=False)
    assert caught.value.reason_code == "no_text"


def test_missing_tesseract_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PdfProblem) as caught:
        extract_text(scanned_pdf(LETTER))
    assert caught.value.reason_code == "ocr_unavailable"


def test_blank_scan_has_no_text() -> None:
    require_binary("tesseract")
    with pytest.raises(PdfProblem) as caught:
        extract_text(scanned_pdf([" "]))
    assert caught.value.reason_code == "no_text"


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_encrypted_pdf_is_refused(engine: str) -> None:
    with pytest.raises(PdfProblem) as caught:
        extract_text(text_pdf(LETTER, password="secret"), text_engine=engine)  # type: ignore[arg-type]
    assert caught.value.reason_code == "encrypted"


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n" + bytes(range(256)) * 20,
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
    b"this is not a pdf at all",
    b"",
])
def test_garbage_is_unreadable(data: bytes) -> None:
    with pytest.raises(PdfProblem) as caught:
        extract_text(data)
    assert caught.value.reason_code == "unreadable"
    assert re.match(r"unreadable: ", str(caught.value))
