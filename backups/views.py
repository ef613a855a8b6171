"""The admin page of backups: each tier's backups with state and age, alarms, the last drills, the commands."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l

from app.auth import admin_required
from app.backup_catalogue import CatalogueEntry, on_backup_catalogue
from app.clock import now, work_calendar
from app.retention import on_backup_horizon
from backups import services
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


@bp.record_once
def _register(state: Any) -> None:
    from app.models import Role
    from app.web import add_nav_item

    add_nav_item(state.app, _l("Backups"), "backups.index", (Role.ADMIN,), order=80)
    on_backup_horizon(state.app, services.backup_horizon)
    on_backup_catalogue(state.app, verified_backups)


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
    return render_template("backups/index.html", tiers=tiers, alarms=[c for c in checks.values() if not c.ok],
                           drills=drills, now=at, tier_labels=TIER_LABELS, state_labels=STATE_LABELS)
