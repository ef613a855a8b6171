"""The public status page, ``/status`` and ``/status.json``: no login, no tenant data, cached briefly.

Its own blueprint, so it lies outside the login-required uptime pages. The page's language is the
browser's (or the user's setting), or the one chosen with ``?lang=``.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import params
from app.clock import now, work_calendar
from sla.uptime import status

bp = Blueprint("status", __name__, template_folder="templates")

#: How long a browser or proxy may keep the page (the prober checks about once a minute).
MAX_AGE = 30

STATE_LABELS = {
    "operational": _l("All systems operational"),
    "degraded": _l("Degraded: some checks fail"),
    "down": _l("Service down"),
    "maintenance": _l("Maintenance in progress"),
}
STATE_ICONS = {"operational": "✓", "degraded": "!", "down": "✕", "maintenance": "⚙"}


def _current() -> status.PublicStatus:
    return status.public_status(now(), work_calendar(), float(current_app.config["UPTIME_TARGET"]))


def _cached(response: Any) -> Any:
    """Let browsers and proxies keep an anonymous answer briefly; a logged-in page keeps ``no-store``."""
    if not current_user.is_authenticated:
        response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
        response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.route("/status")
def index() -> Any:
    """The status page, in the browser's language or the one asked for with ``?lang=``."""
    languages = list(current_app.config["LANGUAGES"])
    lang = params.choice_arg("lang", languages)
    current = _current()
    values = {"status": current, "state_labels": STATE_LABELS, "state_icons": STATE_ICONS, "languages": languages,
              "days": status.DAYS}
    if lang is None:
        return _cached(current_app.make_response(render_template("uptime/status.html", **values)))
    with force_locale(lang):
        return _cached(current_app.make_response(render_template("uptime/status.html", **values)))


@bp.route("/status.json")
def as_json() -> Any:
    """The same content for monitors: codes and numbers, no words to translate."""
    current = _current()
    body = {
        "status": current.state,
        "generated_at": current.now.isoformat(),
        "checked_at": current.checked_at.isoformat() if current.checked_at else None,
        "target": current.target,
        "availability": current.availability,
        "maintenance": [{"starts_at": w.starts_at.isoformat(), "ends_at": w.ends_at.isoformat(),
                         "description": w.description, "ongoing": w.ongoing} for w in current.maintenance],
        "days": [{"date": d.day.isoformat(), "kind": d.kind, "availability": d.availability,
                  "down_seconds": int(d.down_time.total_seconds()), "outage": d.outage,
                  "outage_seconds": int(d.outage_time.total_seconds()), "maintenance": d.maintenance}
                 for d in current.days],
    }
    return _cached(jsonify(body))
