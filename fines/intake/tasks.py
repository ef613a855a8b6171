"""Reading stored fines in the background: for now a small bounded pool of threads per web process.

An upload is stored (``received``) and answered at once; after its commit the view hands the new
fines to ``read_later``. Each reading is its own unit of work (``read_now``: one app context, one
sandbox, one commit) around the plain service ``services.read_fine``, so a task queue can take
this over later. Fines a stopped process left ``received`` are read by the scheduler
(``fines.jobs.read_received``). Tests wait with ``drain``.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from app.uow import job_unit_of_work
from fines import jobs
from fines.intake import services

logger = logging.getLogger(__name__)
_KEY = "fines.reader"


@dataclass
class _Reader:
    pool: ThreadPoolExecutor
    pending: set[Future[Any]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def forget(self, future: Future[Any]) -> None:
        with self.lock:
            self.pending.discard(future)


_CREATE = threading.Lock()


def _reader(app: Flask) -> _Reader:
    reader: _Reader | None = app.extensions.get(_KEY)
    if reader is None:
        with _CREATE:
            reader = app.extensions.get(_KEY)
            if reader is None:
                workers = max(1, int(app.config["FINES_READ_WORKERS"]))
                reader = _Reader(ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fine-reader"))
                app.extensions[_KEY] = reader
    return reader


def read_later(app: Flask, fine_ids: Iterable[int]) -> None:
    """Have these stored fines read in the background (call after the commit that stored them)."""
    reader = _reader(app)
    for fine_id in fine_ids:
        future = reader.pool.submit(read_now, app, fine_id)
        with reader.lock:
            reader.pending.add(future)
        future.add_done_callback(reader.forget)


def read_now(app: Flask, fine_id: int) -> str | None:
    """Read one stored fine in its own app context and transaction; return its new state (None: nothing done)."""
    with app.app_context():
        settings = services.IntakeSettings.from_config(app.config)
        try:
            with job_unit_of_work():
                with jobs.sandbox_for(app.config) as sandbox:
                    fine = services.read_fine(fine_id, settings=settings, sandbox=sandbox)
                state = fine.state if fine is not None else None
        except Exception:  # rolled back
            logger.exception("reading fine %s failed; it stays received for the next try", fine_id)
            return None
        if state is not None:
            logger.info("fine %s read: %s", fine_id, state)
        return state


def drain(app: Flask, timeout: float = 120.0) -> bool:
    """Wait until every fine handed to this process's reader has been read; False on timeout."""
    reader: _Reader | None = app.extensions.get(_KEY)
    if reader is None:
        return True
    with reader.lock:
        pending = list(reader.pending)
    _, not_done = wait(pending, timeout=timeout)
    return not not_done
