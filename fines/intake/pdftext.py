"""Read the text of a fine PDF: its text layer where it has one, OCR (tesseract) where it has not.

An adapter, not a pure module: it drives pypdfium2 / pdfplumber in-process and the ``tesseract``
binary as a child process. It keeps no global state and starts no threads, so a caller may run it
inside a child process with memory and time limits.

The text layer is read with PDFium (pypdfium2, which pdfplumber itself depends on); it gives the
same lines as pdfplumber on the sample corpus at a fraction of the cost. ``text_engine="pdfplumber"``
reads it through pdfplumber instead (its character clustering copes better with PDFs that draw
text out of reading order). A page whose text layer holds fewer than ``MIN_TEXT_CHARS`` letters or
digits counts as a scan: it is rendered in grey at its picture's own resolution (at most ``dpi``),
measured and prepared by ``fines.intake.imageprep`` (border cropped, light evened out, specks
removed, deskewed, turned upright, scaled to the glyph size Tesseract reads best) and OCRed.

A second reading when the first is doubtful: each OCR reading brings its words' confidences
(``fines.intake.ocr``), and a caller may pass a ``judge`` that validates the document's text (the
field checks of ``fines.intake.extraction``, ``fines.intake.judge``). When the judge finds doubts,
or a page's words are read with low confidence, the doubtful pages are read again another way
(``_second_readings``), within a budget of wall time and, when the caller sets one, of CPU time
per page (a second reading whose estimated cost would exceed it is not tried), and a reading is
kept only when the whole document is then judged better. ``reread_text_layer`` reads a
document's text layer again with the other engine and keeps its OCR pages as they were read.
"""
from __future__ import annotations

import io
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pypdfium2 as pdfium

if TYPE_CHECKING:
    from fines.intake import imageprep
    from fines.intake.imageprep import Analysis, Grey, Prepared
    from fines.intake.ocr import Reading, Tesseract

__all__ = ["DocumentText", "Judge", "Judgement", "PageText", "PdfProblem", "ReasonCode", "extract_text",
           "reread_text_layer", "sniff_pdf"]

ReasonCode = Literal["encrypted", "unreadable", "no_text", "ocr_unavailable", "too_many_pages"]
Source = Literal["text", "ocr", "failed"]
TextEngine = Literal["pdfium", "pdfplumber"]

#: Fewer letters/digits than this on a page means "no text layer worth reading" (a scan,
#: perhaps with a stray page number or a scanner's stamp).
MIN_TEXT_CHARS = 20
#: More pages than a fine letter ever has: refused from the page count, before any page is read
#: (a page tree may list one page 200,000 times, which costs nothing to send and hours to read).
MAX_PAGES = 50
#: A scanned page's picture is rendered at its own resolution, but within these bounds.
MIN_RENDER_DPI = 100
#: An OCR page whose words' mean confidence (0-100, weighted by their length) is below this is doubtful.
DOUBTFUL_PAGE = 80.0
#: Below this the page is not text as read (upside down, say): turning it is worth a try.
GARBLED_PAGE = 55.0
#: Second readings per document at most, and pages that get them (the doubtful ones, worst first).
MAX_SECOND_READINGS = 2
MAX_REREAD_PAGES = 2
#: A second reading's CPU time, estimated from the first reading's, is taken as this much more
#: (Tesseract's start and its language data cost the same for a strip as for a page).
REREAD_OVERHEAD = 1.25
#: A line cut out for a second reading takes about this many times its height on the strip read
#: (its margins and the white between lines, ``imageprep.stack_lines``).
STRIP_ROW = 2.2
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
    """The text of one page (1-based ``number``) and where it came from (``failed``: it could not be read).

    An OCR page also says how sure Tesseract was of its words (``confidence``, 0-100), how its
    picture was prepared (``preparation``: ``crop``, ``flatten``, ``despeckle``, ``deskew +1.5``, ...)
    and by how much it was turned counter-clockwise to be read upright (``turn``: 0, 90, 180, 270).
    """

    number: int
    text: str
    source: Source
    confidence: float | None = None
    preparation: tuple[str, ...] = ()
    turn: int = 0


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

    @property
    def ocr_confidence(self) -> float | None:
        """The lowest word confidence of the OCR pages (None without OCR pages)."""
        values = [page.confidence for page in self.pages if page.confidence is not None]
        return min(values) if values else None


@dataclass(frozen=True)
class Judgement:
    """How well a reading of the document validates: fewer ``doubts`` (missing fields, failed
    checks, doubtful fields) is better, then a higher ``score`` (the fields' confidence)."""

    doubts: int
    score: float = 0.0
    #: Tesseract languages the document is in (``nld``, say), when the judge can tell: a second
    #: reading in that language alone is quicker and mistakes fewer letters for another alphabet's.
    languages: str | None = None

    @property
    def settled(self) -> bool:
        """Nothing left to doubt."""
        return self.doubts == 0


