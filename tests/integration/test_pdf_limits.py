"""The PDF worker's limits: pages, CPU time, wall time, its process group, and death with its parent.

The hostile PDFs are built here. Processes are looked up in /proc: the worker leads its own session,
so "nothing left" means no process whose session id is the worker's pid.
"""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from fines.intake.sandbox import PdfSandbox
from tests import pdfs
from tests.support import require_binary

ROOT = Path(__file__).resolve().parents[2]


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF of these objects (1 is the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def one_page_listed(times: int) -> bytes:
    """A page tree whose /Kids lists the same page object ``times`` times (a few hundred KB)."""
    kids = b" ".join([b"3 0 R"] * times)
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % times,
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"])


def strokes_pdf(lines: int) -> bytes:
    """One page without text, drawn with ``lines`` strokes: cheap to send, seconds of CPU to render."""
    content = zlib.compress(b"0.1 w\n" + b"".join(
        b"%d %d m %d %d l S\n" % (i % 600, i % 800, 600 - i % 600, 800 - i % 800) for i in range(lines)))
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
                    b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream"])


def scans(pages: int) -> bytes:
    """An image-only PDF of ``pages`` letter scans (every page goes to tesseract)."""
    document = pdfium.PdfDocument(pdfs.text_pdf(pdfs.LETTER))
    try:
        image = document[0].render(scale=200 / 72, grayscale=True).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=200, save_all=True, append_images=[image.copy() for _ in range(pages - 1)])
    return out.getvalue()


def session_members(sid: int) -> list[tuple[int, str]]:
    """(pid, command name) of every process in session ``sid`` (zombies included)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid:  # state, ppid, pgrp, session
            found.append((int(entry), name))
    return found


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still not {what} after {timeout} s"
        time.sleep(0.05)


def test_a_page_tree_listing_one_page_200000_times_is_refused_at_once_and_leaves_nothing() -> None:
    data = one_page_listed(200_000)
    with PdfSandbox(timeout=60, memory_mb=1024, max_pages=50) as box:
        started = time.monotonic()
        outcome = box.parse(data, "bomb.pdf")
        seconds = time.monotonic() - started
        worker = box.worker_pid
    assert (outcome.ok, outcome.reason) == (False, "too_many_pages")
    assert seconds < 10, f"took {seconds:.1f} s"
    assert worker is not None
    wait_until(lambda: session_members(worker) == [], 5, "gone")


def test_the_worker_runs_in_its_own_session_and_process_group() -> None:
    with PdfSandbox(timeout=60) as box:
        assert box.parse(pdfs.text_pdf(pdfs.LETTER)).ok
        worker = box.worker_pid
        assert worker is not None
        assert os.getsid(worker) == worker and os.getpgid(worker) == worker
        assert os.getsid(worker) != os.getsid(0)
    wait_until(lambda: session_members(worker) == [], 5, "gone")


def test_a_cpu_bound_pdf_hits_the_cpu_limit_and_the_next_file_is_read() -> None:
    require_binary("tesseract")  # the page has no text: it is rendered for OCR, which costs the CPU
    with PdfSandbox(timeout=120, cpu_seconds=1) as box:
        started = time.monotonic()
        outcome = box.parse(strokes_pdf(80_000), "strokes.pdf")
        assert (outcome.ok, outcome.reason) == (False, "cpu_limit")
        assert time.monotonic() - started < 30
        assert box.parse(pdfs.text_pdf(pdfs.LETTER), "ok.pdf").ok


def test_a_wall_time_overrun_kills_the_whole_group_tesseract_included() -> None:
    require_binary("tesseract")
    with PdfSandbox(timeout=120) as box:
        box._start()
        worker = box.worker_pid
        assert worker is not None
        box.timeout = 4
        started = time.monotonic()
        outcome = box.parse(scans(6), "scans.pdf")
    assert (outcome.ok, outcome.reason) == (False, "timeout")
    assert time.monotonic() - started < 15
    # SIGKILL went to the whole group; the dead are reaped a moment later.
    wait_until(lambda: session_members(worker) == [], 5, "gone with the timeout (the worker and its tesseract)")


PARENT = """
import sys
from fines.intake.sandbox import PdfSandbox
box = PdfSandbox(timeout=600, cpu_seconds=600)
data = open(sys.argv[1], "rb").read()
box._start()
print(box.worker_pid, flush=True)
box.parse(data, "scans.pdf")
"""


def test_killing_the_parent_kills_the_worker_and_its_tesseract(tmp_path: Path) -> None:
    require_binary("tesseract")
    pdf = tmp_path / "scans.pdf"
    pdf.write_bytes(scans(8))
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(pdf)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        wait_until(lambda: any(name == "tesseract" for _, name in session_members(worker)), 60,
                   "reading by OCR")
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        wait_until(lambda: session_members(worker) == [], 10, "gone with the parent")
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_a_worker_whose_parent_is_already_gone_ends_at_once() -> None:
    """The worker checks its parent itself (the fallback where no death signal is given)."""
    ghost = subprocess.Popen([sys.executable, "-c", "pass"])
    ghost.wait()
    worker = subprocess.Popen([sys.executable, "-m", "fines.intake.pdfworker", "--parent", str(ghost.pid)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
    try:
        assert worker.wait(timeout=20) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_a_page_that_fails_to_render_is_noted_and_the_other_pages_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """pypdfium2 raises ``ValueError: Crop exceeds page dimensions`` on some real-world pages."""
    require_binary("tesseract")
    from PIL import Image

    from fines.intake import pdfworker
    from fines.intake.pdftext import extract_text

    document = pdfium.PdfDocument(pdfs.text_pdf(pdfs.LETTER))
    try:
        letter = document[0].render(scale=200 / 72, grayscale=True).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    letter.save(out, format="PDF", resolution=200, save_all=True, append_images=[Image.new("L", (300, 300), 255)])
    data = out.getvalue()
    real_render = pdfium.PdfPage.render

    def render(page: pdfium.PdfPage, *args: object, **kwargs: object) -> object:
        if page.get_width() < 200:  # the small second page
            raise ValueError("Crop exceeds page dimensions")
        return real_render(page, *args, **kwargs)

    monkeypatch.setattr(pdfium.PdfPage, "render", render)
    text = extract_text(data)
    assert text.failed_pages == (2,) and text.ocr_pages == 1
    reply = pdfworker.handle({"filename": "two-pages.pdf"}, data)
    assert reply["ok"] and reply["pages"] == 2
    assert {"code": "page_unreadable", "params": {"number": "2"}} in reply["problems"] and reply["needs_review"]
    assert reply["fields"]["plate"] == "1ABC123"


def test_every_reason_the_pdf_reader_gives_has_a_label() -> None:
    from typing import get_args

    from fines.intake.pdftext import ReasonCode
    from fines.web import labels

    produced = set(get_args(ReasonCode)) | {"too_complex", "timeout", "crashed", "cpu_limit"}
    assert produced <= set(labels.LABELS["quarantine"])
