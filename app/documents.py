"""Read the text of an untrusted PDF through the sandbox a feature registered (fines' PDF worker).

The platform never parses PDF bytes in the web process: a feature that owns a sandbox registers a
reader with ``on_pdf_text`` and any other feature (assistance's invoice upload) asks ``pdf_text``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["DocumentText", "PdfTextReader", "on_pdf_text", "pdf_text"]


@dataclass(frozen=True)
class DocumentText:
    """What a sandboxed reader made of a PDF: its text, or why it has none (a reason code)."""

    ok: bool
    text: str = ""
    reason: str | None = None  # not_pdf, encrypted, too_many_pages, timeout, cpu_limit, no_text, ...
    pages: int = 0


#: Called with the PDF's bytes and its file name; reads it in a sandbox under the configured limits.
PdfTextReader = Callable[["Flask", bytes, "str | None"], DocumentText]
_KEY = "fleetdesk.pdf_text"


def on_pdf_text(app: Flask, reader: PdfTextReader) -> None:
    """Register the sandboxed PDF reader (fines registers its PDF worker)."""
    app.extensions[_KEY] = reader


def pdf_text(data: bytes, filename: str | None = None) -> DocumentText:
    """Read ``data``'s text (text layer or OCR) through the registered sandbox; never in this process."""
    from flask import current_app

    reader: PdfTextReader | None = current_app.extensions.get(_KEY)
    if reader is None:
        raise RuntimeError("no sandboxed PDF reader is registered")
    return reader(current_app._get_current_object(), data, filename)  # type: ignore[attr-defined]
