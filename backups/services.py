"""Backups as the SLA promises: run a tier, verify it, prune it, restore it, drill it.

Each backup is a directory ``<target>/<tier>/<id>/`` holding its parts and ``manifest.json``
(sizes and sha256 of every part). It is written under a ``.partial-`` name and renamed when
complete, so a crash never leaves something that looks like a backup. The manifests on the storage
are the truth: listing, verifying, pruning and the metrics read them, not the database (which a
restore may replace).
"""
from __future__ import annotations

import fcntl
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from app import storage
from app.db import utcnow
from app.extensions import db
from app.security import redact_secrets
from app.services import Actor, ServiceError, record
from app.version import __version__
from app.workcalendar import BRUSSELS, WorkCalendar
from backups.manifest import Manifest, Part, backup_id, check_parts, sha256_file
from backups.models import ACTIVE_STATES, BackupJob
from backups.policy import POLICIES, BackupRecord, Tier, business_date, to_prune

logger = logging.getLogger(__name__)


#: The steps of a run, in order, as codes (words are chosen where they are shown).
STEPS: Final = ("waiting", "database", "files", "checksums", "verifying", "copying", "pruning")
#: Why a backup job failed, as codes (``BackupError.code``, and ``interrupted``/``unexpected`` for the job).
ERROR_CODES: Final = ("write_failed", "verify_failed", "bucket_failed", "not_found", "failed", "interrupted",
                      "unexpected")

Progress = Callable[[str], None]
"""Told each step's code (``STEPS``) as a run or verification reaches it."""


def _quiet(step: str) -> None:
    """No progress wanted."""


class BackupError(RuntimeError):
    """A backup, verification or restore that did not succeed, with the reason (English detail and a code)."""

    def __init__(self, message: str, code: str = "failed") -> None:
        super().__init__(message)
        self.code = code


def target_root(config: Any, tier: Tier) -> Path:
    """Where a tier's backups live: the server directory or the datacenter directory."""
    storage = POLICIES[tier].storage
    configured = config.get("BACKUP_SERVER_DIR" if storage == "server" else "BACKUP_DATACENTER_DIR")
    root = Path(configured or Path(config["DATA_DIR"]) / "backups" / storage) / tier.value
    root.mkdir(parents=True, exist_ok=True)
    return root


def list_backups(config: Any, tier: Tier | None = None) -> list[Manifest]:
    """Every complete backup on the storage (newest first)."""
    found = []
    for each in ([tier] if tier else list(Tier)):
        for manifest_path in target_root(config, each).glob("*/manifest.json"):
            try:
                found.append(Manifest.from_json(manifest_path.read_text()))
            except ValueError as exc:
                logger.warning("unreadable manifest %s: %s", manifest_path, exc)
    return sorted(found, key=lambda m: (m.business_date, m.started_at), reverse=True)


def find(config: Any, ident: str) -> tuple[Manifest, Path]:
    """The backup with this id and its directory."""
    for tier in Tier:
        directory = target_root(config, tier) / ident
        if (directory / "manifest.json").exists():
            return Manifest.from_json((directory / "manifest.json").read_text()), directory
    raise BackupError(f"no backup {ident!r}", "not_found")


