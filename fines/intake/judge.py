"""The field checks of ``fines.intake.extraction`` as the judge of an OCR reading (``pdftext.Judge``).

A reading is doubtful when a required field is missing, a check fails (the structured reference's
mod-97, the plate's pattern, dates out of order, an implausible amount) or a field is read with
less than ``REVIEW_THRESHOLD`` confidence: those are the doubts a second reading tries to remove.
"""
from __future__ import annotations

from fines.intake.extraction import REVIEW_THRESHOLD, extract_fields
from fines.intake.pdftext import Judgement

__all__ = ["TESSERACT_LANGUAGES", "judge_fields"]

#: The letter's language as the extraction tells it, as Tesseract names its trained data.
TESSERACT_LANGUAGES = {"nl": "nld", "fr": "fra", "de": "deu"}


def judge_fields(text: str) -> Judgement:
    """Count the doubts about the fields read from ``text``; their confidence breaks ties."""
    fields = extract_fields(text)
    doubtful = sum(1 for name, value in fields.confidence.items()
                   if value < REVIEW_THRESHOLD and getattr(fields, name, None) is not None)
    # The language is trusted once the letter was recognised as a fine of some kind.
    languages = TESSERACT_LANGUAGES.get(fields.language) if fields.kind != "other" else None
    return Judgement(len(fields.problems) + doubtful, sum(fields.confidence.values()), languages)
