"""The support desk in the browser: the queue, reporting an incident, the ticket page, monthly reports."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app import params
from app.auth import actor, staff_required
from app.backup_catalogue import CatalogueEntry
from app.clock import now, today, work_calendar
from app.extensions import db
from app.forms import apply_service_error
from app.models import Client
from app.services import ServiceError
from app.uow import unit_of_work
from sla.desk import labels, reports, services
from sla.desk.clock import clock_segments, retention_state
from sla.desk.forms import ActionForm, CorrectForm, FlagsForm, RestoreForm, TicketForm
from sla.desk.models import Ticket
from sla.desk.policy import targets

bp = Blueprint("support", __name__, url_prefix="/support", template_folder="templates")


@bp.app_template_global("ticket_label")
def ticket_label(kind: str, value: object) -> str:
    """``{{ ticket_label('state', t.state) }}``: the translated name of a ticket's value."""
    return labels.label(kind, value)


PAGE_SIZE = 50
QUEUE_STATES = ("open", "new", "acknowledged", "in_progress", "waiting_client", "resolved", "closed", "all")


@bp.record_once
def _register(state: Any) -> None:
    from app.audit_labels import add_value_labels
    from app.demo import add_demo_loader
    from app.web import add_nav_item
    from sla.desk.demo import load_demo_tickets

    add_nav_item(state.app, _l("Support"), "support.index", order=30)
    add_demo_loader(state.app, load_demo_tickets)
    add_value_labels(state.app, "Ticket", {"level": lambda code: ticket_label("level", code),
                                           "impact": lambda code: ticket_label("impact", code)})


def _clients() -> list[tuple[int, str]]:
    return [(c.id, f"{c.code} · {c.name}") for c in db.session.scalars(sa.select(Client).where(Client.active)
                                                                       .order_by(Client.code))]


@bp.route("/")
@login_required
def index() -> Any:
    """One queue across clients, nearest breach first (clients see their own tickets)."""
    # Open tickets first, nearest breach first: served by the (is_open, nearest_breach, id) index.
    query = sa.select(Ticket).options(selectinload(Ticket.events), selectinload(Ticket.client),
                                      selectinload(Ticket.assigned_to)).order_by(
        Ticket.is_open.desc(), Ticket.nearest_breach.asc().nulls_last(), Ticket.id)
    filters = {"client": params.id_arg("client"), "category": params.id_arg("category"),
               "agent": params.id_arg("agent")}
    state = params.choice_arg("state", QUEUE_STATES, "open") or "open"
    if state == "open":
        query = query.where(Ticket.is_open.is_(True))
    elif state in QUEUE_STATES[1:-1]:
        query = query.where(Ticket.state == state)
    if filters["client"] and current_user.is_staff:
        query = query.where(Ticket.client_id == filters["client"])
    if filters["category"]:
        query = query.where(Ticket.category == filters["category"])
    if filters["agent"] and current_user.is_staff:
        query = query.where(Ticket.assigned_to_id == filters["agent"])
    page = db.paginate(query, page=params.page_arg(), per_page=PAGE_SIZE,
                       error_out=False, count=False)
    moment, calendar = now(), work_calendar()
    rows = [(t, services.status_of(t, moment, calendar)) for t in page.items]
    page_args = {"state": state, **{k: v for k, v in filters.items() if v}}
    return render_template("desk/queue.html", rows=rows, page=page, state=state, states=QUEUE_STATES, filters=filters,
                           page_args=page_args, now=moment,
                           clients=_clients() if current_user.is_staff else [],
                           agents=services.agents() if current_user.is_staff else [])


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    form = TicketForm()
    staff = current_user.is_staff
    if staff:
        form.client_id.choices = _clients()
    elif not current_user.can_report_incidents:
        flash(_("Only your company's authorised reporters can report incidents. Ask your administrator."), "error")
        return redirect(url_for("support.index"))
    if form.validate_on_submit():
        client = db.session.get(Client, form.client_id.data) if staff else current_user.client
        if client is None:
            abort(404)
        common = {"client": client, "reporter": None if staff else current_user._get_current_object(),
                  "title": form.title.data or "", "description": form.description.data or "",
                  "level": int(form.level.data), "impact": form.impact.data,
                  "channel": form.channel.data if staff and form.channel.data in ("phone", "web") else "web",
                  "now": now(), "calendar": work_calendar()}
        with unit_of_work(on_error=_shown_on(form)) as work:
            if form.kind.data == "restore":
                point = form.restore_point.data
                ticket = services.open_restore_request(
                    actor(), what=form.restore_what.data,
                    point=point.replace(tzinfo=work_calendar().zone) if point is not None else None, **common)
            else:
                ticket = services.open_ticket(actor(), **common)
        if work.ok:
            flash(_("Incident %(id)s reported: category %(category)s.", id=ticket.id, category=ticket.category), "info")
            return redirect(url_for("support.ticket", ticket_id=ticket.id))
    return render_template("desk/new.html", form=form, staff=staff), 422 if form.errors else 200