def run_backup(config: Any, engine: Any, tier: Tier, now: datetime, calendar: WorkCalendar,
               progress: Progress = _quiet) -> Manifest:
    """Make (or find, when today's is already there) the tier's backup, verify it, then prune the tier.

    Runs of one tier are serialised by a lock file beside its backups, so two scheduler processes
    (or a person and the scheduler) never make the same tier at once: the second finds the first's.
    ``progress`` is told each step (``STEPS``) as the run reaches it.
    """
    lock_path = target_root(config, tier) / ".lock"
    progress("waiting")
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _run_backup_locked(config, engine, tier, now, calendar, progress)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run_backup_locked(config: Any, engine: Any, tier: Tier, now: datetime, calendar: WorkCalendar,
                       progress: Progress) -> Manifest:
    day = business_date(now, calendar)
    ident = backup_id(tier, day)
    root = target_root(config, tier)
    final = root / ident
    if (final / "manifest.json").exists():
        existing = Manifest.from_json((final / "manifest.json").read_text())
        if existing.state == "verified":
            return existing  # idempotent per tier and business date
        shutil.rmtree(final)
    staging = root / f".partial-{ident}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    started, clock = now, time.monotonic()  # ``now`` is the run's moment; the elapsed time is measured
    try:
        kind, version = _write_parts(config, engine, tier, staging, progress)
        progress("checksums")
        parts = tuple(Part(p.name, p.stat().st_size, sha256_file(p)) for p in sorted(staging.iterdir()))
        manifest = Manifest(id=ident, tier=tier, business_date=day, started_at=started,
                            finished_at=started + timedelta(seconds=time.monotonic() - clock), parts=parts,
                            database_kind=kind,
                            database_version=version, alembic_revision=_revision(engine), app_version=__version__,
                            state="complete")
        (staging / "manifest.json").write_text(manifest.to_json())
        os.replace(staging, final)
    except Exception as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(f"{tier.value} backup failed: {exc}", "write_failed") from exc
    manifest = verify(config, ident, progress)
    target = s3_target(config, tier)
    if target is not None:
        progress("copying")
        target.upload(manifest, final)
        problems = target.verify(manifest)
        if problems:
            raise BackupError(f"{ident}: the copy in the bucket failed verification: {'; '.join(problems)}",
                              "bucket_failed")
    progress("pruning")
    prune(config, tier, now)
    return manifest


def s3_target(config: Any, tier: Tier) -> Any:
    """The S3-compatible bucket a tier is also kept in, when one is configured for it (else None)."""
    bucket = config.get("BACKUP_S3_BUCKET")
    tiers = [t.strip() for t in (config.get("BACKUP_S3_TIERS") or "dc-db,dc-files,weekly-env").split(",")]
    if not bucket or tier.value not in tiers:
        return None
    from backups.s3 import S3Target

    return S3Target(bucket, config.get("BACKUP_S3_PREFIX") or "fleetdesk",
                    endpoint_url=config.get("BACKUP_S3_ENDPOINT"), region_name=config.get("BACKUP_S3_REGION"))


def _write_parts(config: Any, engine: Any, tier: Tier, into: Path,
                 progress: Progress = _quiet) -> tuple[str, str | None]:
    what = POLICIES[tier].what
    kind, version = "none", None
    if what in ("database", "environment"):
        progress("database")
        kind, version = _dump_database(engine, into)
        _row_counts(engine, into / "row_counts.json")
    if what in ("files", "environment"):
        progress("files")
        _archive_files(storage.configured_store(config), into / "files.tar.gz")
    if what == "environment":
        (into / "config.json").write_text(json.dumps(redacted_config(config), indent=2, sort_keys=True, default=str))
        (into / "versions.json").write_text(json.dumps(_versions(), indent=2, sort_keys=True))
    return kind, version


def _dump_database(engine: Any, into: Path) -> tuple[str, str | None]:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        target = into / "database.sqlite3"
        source = sqlite3.connect(url.database)
        try:
            with sqlite3.connect(target) as copy:
                source.backup(copy)  # the online backup API: consistent while the app writes
        finally:
            source.close()
        return "sqlite", sqlite3.sqlite_version
    target = into / "database.dump"
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(url)])
    with engine.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar()
    return "postgresql", str(version)


def _row_counts(engine: Any, path: Path) -> None:
    path.write_text(json.dumps(row_counts(engine), sort_keys=True))


def row_counts(engine: Any) -> dict[str, int]:
    """Rows per table (the drill compares a restore with these)."""
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return {n: int(conn.execute(sa.text(f'SELECT count(*) FROM "{n}"')).scalar() or 0) for n in sorted(names)}


def _archive_files(store: storage.BlobStore, target: Path) -> None:
    """Every blob of the store into one tar (``<kind>/ab/cd/<sha256><suffix>``: the layout of a file store).

    Each blob is read back checked against its sha256: a corrupt one fails the backup (``write_failed``) rather
    than be kept as if sound; one removed since the listing (retention, an erasure) is left out.
    """
    with tarfile.open(target, "w:gz") as archive:
        for blob in store.listing():
            if blob.temporary:
                continue
            try:
                data = store.get(blob.key)
            except storage.BlobMissing:
                continue
            entry = tarfile.TarInfo(blob.key)
            entry.size, entry.mtime, entry.mode = len(data), int(blob.modified.timestamp()), 0o644
            archive.addfile(entry, io.BytesIO(data))


