"""The support desk in the browser: the queue, reporting an incident, the ticket page, monthly reports."""
from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app import blobs, params
from app.auth import actor, staff_required
from app.backup_catalogue import CatalogueEntry
from app.clock import now, today, work_calendar
from app.csvout import write_csv
from app.extensions import db
from app.formatting import number
from app.forms import apply_service_error
from app.models import Client
from app.search import text_filter
from app.services import ServiceError
from app.uow import unit_of_work
from sla.desk import figures as desk_figures
from sla.desk import labels, queries, reports, services
from sla.desk.clock import clock_segments, retention_state
from sla.desk.forms import (
    ActionForm,
    AssignMeForm,
    AttachForm,
    BulkAssignForm,
    CorrectForm,
    FlagsForm,
    RestoreForm,
    TicketForm,
)
from sla.desk.models import Ticket, TicketAttachment
from sla.desk.policy import targets

bp = Blueprint("support", __name__, url_prefix="/support", template_folder="templates")


@bp.app_template_global("ticket_label")
def ticket_label(kind: str, value: object) -> str:
    """``{{ ticket_label('state', t.state) }}``: the translated name of a ticket's value."""
    return labels.label(kind, value)


@bp.app_template_global("file_kind")
def file_kind(content_type: str) -> str:
    """``{{ file_kind(a.content_type) }}``: what kind of file an attachment is, in words."""
    return labels.label("file_kind", content_type)


@bp.app_template_global("file_size")
def file_size(size: int) -> str:
    """``{{ file_size(a.size) }}``: a file's size in kB or MB, written the reader's way."""
    if size < 1024 * 1024:
        return _("%(size)s kB", size=number(max(1, round(size / 1024))))
    return _("%(size)s MB", size=number(size / 1048576, 0 if size % 1048576 == 0 else 1))


PAGE_SIZE = 50
QUEUE_STATES = queries.STATES


@bp.record_once
def _register(state: Any) -> None:
    from app.audit_labels import add_value_labels
    from app.demo import add_demo_loader
    from app.models import Role
    from app.web import add_dashboard_panel, add_nav_item
    from sla.desk import dashboard
    from sla.desk.demo import load_demo_tickets
    from sla.desk.demo_history import load_demo_ticket_history

    add_nav_item(state.app, _l("Support"), "support.index", order=30)
    add_dashboard_panel(state.app, "desk/_dashboard_client.html", dashboard.client_panel, (Role.CLIENT,), order=20)
    add_dashboard_panel(state.app, "desk/_dashboard_staff.html", dashboard.staff_panel, (Role.AGENT, Role.ADMIN),
                        order=10)
    add_demo_loader(state.app, load_demo_tickets)
    add_demo_loader(state.app, load_demo_ticket_history)
    add_value_labels(state.app, "Ticket", {"level": lambda code: ticket_label("level", code),
                                           "impact": lambda code: ticket_label("impact", code)})


def _clients() -> list[tuple[int, str]]:
    return [(c.id, f"{c.code} · {c.name}") for c in db.session.scalars(sa.select(Client).where(Client.active)
                                                                       .order_by(Client.code))]


def _agent_arg() -> str | None:
    """``agent``: a user id, ``me`` or ``none`` (unassigned); anything else is a 400."""
    value = params.text_arg("agent", 12)
    if value is None or value in ("me", "none"):
        return value
    return str(params.int_arg("agent"))


def _list_filters() -> queries.TicketFilters:
    """The list's filters from the URL (``app.params``: a bad value is a 400); staff-only ones ignored for clients."""
    staff = current_user.is_staff
    category = params.choice_arg("category", queries.CATEGORIES)
    client, agent = params.id_arg("client"), _agent_arg()
    return queries.TicketFilters(
        state=params.choice_arg("state", QUEUE_STATES, "open") or "open", q=params.text_arg("q"),
        client=client if staff else None, category=int(category) if category else None,
        agent=agent if staff else None, reported_from=params.date_arg("from"), reported_to=params.date_arg("to"),
        breach=params.choice_arg("breach", queries.BREACH), sort=params.choice_arg("sort", queries.SORTS, "breach")
        or "breach", direction=params.choice_arg("dir", queries.DIRECTIONS, "asc") or "asc")


def _list_query(filters: queries.TicketFilters) -> Any:
    search = text_filter("tickets", filters.q, internal=current_user.is_staff) if filters.q else None
    return queries.ticket_query(filters, viewer_id=current_user.id, now=now(), search=search)


@bp.route("/")
@login_required
def index() -> Any:
    """The ticket list: search, filters, sortable columns, pages (clients see their own tickets)."""
    filters = _list_filters()
    search = text_filter("tickets", filters.q, internal=current_user.is_staff) if filters.q else None
    moment, calendar = now(), work_calendar()
    page = queries.ticket_page(db.session, filters, viewer_id=current_user.id, now=moment, page=params.page_arg(),
                               per_page=PAGE_SIZE, search=search,
                               options=(selectinload(Ticket.events), selectinload(Ticket.client),
                                        selectinload(Ticket.assigned_to)))
    rows = [(t, services.status_of(t, moment, calendar)) for t in page.items]
    staff = current_user.is_staff
    agents = services.agents() if staff else []
    bulk = None
    if staff:
        bulk = BulkAssignForm()
        bulk.agent.choices = [("", "—"), ("none", _("nobody (unassign)"))] + [(str(a.id), a.name) for a in agents]
    return render_template("desk/queue.html", rows=rows, page=page, state=filters.state, states=QUEUE_STATES,
                           filters=filters, page_args=filters.args(), now=moment, bulk=bulk,
                           filtered=filters.args().keys() - {"sort", "dir"} != {"state"} or filters.state != "open",
                           clients=_clients() if staff else [], agents=agents,
                           reporters=None if staff or current_user.can_report_incidents
                           else services.reporters_of(current_user.client_id))