def _shown_on(form: Any) -> Callable[[ServiceError], None]:
    """Show a refused desk operation on ``form``, in the user's language."""
    return lambda exc: apply_service_error(form, exc)


@bp.route("/<int:ticket_id>")
@login_required
def ticket(ticket_id: int) -> Any:
    item = db.get_or_404(Ticket, ticket_id)
    status = services.status_of(item, now(), work_calendar())
    flags = None
    if current_user.is_staff:
        flags = FlagsForm(assigned_to_id=item.assigned_to_id or 0, chargeable=item.chargeable)
        flags.assigned_to_id.choices = [(0, "—")] + [(a.id, a.name) for a in services.agents()]
    events = [e for e in item.events if current_user.is_staff or not e.internal]
    segments: dict[str, list[Any]] = {}
    moment = max(now(), item.reported_at)
    for clock, start, end, kind in clock_segments(item.reported_at, services.clock_events(item), moment,
                                                  work_calendar(), restore_excluded=status.category == 1):
        segments.setdefault(clock, []).append((start, end, kind))
    return render_template("desk/ticket.html", ticket=item, status=status, events=events,
                           targets=targets(status.category), now=moment,
                           segments={k: v[-12:] for k, v in segments.items()},
                           action_form=ActionForm(),
                           correct_form=CorrectForm(level=str(item.level), impact=item.impact),
                           flags_form=flags, actions=services.available_actions(item, staff=current_user.is_staff),
                           needs_text=services.NEEDS_TEXT, action_fields=labels.ACTION_FIELDS,
                           client_comment=labels.CLIENT_COMMENT, restore=_restore_view(item, moment))


def _restore_view(item: Ticket, moment: datetime) -> dict[str, Any] | None:
    """What the ticket page shows of a restore request: its clock, the backups that can serve it, the warning."""
    calendar = work_calendar()
    status = services.restore_status_of(item, moment, calendar)
    if status is None:
        return None
    done = services.restored(item)
    candidates = services.restore_candidates(item) if current_user.is_staff or done is None else []
    needed = candidates[0] if candidates else None
    form = None
    if current_user.is_staff and done is None:
        form = RestoreForm(backup=next((c.ident for c in candidates if c.tier == item.restore_source), None))
        form.backup.choices = [(c.ident, f"{c.ident} · {labels.label('storage', c.storage)}") for c in candidates]
    return {"status": status, "candidates": candidates, "done": done, "form": form,
            "retention": None if done else retention_state(needed.expires_at if needed else None, moment, calendar),
            "needed": needed,
            "can_record": item.state in ("acknowledged", "in_progress")}


def _chosen_backup(item: Ticket) -> CatalogueEntry:
    form = RestoreForm()
    if not form.validate_on_submit():
        abort(400)
    found = next((c for c in services.restore_candidates(item) if c.ident == form.backup.data), None)
    if found is None:
        flash(_("That backup cannot serve this restore request (any more)."), "error")
        abort(redirect(url_for("support.ticket", ticket_id=item.id)))
    return found


@bp.route("/<int:ticket_id>/restore/source", methods=["POST"])
@staff_required
def restore_source(ticket_id: int) -> Any:
    """The desk chooses the backup (and so the tier) it restores from."""
    item = db.get_or_404(Ticket, ticket_id)
    backup = _chosen_backup(item)
    with unit_of_work(on_error=_flash_refused):
        services.choose_source(item, actor(), backup, now())
        services.refresh(item, now(), work_calendar())
    return redirect(url_for("support.ticket", ticket_id=item.id))


