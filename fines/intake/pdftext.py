"""Read the text of a fine PDF: its text layer where it has one, OCR (tesseract) where it has not.

An adapter, not a pure module: it drives pypdfium2 / pdfplumber in-process and the ``tesseract``
binary as a child process. It keeps no global state and starts no threads, so a caller may run it
inside a child process with memory and time limits.

The text layer is read with PDFium (pypdfium2, which pdfplumber itself depends on); it gives the
same lines as pdfplumber on the sample corpus at a fraction of the cost. ``text_engine="pdfplumber"``
reads it through pdfplumber instead (its character clustering copes better with PDFs that draw
text out of reading order). A page whose text layer holds fewer than ``MIN_TEXT_CHARS`` letters or
digits counts as a scan: it is rendered at ``dpi`` and OCRed.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Literal

import pypdfium2 as pdfium

__all__ = ["DocumentText", "PageText", "PdfProblem", "ReasonCode", "extract_text", "sniff_pdf"]

ReasonCode = Literal["encrypted", "unreadable", "no_text", "ocr_unavailable", "too_many_pages"]
Source = Literal["text", "ocr", "failed"]
TextEngine = Literal["pdfium", "pdfplumber"]

#: Fewer letters/digits than this on a page means "no text layer worth reading" (a scan,
#: perhaps with a stray page number or a scanner's stamp).
MIN_TEXT_CHARS = 20
#: Page segmentation mode 4: "a single column of text of variable sizes" keeps a letter's
#: label/value lines together and in reading order (3, fully automatic, may split columns;
#: 6, a uniform block, misreads letters next to digits more often on the sample scans).
TESSERACT_PSM = "4"
#: More pages than a fine letter ever has: refused from the page count, before any page is read
#: (a page tree may list one page 200,000 times, which costs nothing to send and hours to read).
MAX_PAGES = 50
PDF_MAGIC = b"%PDF-"
SNIFF_WINDOW = 1024


class PdfProblem(Exception):
    """The PDF cannot be turned into text; ``reason_code`` says why in a machine-readable way."""

    def __init__(self, reason_code: ReasonCode, message: str) -> None:
        super().__init__(message)
        self.reason_code: ReasonCode = reason_code
        self.message = message

    def __str__(self) -> str:
        return f"{self.reason_code}: {self.message}"


@dataclass(frozen=True)
class PageText:
    """The text of one page (1-based ``number``) and where it came from (``failed``: it could not be read)."""

    number: int
    text: str
    source: Source


@dataclass(frozen=True)
class DocumentText:
    """The text of a whole document, page by page."""

    pages: tuple[PageText, ...]

    @property
    def text(self) -> str:
        """All pages, in order, separated by a form feed line break."""
        return "\n\f\n".join(page.text for page in self.pages)

    @property
    def ocr_pages(self) -> int:
        """How many pages were read by OCR."""
        return sum(1 for page in self.pages if page.source == "ocr")

    @property
    def failed_pages(self) -> tuple[int, ...]:
        """The numbers of the pages that could not be read (the others were)."""
        return tuple(page.number for page in self.pages if page.source == "failed")


def sniff_pdf(data: bytes) -> bool:
    """Tell whether ``data`` looks like a PDF (``%PDF-`` within its first 1024 bytes)."""
    return PDF_MAGIC in data[:SNIFF_WINDOW]


def extract_text(data: bytes, *, ocr: bool = True, languages: str = "nld+fra+deu", dpi: int = 300,
                 text_engine: TextEngine = "pdfium", ocr_timeout: float = 180.0,
                 max_pages: int = MAX_PAGES) -> DocumentText:
    """Return the text of every page of the PDF in ``data``, OCRing pages without a text layer.

    A page that cannot be read (its text layer or its rendering fails) is kept as a ``failed``
    page and the others are read. Raises ``PdfProblem`` with reason ``encrypted`` (a password is
    needed), ``unreadable`` (not a PDF, or too damaged to open), ``too_many_pages`` (more than
    ``max_pages``, known from the page tree before any page is read), ``ocr_unavailable`` (a page
    needs OCR and tesseract is not installed) or ``no_text`` (nothing readable, even with OCR).
    """
    if not sniff_pdf(data):
        raise PdfProblem("unreadable", "not a PDF (no %PDF- header in the first 1024 bytes)")
    document = _open(data)
    try:
        count = len(document)
        if count > max_pages:
            raise PdfProblem("too_many_pages", f"the page tree lists {count} pages; at most {max_pages} are read")
        layer = _text_layer(document, data, text_engine)
        pages: list[PageText] = []
        tesseract: str | None = None
        for index, text in enumerate(layer):
            if text is None:
                pages.append(PageText(index + 1, "", "failed"))
                continue
            if _has_text(text) or not ocr:
                pages.append(PageText(index + 1, text, "text"))
                continue
            if tesseract is None:
                tesseract = shutil.which("tesseract")
                if tesseract is None:
                    raise PdfProblem("ocr_unavailable",
                                     f"page {index + 1} has no text layer and tesseract is not installed")
            image = _render_pgm(document, index, dpi)
            if image is None:
                pages.append(PageText(index + 1, text, "failed"))
                continue
            pages.append(PageText(index + 1, _ocr(tesseract, image, languages, dpi, ocr_timeout, index + 1), "ocr"))
    finally:
        document.close()
    result = DocumentText(tuple(pages))
    if not _has_text(result.text):
        raise PdfProblem("no_text", "no readable text in the document" + ("" if ocr else " (OCR disabled)"))
    return result


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
            raise PdfProblem("encrypted", "the PDF is protected by a password") from exc
        raise PdfProblem("unreadable", f"the PDF cannot be opened: {exc}") from exc


def _text_layer(document: pdfium.PdfDocument, data: bytes, engine: TextEngine) -> list[str | None]:
    """The text layer of every page; None for a page whose text layer cannot be read."""
    if engine == "pdfplumber":
        return _text_layer_pdfplumber(data, len(document))
    texts: list[str | None] = []
    for index in range(len(document)):
        try:
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    texts.append(_clean(textpage.get_text_bounded()))
                finally:
                    textpage.close()
            finally:
                page.close()
        except (pdfium.PdfiumError, ValueError):
            texts.append(None)
    if texts and all(text is None for text in texts):
        raise PdfProblem("unreadable", "no page's text layer can be read")
    return texts


def _text_layer_pdfplumber(data: bytes, max_pages: int) -> list[str | None]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            # pdfminer walks the page tree itself (it may list more pages than PDFium counted).
            return [_clean(page.extract_text() or "") for page in pdf.pages[:max_pages]]
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise PdfProblem("encrypted", "the PDF is protected by a password") from exc
    except Exception as exc:  # pdfminer raises many unrelated types on damaged input
        cause = exc.__cause__ or exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise PdfProblem("encrypted", "the PDF is protected by a password") from exc
        raise PdfProblem("unreadable", f"the text layer cannot be read: {exc}") from exc


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _has_text(text: str) -> bool:
    return sum(1 for char in text if char.isalnum()) >= MIN_TEXT_CHARS


def _render_pgm(document: pdfium.PdfDocument, index: int, dpi: int) -> bytes | None:
    """Render one page in grey as a binary PGM (no Pillow needed, tesseract reads it); None when it cannot be.

    PDFium refuses some pages (a broken page object), and pypdfium2 raises ``ValueError: Crop
    exceeds page dimensions`` for a page whose size rounds to nothing: the page is then noted as
    failed and the document's other pages are still read.
    """
    try:
        page = document[index]
        try:
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            try:
                width, height, stride = bitmap.width, bitmap.height, bitmap.stride
                buffer = bytes(bitmap.buffer)
            finally:
                bitmap.close()
        finally:
            page.close()
    except (pdfium.PdfiumError, ValueError):
        return None
    if stride == width:
        pixels = buffer[: width * height]
    else:
        pixels = b"".join(buffer[row * stride: row * stride + width] for row in range(height))
    return b"P5\n%d %d\n255\n" % (width, height) + pixels


def _ocr(tesseract: str, image: bytes, languages: str, dpi: int, timeout: float, number: int) -> str:
    # One OpenMP thread: the caller runs one document per process under a CPU limit, and
    # tesseract's threads buy little on a single page while multiplying CPU time.
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    command = [tesseract, "stdin", "stdout", "-l", languages, "--psm", TESSERACT_PSM, "--dpi", str(dpi)]
    try:
        done = subprocess.run(command, input=image, capture_output=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise PdfProblem("no_text", f"OCR of page {number} took longer than {timeout:.0f} s") from exc
    except OSError as exc:
        raise PdfProblem("ocr_unavailable", f"tesseract cannot be started: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        if "Failed loading language" in message or "Error opening data file" in message:
            raise PdfProblem("ocr_unavailable", f"tesseract lacks language data for {languages!r}: {message}")
        raise PdfProblem("no_text", f"tesseract failed on page {number}: {message[:300]}")
    return _clean(done.stdout.decode("utf-8", "replace"))