#: Validates a document's text (the caller's field checks): a second reading is kept when judged better.
Judge = Callable[[str], Judgement]


def sniff_pdf(data: bytes) -> bool:
    """Tell whether ``data`` looks like a PDF (``%PDF-`` within its first 1024 bytes)."""
    return PDF_MAGIC in data[:SNIFF_WINDOW]


def extract_text(data: bytes, *, ocr: bool = True, languages: str = "nld+fra+deu", dpi: int = 300,
                 text_engine: TextEngine = "pdfium", ocr_timeout: float = 180.0,
                 max_pages: int = MAX_PAGES, judge: Judge | None = None,
                 reread_seconds: float = 30.0, cpu_per_page: float | None = None) -> DocumentText:
    """Return the text of every page of the PDF in ``data``, OCRing pages without a text layer.

    A scanned page is rendered at its picture's resolution (at most ``dpi``) and prepared as its
    measures say. When ``judge`` finds the document doubtful, or an OCR page's words were read with
    low confidence, doubtful pages are read again (``_second_readings``) for at most
    ``reread_seconds`` and ``MAX_SECOND_READINGS`` readings, and the best-judged reading is kept.
    With ``cpu_per_page``, a second reading is only tried when the CPU time it is expected to take
    (this process's and tesseract's, estimated from the first reading's) keeps the document within
    that many seconds per OCR page.

    A page that cannot be read (its text layer or its rendering fails) is kept as a ``failed``
    page and the others are read. Raises ``PdfProblem`` with reason ``encrypted`` (a password is
    needed), ``unreadable`` (not a PDF, or too damaged to open), ``too_many_pages`` (more than
    ``max_pages``, known from the page tree before any page is read), ``ocr_unavailable`` (a page
    needs OCR and tesseract is not installed) or ``no_text`` (nothing readable, even with OCR).
    """
    if not sniff_pdf(data):
        raise PdfProblem("unreadable", "not a PDF (no %PDF- header in the first 1024 bytes)")
    document = _open(data)
    scans: list[_Scan] = []
    tesseract: Tesseract | None = None
    started = cpu_seconds()
    try:
        count = len(document)
        if count > max_pages:
            raise PdfProblem("too_many_pages", f"the page tree lists {count} pages; at most {max_pages} are read")
        layer = _text_layer(document, data, text_engine)
        pages: list[PageText] = []
        for index, text in enumerate(layer):
            if text is None:
                pages.append(PageText(index + 1, "", "failed"))
                continue
            if _has_text(text) or not ocr:
                pages.append(PageText(index + 1, text, "text"))
                continue
            if tesseract is None:
                tesseract = _tesseract(languages, ocr_timeout, index + 1)
            scan = _scan(document, index, dpi, tesseract)
            pages.append(scan.page if scan is not None else PageText(index + 1, text, "failed"))
            if scan is not None and len(scans) < MAX_REREAD_PAGES * 2:  # a fine's fields are up front
                scans.append(scan)
    finally:
        document.close()
    if tesseract is not None and scans:
        budget = None if cpu_per_page is None else _Budget(started, cpu_per_page * sum(
            1 for page in pages if page.source == "ocr"))
        pages = _second_readings(pages, scans, tesseract, judge, time.monotonic() + reread_seconds, budget)
    result = DocumentText(tuple(pages))
    if not _has_text(result.text):
        raise PdfProblem("no_text", "no readable text in the document" + ("" if ocr else " (OCR disabled)"))
    return result