def redacted_config(config: Any) -> dict[str, Any]:
    """The configuration without its secrets (they are set again from the environment on restore).

    Values under secret-sounding names go whole; passwords inside URLs and connection strings
    (``postgresql://user:password@host``, ``redis://:password@host``) go, the rest of the URL stays.
    """
    plain = {key: value for key, value in config.items() if key.isupper() and not callable(value)}
    redacted: dict[str, Any] = redact_secrets(plain)
    return redacted


def _versions() -> dict[str, Any]:
    packages = {d.metadata["Name"]: d.version for d in metadata.distributions() if d.metadata["Name"]}
    return {"app": __version__, "packages": dict(sorted(packages.items(), key=lambda kv: kv[0].lower()))}


def _revision(engine: Any) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        except sa.exc.DBAPIError:
            return None


def verify(config: Any, ident: str, progress: Progress = _quiet) -> Manifest:
    """Check every part's size and sha256, and that the database copy is sound; record the result."""
    manifest, directory = find(config, ident)
    progress("verifying")
    problems = check_parts(manifest, directory)
    if not problems and manifest.database_kind == "sqlite":
        with sqlite3.connect(directory / "database.sqlite3") as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            problems.append(f"integrity_check: {result}")
    if not problems and manifest.database_kind == "postgresql":
        listed = subprocess.run(["pg_restore", "--list", str(directory / "database.dump")], check=False,
                                capture_output=True, text=True, timeout=600)
        if listed.returncode != 0 or "TABLE DATA" not in listed.stdout:
            problems.append(f"pg_restore --list: {listed.stderr.strip()[:300] or 'no table data'}")
    # A frozen clock (tests, demos) stands still while the run's elapsed time is measured: a check is never
    # recorded before the end of the backup it checked.
    checked_at = max(utcnow(), manifest.finished_at) if manifest.finished_at else utcnow()
    updated = replace(manifest, state="failed" if problems else "verified",
                      verified_at=checked_at, notes=tuple(problems))
    (directory / "manifest.json").write_text(updated.to_json())
    if problems:
        raise BackupError(f"{ident} failed verification: {'; '.join(problems)}", "verify_failed")
    return updated


def prune(config: Any, tier: Tier, now: datetime) -> list[str]:
    """Delete the tier's backups past retention; the newest verified one always stays."""
    manifests = list_backups(config, tier)
    records = [BackupRecord(m.id, m.tier, m.business_date, m.finished_at, m.state) for m in manifests]  # type: ignore[arg-type]
    removed = []
    bucket = s3_target(config, tier)
    by_id = {m.id: m for m in manifests}
    for doomed in to_prune(records, tier, now):
        shutil.rmtree(target_root(config, tier) / doomed.id, ignore_errors=True)
        if bucket is not None:
            bucket.delete(by_id[doomed.id])
        removed.append(doomed.id)
    return removed


def fetch_from_bucket(config: Any, tier: Tier, ident: str) -> Manifest:
    """Bring a backup back from the bucket into its local directory (before a restore), checked again."""
    bucket = s3_target(config, tier)
    if bucket is None:
        raise BackupError(f"no bucket is configured for {tier.value}")
    matches = [m for m in bucket.manifests(tier) if m.id == ident]
    if not matches:
        raise BackupError(f"{ident} is not in the bucket")
    directory = target_root(config, tier) / ident
    bucket.fetch(matches[0], directory)
    problems = check_parts(matches[0], directory)
    if problems:
        shutil.rmtree(directory, ignore_errors=True)
        raise BackupError(f"{ident} from the bucket is damaged: {'; '.join(problems)}")
    return matches[0]


