"""Parse untrusted PDFs in a child process with a time limit and a memory limit.

One worker process is kept and reused (starting Python and the PDF libraries per file would cost
more than parsing). A request that overruns its wall-clock limit gets the worker killed; one that
exhausts its memory limit makes the worker fail; either way the caller receives a reason and the
next request gets a fresh worker. The parent never parses PDF bytes itself.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import resource
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from fines.pdfworker import read_frame, write_frame

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParseOutcome:
    """What the worker made of one PDF."""

    ok: bool
    reason: str | None = None  # encrypted, unreadable, no_text, timeout, too_complex, crashed, ...
    message: str | None = None
    pages: int = 0
    ocr_pages: int = 0
    text: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    needs_review: bool = True
    seconds: float = 0.0


class PdfSandbox:
    """A reusable PDF worker under limits; use as a context manager or call ``close``."""

    def __init__(self, timeout: float = 60.0, memory_mb: int = 1536) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PdfSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _limits(self) -> None:  # runs in the child before exec
        limit = self.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            env = {**os.environ, "OMP_THREAD_LIMIT": "1", "PYTHONWARNINGS": "ignore"}
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "fines.pdfworker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, preexec_fn=self._limits, env=env, close_fds=True,
            )
        return self._proc

    def parse(self, data: bytes, filename: str | None = None, *, ocr: bool = True) -> ParseOutcome:
        """Read one PDF; never raises for anything the PDF does."""
        started = time.monotonic()
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            write_frame(proc.stdin, json.dumps({"filename": filename, "ocr": ocr}).encode())
            write_frame(proc.stdin, data)
        except (BrokenPipeError, OSError):
            return self._failed("crashed", "the PDF reader stopped while receiving the file", started)
        if not self._wait_readable(proc, started + self.timeout):
            return self._failed("timeout", f"reading took longer than {self.timeout:.0f} s", started)
        reply = read_frame(proc.stdout)
        if reply is None:
            code = proc.wait(timeout=5)
            self._proc = None
            reason = "too_complex" if code in (-9, -6, 1) else "crashed"
            return ParseOutcome(False, reason, f"the PDF reader stopped (exit {code})",
                                seconds=time.monotonic() - started)
        payload = json.loads(reply)
        if payload.get("reason") == "too_complex":
            self.close()
        return ParseOutcome(
            ok=bool(payload["ok"]), reason=payload.get("reason"), message=payload.get("message"),
            pages=int(payload.get("pages", 0)), ocr_pages=int(payload.get("ocr_pages", 0)),
            text=payload.get("text", ""), fields=payload.get("fields", {}),
            confidence=payload.get("confidence", {}), problems=tuple(payload.get("problems", ())),
            needs_review=bool(payload.get("needs_review", True)), seconds=time.monotonic() - started,
        )

    def render_page(self, data: bytes, page: int, dpi: int = 110) -> bytes | None:
        """Render one page as PNG bytes in the worker; None when it cannot be rendered."""
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            write_frame(proc.stdin, json.dumps({"op": "render", "page": page, "dpi": dpi}).encode())
            write_frame(proc.stdin, data)
        except OSError:
            self.close(kill=True)
            return None
        if not self._wait_readable(proc, time.monotonic() + self.timeout):
            self.close(kill=True)
            return None
        reply = read_frame(proc.stdout)
        if reply is None:
            self.close(kill=True)
            return None
        payload = json.loads(reply)
        return base64.b64decode(payload["png"]) if payload.get("ok") else None

    def _wait_readable(self, proc: subprocess.Popen[bytes], deadline: float) -> bool:
        assert proc.stdout is not None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([proc.stdout], [], [], left)
            if ready:
                return True

    def _failed(self, reason: str, message: str, started: float) -> ParseOutcome:
        self.close(kill=True)
        return ParseOutcome(False, reason, message, seconds=time.monotonic() - started)

    def close(self, kill: bool = False) -> None:
        """Stop the worker: at once with ``kill``, else let it finish (killed if it does not)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if kill:
                proc.kill()
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=5)
        finally:
            if proc.stdout:
                proc.stdout.close()