@bp.route("/<int:ticket_id>/restore/done", methods=["POST"])
@staff_required
def restore_done(ticket_id: int) -> Any:
    """The desk records that the data was restored from the chosen backup."""
    item = db.get_or_404(Ticket, ticket_id)
    backup = _chosen_backup(item)
    with unit_of_work(on_error=_flash_refused) as work:
        services.record_restore(item, actor(), backup, now(), work_calendar())
    if work.ok:
        flash(_("Restore recorded."), "info")
    return redirect(url_for("support.ticket", ticket_id=item.id))


def _flash_refused(exc: ServiceError) -> None:
    """Say why the desk refused an action on a ticket, in the user's language."""
    flash(str(exc.message), "error")


@bp.route("/<int:ticket_id>/act", methods=["POST"])
@login_required
def act(ticket_id: int) -> Any:
    item = db.get_or_404(Ticket, ticket_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(on_error=_flash_refused):
        services.act(item, form.action.data or "", actor(), now=now(), calendar=work_calendar(), body=form.body.data,
                     staff=current_user.is_staff)
    return redirect(url_for("support.ticket", ticket_id=item.id))


@bp.route("/<int:ticket_id>/correct", methods=["POST"])
@staff_required
def correct(ticket_id: int) -> Any:
    item = db.get_or_404(Ticket, ticket_id)
    form = CorrectForm()
    if form.validate_on_submit():
        with unit_of_work(on_error=_flash_refused):
            services.correct(item, actor(), level=int(form.level.data), impact=form.impact.data,
                             reason=form.reason.data or "", now=now(), calendar=work_calendar())
    else:
        flash(_("A correction needs a reason."), "error")
    return redirect(url_for("support.ticket", ticket_id=item.id))


@bp.route("/<int:ticket_id>/flags", methods=["POST"])
@staff_required
def flags(ticket_id: int) -> Any:
    item = db.get_or_404(Ticket, ticket_id)
    form = FlagsForm()
    form.assigned_to_id.choices = [(0, "—")] + [(a.id, a.name) for a in services.agents()]
    if not form.validate_on_submit():
        abort(400)
    moment = now()
    agent = next((a for a in services.agents() if a.id == form.assigned_to_id.data), None)
    with unit_of_work(on_error=_flash_refused):
        if (agent.id if agent else None) != item.assigned_to_id:
            services.assign(item, actor(), agent, moment)
        if bool(form.chargeable.data) != item.chargeable:
            services.set_chargeable(item, actor(), bool(form.chargeable.data), form.reason.data or "", moment)
    return redirect(url_for("support.ticket", ticket_id=item.id))


def _month() -> date:
    return params.month_arg() or today().replace(day=1)


def _report_scope() -> int | None:
    if not current_user.is_staff:
        return current_user.client_id
    return params.id_arg("client")


@bp.route("/reports")
@login_required
def report() -> Any:
    month = _month()
    lines = reports.monthly(_report_scope(), month, now(), work_calendar())
    restores = reports.monthly_restores(_report_scope(), month, now(), work_calendar())
    return render_template("desk/report.html", lines=lines, restores=restores, month=month, client_id=_report_scope(),
                           clients=_clients() if current_user.is_staff else [])


@bp.route("/reports.csv")
@login_required
def report_csv() -> Any:
    month = _month()
    scope = _report_scope()
    label = "all" if scope is None else (db.get_or_404(Client, scope).code)
    text = reports.as_csv(reports.monthly(scope, month, now(), work_calendar()), label)
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="sla-{label}-{month:%Y-%m}.csv"'
    return response


@bp.route("/reports-restores.csv")
@login_required
def restores_csv() -> Any:
    """The month's restore requests (SLA 7.6), one line each."""
    month = _month()
    scope = _report_scope()
    label = "all" if scope is None else (db.get_or_404(Client, scope).code)
    text = reports.restores_csv(reports.monthly_restores(scope, month, now(), work_calendar()), label)
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="restores-{label}-{month:%Y-%m}.csv"'
    return response