def restore(config: Any, ident: str, to_url: str) -> dict[str, Any]:
    """Restore a database backup into an empty database, then migrate it forward to head."""
    manifest, directory = find(config, ident)
    if manifest.state != "verified":
        raise BackupError(f"{ident} is {manifest.state}, not verified: it is not offered for a restore")
    if manifest.database_kind == "none":
        raise BackupError(f"{ident} holds no database")
    target = sa.create_engine(to_url)
    try:
        with target.connect() as conn:
            if sa.inspect(conn).get_table_names():
                raise BackupError("the target database is not empty: restore only into an empty database")
        started = time.monotonic()
        if manifest.database_kind == "sqlite":
            if target.url.get_backend_name() != "sqlite":
                raise BackupError("a SQLite backup restores into a SQLite database")
            target.dispose()
            if not target.url.database or target.url.database == ":memory:":
                raise BackupError("restore into a SQLite file, not an in-memory database")
            shutil.copyfile(directory / "database.sqlite3", target.url.database)
        else:
            if target.url.get_backend_name() != "postgresql":
                raise BackupError("a PostgreSQL backup restores into a PostgreSQL database")
            _run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(target.url)}",
                  str(directory / "database.dump")])
        return {"backup": ident, "seconds": round(time.monotonic() - started, 3),
                "revision": manifest.alembic_revision}
    finally:
        target.dispose()


def restore_files(config: Any, ident: str, to_dir: str) -> int:
    """Unpack a backup's stored e-mails and PDFs into ``to_dir``; returns the number of files."""
    _manifest, directory = find(config, ident)
    archive = directory / "files.tar.gz"
    if not archive.exists():
        raise BackupError(f"{ident} holds no files")
    Path(to_dir).mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]
        tar.extractall(to_dir, members=members, filter="data")  # refuses absolute paths and links out
    return sum(1 for m in members if m.isfile())


def _libpq(url: Any) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(args: list[str]) -> None:
    result = subprocess.run(args, check=False, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip()[:500]}")


def drills_path(config: Any) -> Path:
    return target_root(config, Tier.DC_DB).parent / "drills.jsonl"


def record_drill(config: Any, entry: dict[str, Any]) -> None:
    with drills_path(config).open("a") as fh:
        fh.write(json.dumps(entry, sort_keys=True, default=str) + "\n")


def drills(config: Any) -> list[dict[str, Any]]:
    path = drills_path(config)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()][::-1]


def scratch_database(engine: Any) -> tuple[str, Any]:
    """An empty database of the live kind for a drill; returns its URL and a function that drops it."""
    if engine.url.get_backend_name() == "sqlite":
        folder = tempfile.mkdtemp(prefix="fleetdesk-drill-")
        return f"sqlite:///{folder}/drill.db", lambda: shutil.rmtree(folder, ignore_errors=True)
    name = f"fleetdesk_drill_{int(time.time())}"
    admin = sa.create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return engine.url.set(database=name).render_as_string(hide_password=False), drop


def migrate_to_head(to_url: str, data_dir: str) -> None:
    """Bring a restored database forward to the code's schema (``fleetdesk db upgrade`` on it)."""
    import sys

    env = {**os.environ, "FLEETDESK_DATABASE_URL": to_url, "FLEETDESK_DATA_DIR": data_dir,
           "FLEETDESK_ENV": "development"}
    script = Path(sys.executable).parent / "fleetdesk"
    command = ([str(script), "db", "upgrade"] if script.exists()
               else [sys.executable, "-m", "app.console", "db", "upgrade"])
    result = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise BackupError(f"migrating the restored database failed: {result.stderr.strip()[-500:]}")


def drill(config: Any, engine: Any, now: datetime, calendar: WorkCalendar) -> dict[str, Any]:
    """Restore the newest verified database backup into a scratch database and compare row counts."""
    from backups.policy import restore_met

    candidates = [m for m in list_backups(config) if m.state == "verified" and m.database_kind != "none"]
    if not candidates:
        raise BackupError("no verified database backup to drill with")
    manifest = candidates[0]
    _m, directory = find(config, manifest.id)
    expected = json.loads((directory / "row_counts.json").read_text())
    url, drop = scratch_database(engine)
    started, clock = now, time.monotonic()  # ``now`` is the drill's moment; the elapsed time is measured
    try:
        result = restore(config, manifest.id, url)
        scratch = sa.create_engine(url)
        try:
            restored = row_counts(scratch)
        finally:
            scratch.dispose()
    finally:
        drop()
    finished = started + timedelta(seconds=time.monotonic() - clock)
    mismatches = {t: [n, restored.get(t)] for t, n in expected.items() if restored.get(t) != n}
    entry = {"at": finished.isoformat(), "backup": manifest.id, "tier": manifest.tier.value,
             "seconds": round((finished - started).total_seconds(), 3), "restore_seconds": result["seconds"],
             "tables": len(expected), "rows": sum(expected.values()), "ok": not mismatches,
             "mismatches": mismatches, "within_target": restore_met(started, finished, manifest.tier, calendar)}
    record_drill(config, entry)
    if mismatches:
        raise BackupError(f"drill of {manifest.id}: row counts differ: {mismatches}")
    return entry