CSV_HEADER = ("id", "client_code", "client_name", "category", "title", "state", "kind", "level", "impact",
              "reported_at", "nearest_breach", "clock_state", "agent")


def _local_iso(value: datetime | None) -> str | None:
    return value.astimezone(work_calendar().zone).isoformat(timespec="minutes") if value else None


@bp.route("/list.csv")
@login_required
def index_csv() -> Any:
    """Exactly the filtered list as CSV (every page, no texts but the title: no comments, internal or not)."""
    filters = _list_filters()
    query = _list_query(filters).options(selectinload(Ticket.client), selectinload(Ticket.assigned_to))
    rows = ((t.id, t.client.code, t.client.name, t.category, t.title, t.state, t.kind, t.level, t.impact,
             _local_iso(t.reported_at), _local_iso(t.nearest_breach), t.clock_state,
             t.assigned_to.name if t.assigned_to else None) for t in db.session.scalars(query))
    response = Response(write_csv(CSV_HEADER, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="tickets-{today():%Y-%m-%d}.csv"'
    return response


def _back_to_list() -> Any:
    return redirect(params.next_arg() or url_for("support.index"))


@bp.route("/assign", methods=["POST"])
@staff_required
def bulk_assign() -> Any:
    """Give the chosen tickets of the list to one agent (or to nobody): all or nothing."""
    form = BulkAssignForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors or form.tickets.errors:
            abort(400)
        flash(_("Choose who gets the chosen incidents."), "error")
        return _back_to_list()
    agent = None
    if form.agent.data != "none":
        agent = next((a for a in services.agents() if str(a.id) == form.agent.data), None)
        if agent is None:
            abort(400)
    with unit_of_work(on_error=_flash_refused) as work:
        changed = services.assign_many(list(form.tickets.data or []), actor(), agent, now())
    if work.ok:
        flash(ngettext("%(num)s incident assigned.", "%(num)s incidents assigned.", len(changed)), "info")
    return _back_to_list()


@bp.route("/<int:ticket_id>/assign-me", methods=["POST"])
@staff_required
def assign_me(ticket_id: int) -> Any:
    """The agent takes the ticket (from the ticket page or a row of the list)."""
    item = db.get_or_404(Ticket, ticket_id)
    if not AssignMeForm().validate_on_submit():
        abort(400)
    if item.assigned_to_id != current_user.id:
        with unit_of_work(on_error=_flash_refused):
            services.assign(item, actor(), current_user._get_current_object(), now())
    return redirect(params.next_arg() or url_for("support.ticket", ticket_id=item.id))


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
    return _ticket_page(item, AttachForm())


def _ticket_page(item: Ticket, attach_form: AttachForm, status_code: int = 200) -> Any:
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
                           client_comment=labels.CLIENT_COMMENT, restore=_restore_view(item, moment),
                           attach_form=attach_form, assign_me_form=AssignMeForm(),
                           attachments=services.visible_attachments(item, staff=current_user.is_staff),
                           max_attachment=current_app.config["DESK_MAX_ATTACHMENT_BYTES"]), status_code


@bp.route("/<int:ticket_id>/attach", methods=["POST"])
@login_required
def attach(ticket_id: int) -> Any:
    """Attach a file to the ticket; a refusal (empty, too big, wrong type) is shown on the form, nothing stored."""
    item = db.get_or_404(Ticket, ticket_id)
    form = AttachForm()
    if form.validate_on_submit():
        upload = form.file.data
        limit = current_app.config["DESK_MAX_ATTACHMENT_BYTES"]
        with unit_of_work(form) as work:
            services.attach_file(item, actor(), uploader=current_user._get_current_object(),
                                 filename=upload.filename or "attachment", data=upload.read(limit + 1),
                                 internal=bool(form.internal.data), staff=current_user.is_staff,
                                 comment=form.comment.data, now=now(), calendar=work_calendar(), max_bytes=limit)
        if work.ok:
            flash(_("File attached."), "info")
            return redirect(url_for("support.ticket", ticket_id=item.id) + "#attachments")
    elif form.csrf_token.errors:
        abort(400)
    return _ticket_page(db.get_or_404(Ticket, ticket_id), form, 422)


@bp.route("/<int:ticket_id>/attachments/<int:attachment_id>")
@login_required
def attachment(ticket_id: int, attachment_id: int) -> Any:
    """Download an attachment: always as a file (never shown inline), with the type checked at upload."""
    item = db.get_or_404(Ticket, ticket_id)
    found = db.session.get(TicketAttachment, attachment_id)
    if found is None or found.ticket_id != item.id or (found.internal and not current_user.is_staff):
        abort(404)
    data = blobs.read(found.blob_path)
    if data is None:
        abort(410, _("This attachment's file is no longer stored."))
    response = send_file(io.BytesIO(data), mimetype=found.content_type, as_attachment=True,
                         download_name=found.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


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
    trend = desk_figures.compliance_chart(reports.compliance_by_month(_report_scope(), month, now(), work_calendar()))
    return render_template("desk/report.html", lines=lines, restores=restores, month=month, client_id=_report_scope(),
                           clients=_clients() if current_user.is_staff else [], compliance_chart=trend)


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