def cpu_seconds() -> float:
    """CPU time of this process and of the children it has waited for (tesseract), in seconds."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass(frozen=True)
class _Budget:
    """CPU seconds a document may take (``limit``), counted from ``started`` (``cpu_seconds``)."""

    started: float
    limit: float

    def allows(self, estimate: float) -> bool:
        """Whether a step expected to take ``estimate`` seconds still fits."""
        return cpu_seconds() - self.started + estimate <= self.limit


def reread_text_layer(data: bytes, document: DocumentText, *, text_engine: TextEngine = "pdfplumber",
                      max_pages: int = MAX_PAGES) -> DocumentText:
    """``document`` with its text-layer pages read again by ``text_engine``; its OCR pages are kept as read.

    For a second opinion on a document's text layer (pdfplumber orders words by their place on the
    page) without reading its scanned pages again: the OCR pages, with their second readings, are
    taken from ``document``, and a page whose text layer now reads as nothing keeps its first text.
    """
    if not any(page.source == "text" for page in document.pages):
        return document
    pdf = _open(data)
    try:
        layer = _text_layer(pdf, data, text_engine)[:max_pages]
    finally:
        pdf.close()
    pages = []
    for page in document.pages:
        text = layer[page.number - 1] if page.number <= len(layer) else None
        keep = page.source != "text" or text is None or (_has_text(page.text) and not _has_text(text))
        pages.append(page if keep else PageText(page.number, text or "", "text"))
    return DocumentText(tuple(pages))


def _tesseract(languages: str, timeout: float, number: int) -> Tesseract:
    from fines.intake.ocr import Tesseract

    found = Tesseract.find(languages, timeout)
    if found is None:
        raise PdfProblem("ocr_unavailable", f"page {number} has no text layer and tesseract is not installed")
    return found


@dataclass
class _Scan:
    """A scanned page as read so far: its analysis, the picture read and the reading kept."""

    index: int
    analysis: Analysis
    prepared: Prepared
    reading: Reading
    cost: float = 0.0          # CPU seconds its first reading took (tesseract's included)

    @property
    def page(self) -> PageText:
        return PageText(self.index + 1, self.reading.text, "ocr", self.reading.confidence, self.reading.steps,
                        self.analysis.measures.turn)


def _scan(document: pdfium.PdfDocument, index: int, dpi: int, tesseract: Tesseract) -> _Scan | None:
    """Render, measure, prepare and read one scanned page; None when it cannot be rendered."""
    from fines.intake import imageprep

    rendered = _render_grey(document, index, dpi)
    if rendered is None:
        return None
    analysis = imageprep.analyse(*rendered)
    prepared = imageprep.prepare(analysis)
    started = cpu_seconds()
    reading = _read(tesseract, prepared, index + 1)
    return _Scan(index, analysis, prepared, reading, cpu_seconds() - started)


def _read(tesseract: Tesseract, prepared: Prepared, number: int, first: Reading | None = None,
          zoom: float = 1.0, *, sauvola: bool = False) -> Reading:
    """Read a prepared page (or, given its ``first`` reading, that reading's doubtful lines again)."""
    from fines.intake.ocr import OcrFailure

    try:
        if first is None:
            return tesseract.read(prepared)
        return tesseract.reread_lines(prepared, first, zoom, sauvola=sauvola)
    except OcrFailure as failure:
        reason: ReasonCode = "ocr_unavailable" if failure.reason == "unavailable" else "no_text"
        raise PdfProblem(reason, f"page {number}: {failure.message}") from failure


@dataclass(frozen=True)
class _Verdict:
    """A reading of the whole document as judged: its rank (larger is better) and the judge's hint."""

    rank: tuple[int, float, float]
    languages: str | None

    @property
    def doubtful(self) -> bool:
        """Fields in doubt, or words read with low confidence."""
        return self.rank[0] < 0 or self.rank[2] < DOUBTFUL_PAGE


def _judged(judge: Judge | None, pages: Sequence[PageText]) -> _Verdict:
    """Rank a reading: fewer doubts first, then more field confidence, then surer words."""
    document = DocumentText(tuple(pages))
    verdict = judge(document.text) if judge is not None else Judgement(0)
    words = document.ocr_confidence
    return _Verdict((-verdict.doubts, round(verdict.score, 3), words if words is not None else 100.0),
                    verdict.languages)


#: What a second reading of a page tries, in order: its doubtful lines enlarged, the same with
#: Tesseract's Sauvola binarisation, the whole page enlarged. A garbled page is first turned over.
SECOND_READINGS = ("lines", "lines-sauvola", "larger")
LINE_ZOOM = 1.5


def _plan(measures: imageprep.Measures) -> list[str]:
    """The second readings for a page, in order: Sauvola's binarisation comes first on a rough page."""
    if measures.rough:
        return ["lines-sauvola", *(step for step in SECOND_READINGS if step != "lines-sauvola")]
    return list(SECOND_READINGS)


def _second_readings(pages: list[PageText], scans: list[_Scan], tesseract: Tesseract, judge: Judge | None,
                     deadline: float, budget: _Budget | None = None) -> list[PageText]:
    """Read doubtful pages again; keep each reading that makes the whole document judged better.

    The pages with the least sure words go first. A garbled page (its words' confidence below
    ``GARBLED_PAGE``: upside down, say) is read turned over, in every language. Otherwise, in the
    letter's language when the judge tells it (quicker, and no letters taken for another
    alphabet's): the lines with doubtful words enlarged, the same with Sauvola's binarisation
    (first on a noisy or unevenly lit page, ``_plan``), then the whole page enlarged.
    It stops as soon as nothing is doubtful, after ``MAX_SECOND_READINGS`` readings, or at
    ``deadline``; a reading the CPU ``budget`` leaves no room for (``_estimate``) is skipped.
    """
    from fines.intake import imageprep

    best = _judged(judge, pages)
    readings = 0
    for scan in sorted(scans, key=lambda scan: scan.reading.confidence)[:MAX_REREAD_PAGES]:
        plan = ["turned", *_plan(scan.analysis.measures)]
        while plan and best.doubtful and readings < MAX_SECOND_READINGS and time.monotonic() <= deadline:
            step = plan.pop(0)
            garbled = scan.reading.confidence < GARBLED_PAGE
            if (step == "turned") != garbled:
                continue
            if budget is not None and not budget.allows(_estimate(scan, step)):
                continue
            readings += 1
            reader = tesseract if garbled else tesseract.in_languages(best.languages)
            number = scan.index + 1
            if step == "turned":
                analysis = imageprep.turned_over(scan.analysis)
                prepared = imageprep.prepare(analysis)
                reading = _read(reader, prepared, number)
            elif step == "larger":
                analysis, prepared = scan.analysis, imageprep.prepare(scan.analysis, larger=True)
                reading = _read(reader, prepared, number)
            else:  # the doubtful lines again: their boxes refer to the picture already read
                analysis, prepared = scan.analysis, scan.prepared
                reading = _read(reader, prepared, number, scan.reading, LINE_ZOOM, sauvola=step == "lines-sauvola")
            candidate = _Scan(scan.index, analysis, prepared, reading)
            trial = [candidate.page if page.number == number else page for page in pages]
            verdict = _judged(judge, trial)
            if verdict.rank > best.rank:
                pages, best = trial, verdict
                scan.analysis, scan.prepared, scan.reading = analysis, prepared, reading
    return pages


def _estimate(scan: _Scan, step: str) -> float:
    """The CPU seconds a second reading of ``scan`` is expected to take: its first reading's, in
    proportion to the pixels read (the doubtful lines' strip, or the page enlarged)."""
    from fines.intake.imageprep import LARGER

    page = float(scan.prepared.image.size) or 1.0
    if step == "larger":
        share = LARGER * LARGER
    elif step == "turned":
        share = 1.0
    else:
        zoom = LINE_ZOOM * LINE_ZOOM
        share = sum((width + 4 * max(2, height // 4)) * height * STRIP_ROW for _, _, width, height in
                    (line.box for line in scan.reading.doubtful_lines())) * zoom / page
    return scan.cost * share * REREAD_OVERHEAD


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


def _image_dpi(page: pdfium.PdfPage) -> float | None:
    """The resolution of the page's largest picture (a scan's page is one picture), if it has one."""
    best: tuple[int, float] | None = None
    for obj in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        try:
            meta = obj.get_metadata()
        except (pdfium.PdfiumError, ValueError):
            continue
        resolution = min(float(meta.horizontal_dpi), float(meta.vertical_dpi))
        if resolution > 0 and (best is None or meta.width * meta.height > best[0]):
            best = (meta.width * meta.height, resolution)
    return best[1] if best else None


def _render_grey(document: pdfium.PdfDocument, index: int, max_dpi: int) -> tuple[Grey, float] | None:
    """Render one page in grey at its picture's resolution (within MIN_RENDER_DPI..max_dpi); None when it cannot be.

    At the picture's own resolution the pixels are taken as they are (no smoothing), so a fax stays
    black and white. PDFium refuses some pages (a broken page object), and pypdfium2 raises
    ``ValueError: Crop exceeds page dimensions`` for a page whose size rounds to nothing: the page
    is then noted as failed and the document's other pages are still read.
    """
    import numpy as np

    try:
        page = document[index]
        try:
            native = _image_dpi(page)
            dpi = float(max_dpi) if native is None else min(max(native, MIN_RENDER_DPI), float(max_dpi))
            exact = native is not None and abs(native - dpi) < 0.5
            bitmap = page.render(scale=dpi / 72, grayscale=True, no_smoothimage=exact)
            try:
                width, height, stride = bitmap.width, bitmap.height, bitmap.stride
                pixels = np.frombuffer(bytes(bitmap.buffer), dtype=np.uint8)
            finally:
                bitmap.close()
        finally:
            page.close()
    except (pdfium.PdfiumError, ValueError):
        return None
    if width < 1 or height < 1:
        return None
    grey = pixels[: stride * height].reshape(height, stride)[:, :width].copy()
    return grey, dpi