def backup_horizon(app: Any, now: datetime) -> date | None:
    """The last day a backup taken up to ``now`` is kept (its end plus its tier's retention), or None.

    Registered with ``app.retention.on_backup_horizon``: a purge certificate says by when the purged
    data has left every backup.
    """
    ends = [(m.finished_at or m.started_at) + POLICIES[m.tier].keep
            for m in list_backups(app.config) if m.started_at <= now]
    return max(ends).astimezone(BRUSSELS).date() if ends else None


# -- jobs asked for from the admin page ------------------------------------------------------------

#: An active job not heard from for this long is taken as abandoned (its process stopped).
STALE_AFTER: Final = timedelta(hours=3)


def job_steps(kind: str, tier: Tier, config: Any) -> tuple[str, ...]:
    """The steps a job of ``kind`` on ``tier`` goes through, in order (its progress is its place among them)."""
    if kind == "verify":
        return ("verifying",)
    what = POLICIES[tier].what
    skipped = set()
    if what not in ("database", "environment"):
        skipped.add("database")
    if what not in ("files", "environment"):
        skipped.add("files")
    if s3_target(config, tier) is None:
        skipped.add("copying")
    return tuple(step for step in STEPS if step not in skipped)


def step_progress(steps: tuple[str, ...], step: str) -> int:
    """The percentage done when ``step`` begins (its place among ``steps``)."""
    return round(100 * steps.index(step) / len(steps)) if step in steps else 0


def request_job(actor: Actor, kind: str, config: Any, now: datetime, *, tier: Tier | None = None,
                backup_id: str | None = None) -> BackupJob:
    """Queue a run of ``tier`` or a verification of ``backup_id``; refused while the tier has an active job.

    The partial unique index ``uq_backup_jobs_active_tier`` refuses a second active job even when two
    requests pass the check below at the same moment.
    """
    if kind == "verify":
        try:
            manifest, _directory = find(config, backup_id or "")
        except BackupError as exc:
            raise ServiceError(_l("There is no backup %(id)s.", id=backup_id), "backup_id") from exc
        tier = manifest.tier
    assert tier is not None
    abandon_stale_jobs(now, tier)
    busy = _l("A job for %(tier)s is already queued or running; wait for it to finish.", tier=tier.value)
    if db.session.scalar(sa.select(BackupJob.id).where(BackupJob.tier == tier.value,
                                                       BackupJob.state.in_(ACTIVE_STATES))) is not None:
        raise ServiceError(busy)
    job = BackupJob(kind=kind, tier=tier.value, backup_id=backup_id, state="queued", progress=0,
                    requested_by=actor.label, requested_by_id=actor.user_id, requested_at=now, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError as exc:
        raise ServiceError(busy) from exc
    if kind == "verify":
        record(actor, "backups.verify_requested", job, tier=tier.value, backup=backup_id)
    else:
        record(actor, "backups.run_requested", job, tier=tier.value)
    return job


def abandon_stale_jobs(now: datetime, tier: Tier | None = None) -> int:
    """Mark active jobs not heard from within ``STALE_AFTER`` as failed (``interrupted``); return how many."""
    query = sa.select(BackupJob).where(BackupJob.state.in_(ACTIVE_STATES), BackupJob.updated_at < now - STALE_AFTER)
    if tier is not None:
        query = query.where(BackupJob.tier == tier.value)
    stale = list(db.session.scalars(query))
    for job in stale:
        job.state, job.finished_at, job.error_code = "failed", now, "interrupted"
        record(Actor("system"), "backups.job_failed", job, tier=job.tier, error="interrupted")
    db.session.flush()
    return len(stale)


def jobs(limit: int = 10) -> list[BackupJob]:
    """The active jobs first, then the latest finished ones (``limit`` rows in all)."""
    active_first = sa.case((BackupJob.state.in_(ACTIVE_STATES), 0), else_=1)
    return list(db.session.scalars(sa.select(BackupJob).order_by(active_first, BackupJob.requested_at.desc(),
                                                                 BackupJob.id.desc()).limit(limit)))
