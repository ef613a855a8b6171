"""The child process that reads untrusted PDFs: ``python -m fines.pdfworker``.

It serves requests on stdin/stdout, one at a time, framed as an 8-byte big-endian length and a
JSON header, then the PDF bytes. The parent (``fines.sandbox``) sets its memory limit and kills it
when a request overruns its time, so a PDF bomb or an endless loop only ever costs this process.
"""
from __future__ import annotations

import json
import os
import struct
import sys
from typing import IO, Any

_FRAME = struct.Struct(">Q")


def read_frame(stream: IO[bytes]) -> bytes | None:
    """Read one length-prefixed frame; None at end of stream."""
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (length,) = _FRAME.unpack(head)
    data = stream.read(length)
    if len(data) < length:
        return None
    return data


def write_frame(stream: IO[bytes], data: bytes) -> None:
    """Write one length-prefixed frame and flush it."""
    stream.write(_FRAME.pack(len(data)) + data)
    stream.flush()


def render(request: dict[str, Any], data: bytes) -> dict[str, Any]:
    """Render one page of a PDF as a PNG (for the review screen), at a modest resolution."""
    import base64
    import io

    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        number = int(request.get("page", 1))
        if not 1 <= number <= len(document):
            return {"ok": False, "reason": "no_page", "message": f"the PDF has {len(document)} page(s)"}
        page = document[number - 1]
        try:
            image = page.render(scale=float(request.get("dpi", 110)) / 72).to_pil()
        finally:
            page.close()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return {"ok": True, "png": base64.b64encode(buffer.getvalue()).decode()}


def handle(request: dict[str, Any], data: bytes) -> dict[str, Any]:
    """Read the text of one PDF and every fine field in it (or render a page: ``op`` = render)."""
    if request.get("op") == "render":
        return render(request, data)
    from fines.extraction import extract_fields
    from fines.pdftext import PdfProblem, extract_text

    try:
        document = extract_text(data, ocr=bool(request.get("ocr", True)))
    except PdfProblem as problem:
        return {"ok": False, "reason": problem.reason_code, "message": problem.message}
    fields = extract_fields(document.text)
    if fields.needs_review and document.ocr_pages < len(document.pages):
        # pdfium's text layer is the fast first pass; pdfplumber orders words by their position
        # on the page, which reads some multi-column layouts better: keep the better reading.
        try:
            second = extract_text(data, ocr=bool(request.get("ocr", True)), text_engine="pdfplumber")
        except PdfProblem:
            second = None
        if second is not None:
            other = extract_fields(second.text)
            if (len(other.missing), -sum(other.confidence.values())) < (len(fields.missing), -sum(fields.confidence.values())):
                document, fields = second, other
    return {
        "ok": True,
        "pages": len(document.pages),
        "ocr_pages": document.ocr_pages,
        "text": document.text,
        "fields": fields.as_json(request.get("filename") or ""),
        "confidence": dict(fields.confidence),
        "problems": list(fields.problems),
        "needs_review": fields.needs_review,
    }


def serve(inp: IO[bytes], out: IO[bytes]) -> None:
    """Answer requests until the parent closes stdin."""
    while True:
        header = read_frame(inp)
        if header is None:
            return
        data = read_frame(inp)
        if data is None:
            return
        try:
            reply = handle(json.loads(header), data)
        except MemoryError:
            write_frame(out, json.dumps({"ok": False, "reason": "too_complex",
                                         "message": "the PDF needs more memory than allowed"}).encode())
            return  # the heap may be in a bad state: let the parent start a fresh worker
        except Exception as exc:  # anything else a hostile file provokes in the parsers
            reply = {"ok": False, "reason": "unreadable", "message": f"{type(exc).__name__}: {exc}"[:500]}
        write_frame(out, json.dumps(reply).encode())


def main() -> None:
    """Serve on the real stdin/stdout; anything a library prints goes to stderr instead."""
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, protocol_out)


if __name__ == "__main__":
    main()
