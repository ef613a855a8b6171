"""Parse untrusted PDFs in a child process under time, CPU, memory and page limits.

One worker process is kept and reused (starting Python and the PDF libraries per file would cost
more than parsing). It runs in a session and process group of its own, limits its own memory and
CPU time and dies with its parent (``fines.intake.pdfworker``). A request that overruns its wall-clock
limit gets the worker's whole group killed (a ``tesseract`` it started included); one that
exhausts its memory or CPU limit makes the worker die; either way the caller receives a reason
code and the next request gets a fresh worker. The parent never parses PDF bytes itself.

The worker's death signal follows the *thread* that started it: start and use a sandbox in one
thread (the background reader, the IMAP watcher and the scheduler each keep their own).
"""
from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from fines.intake.pdfworker import read_frame, write_frame
from fines.reasons import Reason

logger = logging.getLogger(__name__)
#: A page preview is one page at a modest resolution: it never needs the reading's full time.
RENDER_TIMEOUT = 20.0


@dataclass(frozen=True)
class ParseOutcome:
    """What the worker made of one PDF."""

    ok: bool
    # encrypted, unreadable, no_text, too_many_pages, timeout, cpu_limit, too_complex, crashed, ...
    reason: str | None = None
    message: str | None = None
    pages: int = 0
    ocr_pages: int = 0
    text: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    problems: tuple[Reason, ...] = ()
    needs_review: bool = True
    seconds: float = 0.0
    #: A picture was read (``jpeg``, ``png``, ``tiff``, ``heic``): ``document`` is the PDF made of it.
    picture: str | None = None
    document: bytes | None = None


class PdfSandbox:
    """A reusable PDF worker under limits; use as a context manager or call ``close``."""

    def __init__(self, timeout: float = 60.0, memory_mb: int = 1536, cpu_seconds: int | None = None,
                 max_pages: int = 50) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.cpu_seconds = cpu_seconds if cpu_seconds is not None else max(1, int(timeout))
        self.max_pages = max_pages
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PdfSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def worker_pid(self) -> int | None:
        """The running worker's pid (also its process group and session id), if one runs."""
        return self._proc.pid if self._proc is not None else None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and _exited(self._proc):
            self.close()
        if self._proc is None:
            # One thread everywhere (tesseract's OpenMP, numpy's OpenBLAS): a worker reads one file at
            # a time under a CPU limit, and a BLAS thread pool sized for a big host reserves address
            # space the worker's memory limit counts.
            env = {**os.environ, "OMP_THREAD_LIMIT": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                   "PYTHONWARNINGS": "ignore"}
            # No preexec_fn (unsafe in a process with threads): the worker confines itself.
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "fines.intake.pdfworker", "--parent", str(os.getpid()),
                 "--memory-mb", str(self.memory_mb), "--cpu-seconds", str(self.cpu_seconds)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                close_fds=True, start_new_session=True,
            )
        return self._proc

    def parse(self, data: bytes, filename: str | None = None, *, ocr: bool = True) -> ParseOutcome:
        """Read one PDF or picture; never raises for anything the file does."""
        started = time.monotonic()
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            write_frame(proc.stdin, json.dumps({"filename": filename, "ocr": ocr,
                                                "max_pages": self.max_pages}).encode())
            write_frame(proc.stdin, data)
        except (BrokenPipeError, OSError):
            return self._failed("crashed", "the PDF reader stopped while receiving the file", started)
        if not self._wait_readable(proc, started + self.timeout):
            return self._failed("timeout", f"reading took longer than {self.timeout:.0f} s", started)
        reply = read_frame(proc.stdout)
        if reply is None:
            self.close(kill=True)
            code = proc.returncode
            if code == -signal.SIGXCPU:
                reason = "cpu_limit"
            elif code in (-signal.SIGKILL, -signal.SIGABRT, 1):
                reason = "too_complex"
            else:
                reason = "crashed"
            return ParseOutcome(False, reason, f"the PDF reader stopped (exit {code})",
                                seconds=time.monotonic() - started)
        payload = json.loads(reply)
        if payload.get("reason") == "too_complex":
            self.close()
        return ParseOutcome(
            ok=bool(payload["ok"]), reason=payload.get("reason"), message=payload.get("message"),
            pages=int(payload.get("pages", 0)), ocr_pages=int(payload.get("ocr_pages", 0)),
            text=payload.get("text", ""), fields=payload.get("fields", {}),
            confidence=payload.get("confidence", {}),
            problems=tuple(Reason.from_json(p) for p in payload.get("problems", ())),
            needs_review=bool(payload.get("needs_review", True)), seconds=time.monotonic() - started,
            picture=payload.get("picture"),
            document=base64.b64decode(payload["document"]) if payload.get("document") else None,
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
        if not self._wait_readable(proc, time.monotonic() + min(self.timeout, RENDER_TIMEOUT)):
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
        """Stop the worker and everything it started (an idle worker loses nothing by being killed).

        The group is killed before the worker is reaped: until then its pid, which names the
        group, cannot be given to another process.
        """
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        finally:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()


def _exited(proc: subprocess.Popen[bytes]) -> bool:
    """Whether the worker has exited, without reaping it (so its group can still be killed by its pid)."""
    if proc.returncode is not None:
        return True
    try:
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True
