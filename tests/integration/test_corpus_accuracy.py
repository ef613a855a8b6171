"""Accuracy over the shared sample corpus of fines (text PDFs and scans), field by field.

The corpus lives outside the repository: ``FLEETDESK_SAMPLE_CORPUS``, else ``shared/corpus/fines``
beside the repository's root. Without it the test skips, or fails when CI sets
``FLEETDESK_REQUIRE_SERVICES=1`` (``tests.support.require``). The project's own guarantees are the
fixtures in ``tests/fixtures/fines``.
"""
from __future__ import annotations

import json
from collections import Counter

import pytest

from fines.intake.extraction import FIELDS, extract_fields
from fines.intake.pdftext import extract_text
from tests.support import require, require_binary, sample_corpus

CORPUS = sample_corpus()


def comparable(got: dict[str, object]) -> dict[str, object]:
    """The truth writes the offence as Brussels wall time without offset (``2026-03-14T15:50``)."""
    offence = got["offence_at"]
    return {**got, "offence_at": offence[:16] if isinstance(offence, str) else offence}


def test_every_field_of_every_corpus_fine_is_read(capsys: pytest.CaptureFixture[str]) -> None:
    require("the sample corpus of fines", CORPUS.is_dir() and any(CORPUS.glob("*.pdf")),
            f"no PDFs at {CORPUS} (set FLEETDESK_SAMPLE_CORPUS)")
    pdfs = sorted(CORPUS.glob("*.pdf"))
    if any(json.loads(pdf.with_suffix(".json").read_text())["scanned"] for pdf in pdfs):
        require_binary("tesseract")
    right: Counter[str] = Counter()
    wrong: list[str] = []
    for pdf in pdfs:
        truth = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
        got = comparable(extract_fields(extract_text(pdf.read_bytes()).text).as_json(pdf.name))
        for field in FIELDS:
            if got[field] == truth[field]:
                right[field] += 1
            else:
                wrong.append(f"{pdf.name} {field}: got {got[field]!r}, truth {truth[field]!r}")
    with capsys.disabled():
        print(f"\ncorpus accuracy over {len(pdfs)} fines:")
        for field in FIELDS:
            print(f"  {field:<18} {right[field]:>3}/{len(pdfs)}  {100 * right[field] / len(pdfs):6.1f} %")
        total = sum(right.values())
        print(f"  {'all fields':<18} {total:>3}/{len(pdfs) * len(FIELDS)}  "
              f"{100 * total / (len(pdfs) * len(FIELDS)):6.1f} %")
    assert not wrong, "\n".join(wrong)
