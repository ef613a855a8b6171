"""How fast fine PDFs are parsed: text fines per second (text layer + field extraction), and
seconds per scanned page (render + tesseract OCR + extraction).

Run with ``python bench/intake_parse.py [ROUNDS]`` (default 10 rounds over the corpus text PDFs).
Reads the sample corpus in ``../shared/corpus/fines``; prints figures, asserts nothing. The target
is at least 40 text fines per second per core, parse only. Single process, single thread
(tesseract runs with ``OMP_THREAD_LIMIT=1``, as ``fines.intake.pdftext`` sets by default).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from _harness import Result, header, measure, report  # first: puts the repository on sys.path

from fines.intake.extraction import extract_fields
from fines.intake.pdftext import extract_text

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "fines"


def main(rounds: int) -> None:
    header("fine intake: parse only (PDF text layer / OCR + field extraction)")
    if not CORPUS.is_dir():
        print(f"# corpus not found at {CORPUS}")
        return
    pdfs = sorted(CORPUS.glob("*.pdf"))
    scanned = {pdf for pdf in pdfs if json.loads(pdf.with_suffix(".json").read_text())["scanned"]}
    text_pdfs = [pdf.read_bytes() for pdf in pdfs if pdf not in scanned]
    scan_pdfs = [pdf.read_bytes() for pdf in pdfs if pdf in scanned]

    def parse_all(datas: list[bytes], times: int, **options: object) -> None:
        for _ in range(times):
            for data in datas:
                extract_fields(extract_text(data, **options).text)  # type: ignore[arg-type]

    calls = len(text_pdfs) * rounds
    report(measure("text fines, pdfium text layer", calls, lambda: parse_all(text_pdfs, rounds)))
    report(measure("text fines, pdfplumber text layer", len(text_pdfs) * max(1, rounds // 5),
                   lambda: parse_all(text_pdfs, max(1, rounds // 5), text_engine="pdfplumber")))
    texts = [extract_text(data).text for data in text_pdfs]
    report(measure("extract_fields only", calls, lambda: [extract_fields(t) for _ in range(rounds) for t in texts]))
    if scan_pdfs:
        result: Result = measure("scanned pages (OCR at 300 dpi)", len(scan_pdfs), lambda: parse_all(scan_pdfs, 1))
        report(result)
        print(f"{'seconds per scanned page':<40} {result.seconds / len(scan_pdfs):10.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
