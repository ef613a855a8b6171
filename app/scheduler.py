"""The scheduler process: ``fleetdesk scheduler run`` runs every registered job on its trigger.

Run exactly one scheduler process per deployment, beside the web workers. Jobs are declared in
code with ``add_job`` (feature packages add theirs when their blueprint registers); each runs in
an app context and commits once, or rolls back and logs when it fails.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.db import utcnow
from app.extensions import db
from app.uow import job_unit_of_work

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: an id, a function called with ``now`` inside an app context, a cron trigger."""

    id: str
    func: Callable[[Any], object]
    cron: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    trigger: str = "cron"  # or "interval" (then ``cron`` holds e.g. {"seconds": 60})


def add_job(app: Flask, spec: JobSpec) -> None:
    """Register a job for the scheduler process."""
    jobs: dict[str, JobSpec] = app.extensions.setdefault("fleetdesk.jobs", {})
    jobs[spec.id] = spec


def registered_jobs(app: Flask) -> dict[str, JobSpec]:
    """Return the jobs declared on ``app`` by id."""
    jobs: dict[str, JobSpec] = app.extensions.get("fleetdesk.jobs", {})
    return jobs


def run_job(app: Flask, job_id: str) -> object:
    """Run one job now, in its own app context and transaction."""
    spec = registered_jobs(app)[job_id]
    with app.app_context():
        try:
            with job_unit_of_work():
                result = spec.func(utcnow())
        except Exception:
            logger.exception("job %s failed", job_id)
            raise
        logger.info("job %s done: %s", job_id, result)
        return result


def _prune_sessions(now: Any) -> int:
    from app.services import prune_sessions

    return prune_sessions(now, int(current_app.config["RETENTION_LOGIN_DAYS"]))


def _flush_outbox(now: Any) -> int:
    from app.mail import flush_outbox

    return flush_outbox(now)


def init_app(app: Flask) -> None:
    """Declare the platform's own jobs; expose the outbox gauges."""
    from app.mail import OutboxCollector
    from app.metrics import add_collector

    add_job(app, JobSpec("platform.prune_sessions", _prune_sessions, {"hour": 3, "minute": 10},
                         "Delete login sessions a day after they ended or expired (privacy)."))
    add_job(app, JobSpec("platform.flush_outbox", _flush_outbox, {"minutes": 1},
                         "Send the mail still in the outbox, with back-off; give up after 20 attempts.",
                         trigger="interval"))
    add_collector(app, OutboxCollector())


@click.group("scheduler")
def scheduler_cli() -> None:
    """Run the scheduled jobs (one scheduler process per deployment)."""


@scheduler_cli.command("list")
@with_appcontext
def list_jobs() -> None:
    """List the declared jobs and their triggers."""
    for spec in registered_jobs(current_app).values():
        trigger = " ".join(f"{k}={v}" for k, v in spec.cron.items())
        click.echo(f"{spec.id:<40} {trigger:<30} {spec.description}")


@scheduler_cli.command("run-job")
@click.argument("job_id")
@with_appcontext
def run_one(job_id: str) -> None:
    """Run one job now."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if job_id not in registered_jobs(app):
        raise click.ClickException(f"no job {job_id}; see `fleetdesk scheduler list`")
    click.echo(f"{job_id}: {run_job(app, job_id)}")


class SchedulerBusy(RuntimeError):
    """Another scheduler process already runs for this database."""


LOCK_KEY = 0x466C6565744465  # "FleetDe": the advisory lock every FleetDesk scheduler takes


@contextlib.contextmanager
def single_instance(engine: Any, data_dir: str) -> Iterator[None]:
    """Hold the one-scheduler lock: a PostgreSQL advisory lock, or a file lock beside SQLite."""
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        try:
            if not conn.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar():
                raise SchedulerBusy("another scheduler holds the PostgreSQL advisory lock; only one may run")
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        finally:
            conn.close()
        return
    path = Path(data_dir) / "scheduler.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SchedulerBusy(f"another scheduler holds {path}; only one may run") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@scheduler_cli.command("run")
@with_appcontext
def run() -> None:
    """Start the blocking scheduler (Europe/Brussels time) until interrupted; one per deployment."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        lock = single_instance(db.engine, app.config["DATA_DIR"])
        lock.__enter__()
    except SchedulerBusy as exc:
        raise click.ClickException(str(exc)) from exc
    scheduler = BlockingScheduler(timezone=app.config["SCHEDULER_TIMEZONE"],
                                  job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    for spec in registered_jobs(app).values():
        scheduler.add_job(run_job, spec.trigger, args=(app, spec.id), id=spec.id, name=spec.description or spec.id,
                          **spec.cron)
    click.echo(f"scheduler started with {len(scheduler.get_jobs())} job(s)")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
    finally:
        lock.__exit__(None, None, None)
