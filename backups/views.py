"""The admin page of backups: each tier's backups with state and age, the last drill, the commands."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l

from app.auth import admin_required
from app.clock import now
from backups import services
from backups.policy import POLICIES, Tier

bp = Blueprint("backups", __name__, url_prefix="/admin/backups", template_folder="templates")


@bp.record_once
def _register(state: Any) -> None:
    from app.web import add_nav_item
    from app.models import Role

    add_nav_item(state.app, _l("Backups"), "backups.index", (Role.ADMIN,), order=80)


@bp.route("/")
@admin_required
def index() -> Any:
    manifests = services.list_backups(current_app.config)
    tiers = [(tier, POLICIES[tier], [m for m in manifests if m.tier is tier]) for tier in Tier]
    return render_template("backups/index.html", tiers=tiers, drills=services.drills(current_app.config)[:10],
                           now=now())
