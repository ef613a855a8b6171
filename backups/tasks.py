"""Backup jobs in the background: for now a small pool of threads per web process, and the scheduler.

The page queues a ``BackupJob`` row and, after its commit, hands its id to ``start_later``. The work is
the plain function ``perform`` (one job id; its own units of work), so a task queue can take it over
later. A job is claimed by a conditional update (``queued`` → ``running``), so the scheduler's
``backups.pending`` (jobs a stopped process left queued) and a web process never run one twice.
Tests wait with ``drain``.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from app.clock import now as clock_now
from app.clock import work_calendar
from app.extensions import db
from app.services import Actor, record
from app.uow import job_unit_of_work
from backups import services
from backups.models import BackupJob
from backups.policy import Tier

logger = logging.getLogger(__name__)
_KEY = "backups.jobs"
_CREATE = threading.Lock()
#: How long a queued job waits for its web process before the scheduler takes it.
PICK_UP_AFTER = timedelta(minutes=1)


@dataclass
class _Runner:
    pool: ThreadPoolExecutor
    pending: set[Future[Any]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def forget(self, future: Future[Any]) -> None:
        with self.lock:
            self.pending.discard(future)


def _runner(app: Flask) -> _Runner:
    runner: _Runner | None = app.extensions.get(_KEY)
    if runner is None:
        with _CREATE:
            runner = app.extensions.get(_KEY)
            if runner is None:
                # One thread per tier at most: the database allows one active job per tier.
                runner = _Runner(ThreadPoolExecutor(max_workers=len(Tier), thread_name_prefix="backup-job"))
                app.extensions[_KEY] = runner
    return runner


def start_later(app: Flask, job_id: int) -> None:
    """Have this queued job run in the background (call after the commit that queued it)."""
    runner = _runner(app)
    future = runner.pool.submit(_in_context, app, job_id)
    with runner.lock:
        runner.pending.add(future)
    future.add_done_callback(runner.forget)


def _in_context(app: Flask, job_id: int) -> str:
    with app.app_context():
        return perform(job_id)


def drain(app: Flask, timeout: float = 300.0) -> bool:
    """Wait until every job handed to this process has finished; False on timeout."""
    runner: _Runner | None = app.extensions.get(_KEY)
    if runner is None:
        return True
    with runner.lock:
        pending = list(runner.pending)
    _, not_done = wait(pending, timeout=timeout)
    return not not_done


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
