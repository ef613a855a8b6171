"""The admin page of backups: each tier's backups with state and age, alarms, the last drills, the commands."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField

from app.auth import actor, admin_required
from app.backup_catalogue import CatalogueEntry, on_backup_catalogue
from app.clock import now, work_calendar
from app.retention import on_backup_horizon
from app.services import ServiceError
from app.uow import unit_of_work
from backups import services, tasks
from backups.models import ACTIVE_STATES, BackupJob
from backups.policy import POLICIES, BackupRecord, Tier, check_tiers

bp = Blueprint("backups", __name__, url_prefix="/admin/backups", template_folder="templates")

TIER_LABELS = {
    Tier.SERVER_DB: _l("Database, kept on the server"),
    Tier.DC_DB: _l("Database, kept on datacenter storage"),
    Tier.DC_FILES: _l("Stored files, kept on datacenter storage"),
    Tier.WEEKLY_ENV: _l("Whole environment, weekly, on datacenter storage"),
}
STATE_LABELS = {"verified": _l("verified"), "failed": _l("failed verification"), "complete": _l("not yet verified"),
                "running": _l("running")}
TIER_CODES = frozenset(tier.value for tier in Tier)
JOB_STATE_LABELS = {"queued": _l("queued"), "running": _l("running"), "done": _l("done"), "failed": _l("failed")}
JOB_KIND_LABELS = {"run": _l("run"), "verify": _l("verification")}
STEP_LABELS = {
    "waiting": _l("waiting for another run of this tier to end"),
    "database": _l("copying the database"),
    "files": _l("archiving the stored files"),
    "checksums": _l("computing checksums"),
    "verifying": _l("verifying"),
    "copying": _l("copying to the bucket"),
    "pruning": _l("removing backups past retention"),
}
ERROR_LABELS = {
    "write_failed": _l("The backup could not be written."),
    "verify_failed": _l("The backup failed verification."),
    "bucket_failed": _l("The copy in the bucket failed verification."),
    "not_found": _l("The backup is no longer on the storage."),
    "failed": _l("The operation did not succeed."),
    "interrupted": _l("The job was interrupted: its process stopped."),
    "unexpected": _l("An unexpected error stopped the job."),
}


class RunForm(FlaskForm):
    """Run a tier now (a button per tier; the CSRF token with it)."""

    tier = HiddenField()


class VerifyForm(FlaskForm):
    """Verify a backup now (a button per backup)."""

    backup = HiddenField()


@bp.record_once
def _register(state: Any) -> None:
    from app.models import Role
    from app.web import add_nav_item

    add_nav_item(state.app, _l("Backups"), "backups.index", (Role.ADMIN,), order=80)
    on_backup_horizon(state.app, services.backup_horizon)
    on_backup_catalogue(state.app, verified_backups)
    from app.audit_labels import add_value_labels

    add_value_labels(state.app, "BackupJob", {
        "tier": lambda code: f"{TIER_LABELS[Tier(code)]} ({code})" if code in TIER_CODES else code,
        "kind": lambda code: str(JOB_KIND_LABELS.get(code, code)),
        "error": lambda code: str(ERROR_LABELS.get(code, code)),
    })


def verified_backups(app: Any) -> list[CatalogueEntry]:
    """The verified backups as the platform's catalogue lists them (taken at the dump's start)."""
    entries = []
    for m in services.list_backups(app.config):
        if m.state != "verified" or m.finished_at is None:
            continue
        policy = POLICIES[m.tier]
        entries.append(CatalogueEntry(m.id, m.tier.value, policy.what, policy.storage, m.started_at,
                                      m.finished_at + policy.keep, policy.restore_within_workdays))
    return entries


@bp.route("/")
@admin_required
def index() -> Any:
    manifests = services.list_backups(current_app.config)
    at = now()
    records = [BackupRecord(m.id, m.tier, m.business_date, m.finished_at, m.state)  # type: ignore[arg-type]
               for m in manifests]
    checks = {check.tier: check for check in check_tiers(records, at, work_calendar())}
    tiers = [(tier, POLICIES[tier], [m for m in manifests if m.tier is tier], checks[tier]) for tier in Tier]
    drills = [{**d, "at": datetime.fromisoformat(d["at"])} for d in services.drills(current_app.config)[:10]]
    jobs = services.jobs()
    return render_template("backups/index.html", tiers=tiers, alarms=[c for c in checks.values() if not c.ok],
                           drills=drills, now=at, tier_labels=TIER_LABELS, state_labels=STATE_LABELS, jobs=jobs,
                           busy={j.tier for j in jobs if j.state in ACTIVE_STATES}, job_labels=_job_labels)


def _job_labels(job: BackupJob) -> dict[str, Any]:
    """A job in words and numbers: for the page and for the polling script."""
    what = (_("Run of %(tier)s", tier=job.tier) if job.kind == "run"
            else _("Verification of %(backup)s", backup=job.backup_id))
    return {"id": job.id, "what": what, "state": job.state, "state_label": str(JOB_STATE_LABELS[job.state]),
            "active": job.state in ACTIVE_STATES, "progress": job.progress,
            "step": str(STEP_LABELS[job.step]) if job.step in STEP_LABELS else "",
            "backup": job.backup_id, "error": str(ERROR_LABELS.get(job.error_code or "", "")),
            "detail": job.error_detail or ""}


@bp.route("/run", methods=["POST"])
@admin_required
def run() -> Any:
    """Queue a run of a tier; it runs in the background and the page shows its progress."""
    form = RunForm()
    if not form.validate_on_submit() or form.tier.data not in TIER_CODES:
        abort(400)
    tier = Tier(form.tier.data)
    with unit_of_work() as work:
        job = services.request_job(actor(), "run", current_app.config, now(), tier=tier)
    if work.ok:
        tasks.start_later(current_app._get_current_object(), job.id)  # type: ignore[attr-defined]
        flash(_("The backup of %(tier)s is queued; its progress is shown below.", tier=tier.value), "info")
    return redirect(url_for("backups.index", _anchor="jobs"))


@bp.route("/verify", methods=["POST"])
@admin_required
def verify() -> Any:
    """Queue a verification of one backup (404 for a backup that is not on the storage)."""
    form = VerifyForm()
    if not form.validate_on_submit() or not form.backup.data:
        abort(400)

    def refused(exc: ServiceError) -> None:
        if exc.field == "backup_id":
            abort(404)
        flash(str(exc.message), "error")

    with unit_of_work(on_error=refused) as work:
        job = services.request_job(actor(), "verify", current_app.config, now(), backup_id=form.backup.data)
    if work.ok:
        tasks.start_later(current_app._get_current_object(), job.id)  # type: ignore[attr-defined]
        flash(_("The verification of %(backup)s is queued; its progress is shown below.", backup=job.backup_id),
              "info")
    return redirect(url_for("backups.index", _anchor="jobs"))


@bp.route("/jobs.json")
@admin_required
def jobs_json() -> Any:
    """The jobs' state and progress, for the page's script while one runs."""
    jobs = [_job_labels(job) for job in services.jobs()]
    return jsonify({"jobs": jobs, "active": any(j["active"] for j in jobs)})
