"""Uptime in the browser: this month and the last twelve, the day strip, outages, maintenance."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from app import params
from app.auth import actor, admin_required, staff_required
from app.clock import now, work_calendar
from app.extensions import db
from app.forms import apply_service_error
from app.services import ServiceError
from app.uow import unit_of_work
from sla.uptime import availability, labels, services
from sla.uptime import figures as uptime_figures
from sla.uptime.forms import MaintenanceForm, OutageForm
from sla.uptime.models import MaintenanceWindow, Outage

bp = Blueprint("uptime", __name__, url_prefix="/uptime", template_folder="templates")


@bp.app_template_global("uptime_label")
def uptime_label(kind: str, value: object) -> str:
    """``{{ uptime_label('day', kind) }}``: the translated name of an outage's source or a day of the strip."""
    return labels.label(kind, value)


@bp.app_template_global("outage_reason")
def outage_reason(text: str | None) -> str:
    """``{{ outage_reason(o.reason) }}``: why a period counts as down, in the user's language."""
    return labels.outage_reason(text)


@bp.record_once
def _register(state: Any) -> None:
    from app.demo import add_demo_loader
    from app.web import add_dashboard_panel, add_nav_item
    from sla.uptime.demo import load_demo_uptime

    add_nav_item(state.app, _l("Uptime"), "uptime.index", order=40)
    add_demo_loader(state.app, load_demo_uptime)
    add_dashboard_panel(state.app, "uptime/_dashboard.html", _dashboard_panel, order=40)


def _dashboard_panel() -> dict[str, Any]:
    """This month's availability and the maintenance to come, for every dashboard."""
    calendar, moment = work_calendar(), now()
    local = moment.astimezone(calendar.zone)
    figures = services.month_figures(local.year, local.month, moment, calendar,
                                     float(current_app.config["UPTIME_TARGET"]))
    upcoming = db.session.scalars(sa.select(MaintenanceWindow).where(MaintenanceWindow.ends_at > moment)
                                  .order_by(MaintenanceWindow.starts_at).limit(5)).all()
    return {"figures": figures, "upcoming": upcoming}


def _month() -> tuple[int, int]:
    parsed = params.month_arg()
    if parsed is None:
        local = now().astimezone(work_calendar().zone)
        return local.year, local.month
    return parsed.year, parsed.month


def _page(template: str, *, with_chart: bool = False, **extra: Any) -> Any:
    calendar, moment = work_calendar(), now()
    year, month = _month()
    target = float(current_app.config["UPTIME_TARGET"])
    figures = services.month_figures(year, month, moment, calendar, target)
    start, end = availability.month_bounds(year, month, calendar.zone)
    since = services.measured_since(calendar)
    outages, windows = services.intervals(start, end, moment)
    strip = availability.daily_strip(outages, windows, year, month, calendar, now=moment, since=since)
    listed = [(o, availability.downtime([(o.started_at, o.ended_at or moment)], windows, start, end, calendar))
              for o in services.outages_in(start, end)]
    maintenance = db.session.scalars(sa.select(MaintenanceWindow).where(
        MaintenanceWindow.ends_at > moment).order_by(MaintenanceWindow.starts_at)).all()
    # A month that has not begun, or that ended before measuring began, has no figures to show.
    measured = "future" if start > moment else "nodata" if since is None or end <= since else "measured"
    previous = (start - timedelta(days=1)).date().replace(day=1)
    following = end.date() if end <= moment else None
    months = services.last_months(moment, calendar, since=since)
    if with_chart:
        extra["availability_chart"] = uptime_figures.availability_chart(months, target)
    return render_template(template, figures=figures, strip=strip, outages=listed, maintenance=maintenance,
                           months=months,
                           month=date(year, month, 1), target=target, measured=measured, previous=previous,
                           following=following, axis_low=availability.AXIS_LOW,
                           position=lambda value: availability.axis_position(value, availability.AXIS_LOW), **extra)


@bp.route("/")
@login_required
def index() -> Any:
    """The month's uptime, and each probe's response time over the last 24 hours or 7 days (``range``)."""
    range_code = params.choice_arg("range", uptime_figures.RANGES, "24h") or "24h"
    return _page("uptime/index.html", range_code=range_code, ranges=uptime_figures.RANGES,
                 response_charts=uptime_figures.response_charts(range_code, now()))


@bp.route("/report")
@login_required
def report() -> Any:
    """The month on one printable page (print it to PDF from the browser), with the last twelve months as bars."""
    return _page("uptime/report.html", with_chart=True)


def _shown_on(form: Any) -> Callable[[ServiceError], None]:
    """Show a refused uptime operation on ``form``, in the user's language."""
    return lambda exc: apply_service_error(form, exc)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=work_calendar().zone) if value is not None else None


@bp.route("/maintenance", methods=["GET", "POST"])
@admin_required
def maintenance() -> Any:
    form = MaintenanceForm()
    if form.validate_on_submit():
        with unit_of_work(on_error=_shown_on(form)) as work:
            services.plan_maintenance(actor(), starts_at=_aware(form.starts_at.data),  # type: ignore[arg-type]
                                      ends_at=_aware(form.ends_at.data),  # type: ignore[arg-type]
                                      description=form.description.data or "", now=now())
        if work.ok:
            flash(_("Maintenance planned; clients are told in advance."), "info")
            return redirect(url_for("uptime.maintenance"))
    windows = db.session.scalars(sa.select(MaintenanceWindow).order_by(MaintenanceWindow.starts_at.desc())
                                 .limit(100)).all()
    return render_template("uptime/maintenance.html", form=form, windows=windows), 422 if form.errors else 200


@bp.route("/outages/new", methods=["GET", "POST"])
@staff_required
def outage_new() -> Any:
    return _outage_form(None)


@bp.route("/outages/<int:outage_id>", methods=["GET", "POST"])
@staff_required
def outage_edit(outage_id: int) -> Any:
    return _outage_form(db.get_or_404(Outage, outage_id))


def _outage_form(outage: Outage | None) -> Any:
    zone = work_calendar().zone
    data = None
    if outage and request.method == "GET":
        data = {"started_at": outage.started_at.astimezone(zone).replace(tzinfo=None),
                "ended_at": outage.ended_at.astimezone(zone).replace(tzinfo=None) if outage.ended_at else None,
                "reason": outage.reason, "ticket_id": outage.ticket_id}
    form = OutageForm(data=data)
    if form.validate_on_submit():
        with unit_of_work(on_error=_shown_on(form)) as work:
            services.record_outage(actor(), started_at=_aware(form.started_at.data),  # type: ignore[arg-type]
                                   ended_at=_aware(form.ended_at.data), reason=form.reason.data or "",
                                   ticket_id=form.ticket_id.data, outage=outage)
        if work.ok:
            flash(_("Outage saved."), "info")
            return redirect(url_for("uptime.index"))
    return render_template("uptime/outage_form.html", form=form, outage=outage), 422 if form.errors else 200
