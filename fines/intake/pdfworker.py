"""The child process that reads untrusted PDFs and pictures: ``python -m fines.intake.pdfworker``.

It serves requests on stdin/stdout, one at a time, framed as an 8-byte big-endian length and a
JSON header, then the PDF bytes. It runs in its own session and process group (the parent,
``fines.intake.sandbox``, kills the whole group when a request overruns its wall time, so a ``tesseract``
child goes too); it limits its own memory (``RLIMIT_AS``, inherited by its children) and, per
request, its CPU time (``RLIMIT_CPU``: the kernel stops it with SIGXCPU); and it dies with its
parent (``PR_SET_PDEATHSIG`` on Linux, and a thread that watches the parent's pid as a fallback),
taking its group with it. A PDF bomb or an endless loop only ever costs this process group.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import signal
import struct
import sys
import threading
import time
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fines.intake.pdftext import DocumentText

_FRAME = struct.Struct(">Q")
#: Wall seconds a request may spend on second readings of doubtful scanned pages (the sandbox's
#: own limits still apply: this only keeps a doubtful scan from using them all up).
REREAD_SECONDS = 20.0
#: CPU seconds per scanned page that second readings may bring a document up to (the first
#: readings are always made): one core reads a page in at most about this long.
CPU_PER_PAGE = 2.6
PR_SET_PDEATHSIG = 1  # <sys/prctl.h>


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
    """Render one page of a PDF (or of a picture's PDF) as a PNG (for the review screen), at a modest resolution."""
    import base64
    import io

    import pypdfium2 as pdfium

    try:
        data, _ = as_pdf(data, int(request.get("max_pages", 50)))
    except _Refused as refused:
        return {"ok": False, "reason": refused.reason, "message": refused.message}
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


def as_pdf(data: bytes, max_pages: int) -> tuple[bytes, dict[str, Any]]:
    """The PDF to read: ``data`` itself, or the PDF made of a picture (JPEG, PNG, TIFF, HEIC), which
    the reply then carries (``document``, base64) so that intake keeps it as the fine's document."""
    import base64

    from fines.intake.images import ImageProblem, image_to_pdf, sniff_image
    from fines.intake.pdftext import sniff_pdf

    kind = None if sniff_pdf(data) else sniff_image(data)
    if kind is None:
        return data, {}
    try:
        pdf = image_to_pdf(data, max_frames=max_pages)
    except ImageProblem as problem:
        raise _Refused(problem.reason_code, problem.message) from problem
    return pdf, {"picture": kind, "document": base64.b64encode(pdf).decode()}


def _upright(converted: dict[str, Any], document: DocumentText) -> dict[str, Any]:
    """The PDF made of a picture with its pages turned as OCR found them upright (a photo taken turned)."""
    import base64

    from fines.intake.images import turn_upright

    turns = {page.number: page.turn for page in document.pages if page.turn}
    if not turns:
        return converted
    pdf = turn_upright(base64.b64decode(converted["document"]), turns)
    return {**converted, "document": base64.b64encode(pdf).decode()}


class _Refused(Exception):
    """A file that cannot be read at all: its reason code and message for the reply."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


def handle(request: dict[str, Any], data: bytes) -> dict[str, Any]:
    """Read the text of one PDF or picture and every fine field in it (or render a page: ``op`` = render)."""
    if request.get("op") == "render":
        return render(request, data)
    from fines.intake.extraction import extract_fields
    from fines.intake.judge import judge_fields
    from fines.intake.pdftext import PdfProblem, extract_text, reread_text_layer
    from fines.reasons import Reason

    max_pages = int(request.get("max_pages", 50))
    try:
        data, converted = as_pdf(data, max_pages)
    except _Refused as refused:
        return {"ok": False, "reason": refused.reason, "message": refused.message}
    try:
        # A scanned page read doubtfully is read again with other preparations, within a budget.
        document = extract_text(data, ocr=bool(request.get("ocr", True)), max_pages=max_pages, judge=judge_fields,
                                reread_seconds=float(request.get("reread_seconds", REREAD_SECONDS)),
                                cpu_per_page=float(request.get("cpu_per_page", CPU_PER_PAGE)))
    except PdfProblem as problem:
        return {"ok": False, "reason": problem.reason_code, "message": problem.message}
    fields = extract_fields(document.text)
    if fields.needs_review and document.ocr_pages < len(document.pages):
        # pdfium's text layer is the fast first pass; pdfplumber orders words by their position
        # on the page, which reads some multi-column layouts better: keep the better reading. Only
        # the text layer is read again; the scanned pages keep their OCR (never read twice).
        try:
            second = reread_text_layer(data, document, text_engine="pdfplumber", max_pages=max_pages)
        except PdfProblem:
            second = None
        if second is not None and second != document:
            other = extract_fields(second.text)
            ranked = (len(other.missing), -sum(other.confidence.values()))
            if ranked < (len(fields.missing), -sum(fields.confidence.values())):
                document, fields = second, other
    if converted:
        converted = _upright(converted, document)
    return {
        "ok": True,
        "pages": len(document.pages),
        "ocr_pages": document.ocr_pages,
        "text": document.text,
        "fields": fields.as_json(request.get("filename") or ""),
        "confidence": dict(fields.confidence),
        # Codes and parameters (``fines.reasons.Reason``); the words are chosen at display.
        "problems": [problem.as_json() for problem in fields.problems]
        + [Reason("page_unreadable", {"number": str(n)}).as_json() for n in document.failed_pages],
        "needs_review": fields.needs_review or bool(document.failed_pages),
        # How each scanned page was read: its words' confidence and how its picture was prepared.
        "ocr": [{"page": page.number, "confidence": round(page.confidence or 0.0, 1),
                 "preparation": list(page.preparation)} for page in document.pages if page.source == "ocr"],
        **converted,
    }


def _kill_group(*_: object) -> None:
    """End this worker and everything it started (its process group), at once."""
    os.killpg(os.getpgrp(), signal.SIGKILL)


def confine(parent: int, memory_mb: int) -> None:
    """Limit this process's memory, and make it (and its group) die with ``parent``."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGTERM, _kill_group)
    if sys.platform.startswith("linux"):
        # SIGTERM, not SIGKILL: the handler takes the group (a running tesseract) along.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the signal was asked for
        _kill_group()

    def watch_parent() -> None:
        # The fallback where no death signal exists, and for when the main thread is inside C code
        # (a Python signal handler only runs between bytecodes).
        while os.getppid() == parent:
            time.sleep(0.5)
        _kill_group()

    threading.Thread(target=watch_parent, name="watch-parent", daemon=True).start()


def limit_cpu(seconds: int) -> None:
    """Allow the next request ``seconds`` of CPU time on top of what this worker has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime) + 1 + seconds
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def serve(inp: IO[bytes], out: IO[bytes], cpu_seconds: int | None = None) -> None:
    """Answer requests until the parent closes stdin."""
    while True:
        header = read_frame(inp)
        if header is None:
            return
        data = read_frame(inp)
        if data is None:
            return
        if cpu_seconds:
            limit_cpu(cpu_seconds)
        try:
            reply = handle(json.loads(header), data)
        except MemoryError:
            write_frame(out, json.dumps({"ok": False, "reason": "too_complex",
                                         "message": "the PDF needs more memory than allowed"}).encode())
            return  # the heap may be in a bad state: let the parent start a fresh worker
        except Exception as exc:  # anything else a hostile file provokes in the parsers
            reply = {"ok": False, "reason": "unreadable", "message": f"{type(exc).__name__}: {exc}"[:500]}
        write_frame(out, json.dumps(reply).encode())


def main(argv: list[str] | None = None) -> None:
    """Confine this process, then serve on the real stdin/stdout (what a library prints goes to stderr)."""
    parser = argparse.ArgumentParser(prog="python -m fines.intake.pdfworker")
    parser.add_argument("--parent", type=int, default=os.getppid())
    parser.add_argument("--memory-mb", type=int, default=1536)
    parser.add_argument("--cpu-seconds", type=int, default=60)
    args = parser.parse_args(argv)
    confine(args.parent, args.memory_mb)
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, protocol_out, args.cpu_seconds)


if __name__ == "__main__":
    main()
