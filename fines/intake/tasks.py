"""Reading stored fines in the background: the task ``fines.read`` (``app.queue``).

An upload is stored (``received``) and answered at once; after its commit the view hands the new
fines to ``read_later``, which submits one task per fine: to the broker's workers when
``FLEETDESK_BROKER_URL`` is set, else to a small bounded pool of threads in this process
(``FINES_READ_WORKERS``). Each reading is its own unit of work (``read_task``: one sandbox, one
commit) around the plain service ``services.read_fine``, which only takes a fine still ``received``:
a task run twice (redelivered after a worker died, or handed on again by the scheduler's catch-up,
``fines.jobs.read_received``) reads it once. Tests wait with ``drain``.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import Flask

from app import queue
from app.uow import job_unit_of_work
from fines import jobs
from fines.intake import services

logger = logging.getLogger(__name__)
#: The task's name and its queue (a worker may serve the reading queue alone: OCR wants the CPUs).
READ = "fines.read"
QUEUE = "reading"


def register(app: Flask) -> None:
    """Register the reading task (its in-process pool: ``FINES_READ_WORKERS`` threads)."""
    queue.register(app, READ, read_task, queue=QUEUE, threads=int(app.config["FINES_READ_WORKERS"]),
                   backlog=unread_count)


def unread_count() -> int:
    """Fines stored and not read yet (every client's): the reading queue's backlog."""
    import sqlalchemy as sa

    from app.extensions import db
    from fines.models import Fine

    return int(db.session.scalar(sa.select(sa.func.count()).select_from(Fine).where(Fine.state == "received")) or 0)


def read_later(app: Flask, fine_ids: Iterable[int]) -> None:
    """Have these stored fines read in the background (call after the commit that stored them)."""
    for fine_id in fine_ids:
        queue.submit(app, READ, fine_id)


def read_task(fine_id: int) -> str | None:
    """Read one stored fine in its own transaction; return its new state (None: nothing to do, or failed).

    A fault in the reading itself rolls back and leaves the fine ``received`` for the scheduler's next try;
    the database gone away is raised, for the queue to retry with back-off.
    """
    from flask import current_app

    settings = services.IntakeSettings.from_config(current_app.config)
    try:
        with job_unit_of_work():
            with jobs.sandbox_for(current_app.config) as sandbox:
                fine = services.read_fine(fine_id, settings=settings, sandbox=sandbox)
            state = fine.state if fine is not None else None
    except queue.transient_faults():
        raise
    except Exception:  # rolled back
        logger.exception("reading fine %s failed; it stays received for the next try", fine_id)
        return None
    if state is not None:
        logger.info("fine %s read: %s", fine_id, state)
    return state


def read_now(app: Flask, fine_id: int) -> str | None:
    """Read one stored fine now, in this process (an application context of its own)."""
    state: str | None = queue.run(app, READ, fine_id)
    return state


def drain(app: Flask, timeout: float = 120.0) -> bool:
    """Wait until every fine handed to this process's reading pool has been read; False on timeout."""
    return queue.drain(app, timeout, queue=QUEUE)
