"""Backup jobs in the background: the task ``backups.perform`` (``app.queue``), and the scheduler.

The page queues a ``BackupJob`` row and, after its commit, hands its id to ``start_later``, which submits
the task: to the broker's workers when ``FLEETDESK_BROKER_URL`` is set, else to a pool of this process
(one thread per tier). The work is the plain function ``perform`` (one job id; its own units of work). A
job is claimed by a conditional update (``queued`` → ``running``), so the scheduler's ``backups.pending``
(jobs a stopped process left queued), a redelivered task and a web process never run one twice. Tests
wait with ``drain``.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from app import queue
from app.clock import now as clock_now
from app.clock import work_calendar
from app.extensions import db
from app.services import Actor, record
from app.uow import job_unit_of_work
from backups import services
from backups.models import BackupJob
from backups.policy import Tier

logger = logging.getLogger(__name__)
PERFORM = "backups.perform"
QUEUE = "backups"
#: How long a queued job waits for its web process before the scheduler takes it.
PICK_UP_AFTER = timedelta(minutes=1)


def register(app: Flask) -> None:
    """Register the job task (its in-process pool: one thread per tier, the most the database lets run)."""
    queue.register(app, PERFORM, perform, queue=QUEUE, threads=len(Tier), max_retries=0, backlog=queued_count)


def queued_count() -> int:
    """Backup jobs asked for and not started yet: the backups queue's backlog."""
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(BackupJob)
                                 .where(BackupJob.state == "queued")) or 0)


def start_later(app: Flask, job_id: int) -> None:
    """Have this queued job run in the background (call after the commit that queued it)."""
    queue.submit(app, PERFORM, job_id)


def drain(app: Flask, timeout: float = 300.0) -> bool:
    """Wait until every job handed to this process has finished; False on timeout."""
    return queue.drain(app, timeout, queue=QUEUE)


def perform(job_id: int) -> str:
    """Run one queued job to its end inside the current app context; return its final state.

    ``skipped`` when another process claimed it first. Each step's progress is committed as it is
    reached, so every web node shows it; the end (done, or failed with a code) is committed and audited.
    """
    if not _claim(job_id):
        return "skipped"
    job = db.session.get(BackupJob, job_id)
    assert job is not None
    kind, tier, backup = job.kind, Tier(job.tier), job.backup_id
    config = current_app.config
    steps = services.job_steps(kind, tier, config)

    def progress(step: str) -> None:
        with job_unit_of_work():
            db.session.execute(sa.update(BackupJob).where(BackupJob.id == job_id).values(
                step=step, progress=services.step_progress(steps, step), updated_at=clock_now()))

    try:
        if kind == "run":
            manifest = services.run_backup(config, db.engine, tier, clock_now(), work_calendar(), progress)
        else:
            manifest = services.verify(config, backup or "", progress)
    except services.BackupError as exc:
        logger.error("backup job %s (%s %s) failed: %s", job_id, kind, tier.value, exc)
        return _finish(job_id, "failed", error=(exc.code, str(exc)))
    except Exception as exc:  # any failure ends the job, with its detail for the admin
        logger.exception("backup job %s (%s %s) failed unexpectedly", job_id, kind, tier.value)
        return _finish(job_id, "failed", error=("unexpected", f"{type(exc).__name__}: {exc}"))
    return _finish(job_id, "done", backup_id=manifest.id)


def _claim(job_id: int) -> bool:
    at = clock_now()
    with job_unit_of_work():
        claimed = db.session.execute(sa.update(BackupJob).where(BackupJob.id == job_id, BackupJob.state == "queued")
                                     .values(state="running", started_at=at, updated_at=at, step=None, progress=0))
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _finish(job_id: int, state: str, *, backup_id: str | None = None,
            error: tuple[str, str] | None = None) -> str:
    at = clock_now()
    with job_unit_of_work():
        job = db.session.get(BackupJob, job_id)
        assert job is not None
        job.state, job.finished_at, job.updated_at = state, at, at
        if backup_id is not None:
            job.backup_id = backup_id
        if state == "done":
            job.progress, job.step = 100, None
        if error is not None:
            job.error_code, job.error_detail = error[0], error[1][:500]
        who = Actor(job.requested_by, job.requested_by_id)
        if state == "done":
            record(who, "backups.job_done", job, kind=job.kind, tier=job.tier, backup=job.backup_id)
        else:
            record(who, "backups.job_failed", job, kind=job.kind, tier=job.tier, backup=job.backup_id,
                   error=job.error_code)
    return state


def pending(now: datetime) -> int:
    """Scheduler: run the jobs a stopped web process left queued, and give up on abandoned running ones."""
    services.abandon_stale_jobs(now)
    waiting = list(db.session.scalars(sa.select(BackupJob.id).where(
        BackupJob.state == "queued", BackupJob.requested_at < now - PICK_UP_AFTER).order_by(BackupJob.id)))
    return sum(1 for job_id in waiting if perform(job_id) != "skipped")
