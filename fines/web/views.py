"""Fines in the browser: list, upload, detail with the PDF, review queue, triage."""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app import blobs, params, storage
from app.auth import actor, staff_required
from app.clock import now, today, work_calendar
from app.csvout import write_csv
from app.extensions import db
from app.forms import apply_service_error
from app.models import Client, Role
from app.privacy.services import is_restricted
from app.services import ServiceError, record
from app.tenancy import bind_tenant
from app.uow import unit_of_work
from app.workcalendar import BRUSSELS
from fines import exports, jobs, outputs, privacy
from fines.intake import services, tasks
from fines.intake.extraction import FIELDS
from fines.intake.mime import picture_kind
from fines.models import Fine, IntakeMessage
from fines.money import format_structured_reference
from fines.web import figures as fines_figures
from fines.web import labels
from fines.web.forms import AssignForm, CorrectionForm, ProcessForm, ReasonForm, RetryForm, UploadForm
from fines.workflow import monthly, queries
from fines.workflow import services as workflow
from fines.workflow.deadlines import cutoff_urgency
from fines.workflow.matching import addressed_elsewhere
from fines.workflow.states import OPEN_STATES, FineState

bp = Blueprint("fines", __name__, url_prefix="/fines", template_folder="templates", static_folder="static")
#: The list's tabs, in the order work flows (every state has one).
STATES = tuple(state.value for state in (
    FineState.REVIEW, FineState.QUARANTINED, FineState.WAITING_INFO, FineState.READY, FineState.PROCESSED,
    FineState.CLOSED, FineState.DUPLICATE, FineState.CANCELLED, FineState.RECEIVED, FineState.READ,
    FineState.MATCHED))
PAGE_SIZE = 50
#: What a list of fines shows beside each one: its client, contract and original (no query per row).
LIST_LOADING = (sa.orm.joinedload(Fine.client), sa.orm.joinedload(Fine.contract))
_OPEN = frozenset(state.value for state in OPEN_STATES)


@bp.record_once
def _register(state: Any) -> None:
    from app.audit_labels import add_value_labels
    from app.client_life import on_client_resumed
    from app.demo import add_demo_loader
    from app.documents import on_pdf_text
    from app.fleet import RematchWords, on_contracts_changed, on_rematch_words
    from app.privacy.services import PersonData, add_person_data
    from app.web import add_dashboard_panel, add_nav_item
    from fines.demo import load_demo_fines
    from fines.jobs import read_pdf_text, take_in_held_mail
    from fines.web import dashboard
    from fines.workflow.batch import rematch_changed_plates

    add_nav_item(state.app, _l("Fines"), "fines.index", order=10)
    add_dashboard_panel(state.app, "fines/_dashboard_client.html", dashboard.client_panel, (Role.CLIENT,), order=10)
    add_dashboard_panel(state.app, "fines/_dashboard_staff.html", dashboard.staff_panel, (Role.AGENT, Role.ADMIN),
                        order=20)
    add_demo_loader(state.app, load_demo_fines)
    on_contracts_changed(state.app, rematch_changed_plates)
    on_rematch_words(state.app, "fines", RematchWords(
        title=lambda fine_id: _("Fine %(id)s", id=fine_id), state=lambda code: labels.label("state", code),
        reason=labels.reason_text, url=lambda fine_id: url_for("fines.detail", fine_id=fine_id)))
    on_pdf_text(state.app, read_pdf_text)
    on_client_resumed(state.app, take_in_held_mail)
    add_person_data(state.app, PersonData("fines", privacy.export_person_fines, privacy.erase_person_fines))
    add_value_labels(state.app, "Fine", {"from_state": lambda code: labels.label("state", code),
                                         "to_state": lambda code: labels.label("state", code),
                                         "reasons": labels.reasons_text})


@bp.app_template_global("fine_label")
def fine_label(kind: str, value: str | None) -> str:
    """``{{ fine_label('state', f.state) }}``: the translated name of a workflow value."""
    return labels.label(kind, value)


@bp.app_template_global("fine_urgency")
def fine_urgency(fine: Fine) -> str | None:
    """``{{ fine_urgency(f) }}``: how close an open fine's cut-off is (an ``Urgency`` value), else None."""
    if fine.state not in _OPEN or fine.cutoff is None:
        return None
    return cutoff_urgency(fine.cutoff, today(), work_calendar()).value


@bp.app_template_global("fine_elsewhere")
def fine_elsewhere(fine: Fine) -> bool:
    """``{{ fine_elsewhere(f) }}``: the letter is addressed to another company than the fine's client."""
    return addressed_elsewhere(fine.addressee, fine.client.name if fine.client is not None else None)


@bp.app_template_global("fine_notes")
def fine_notes(reasons: list[dict[str, Any]] | None) -> str:
    """``{{ fine_notes(fine.problems) }}``, ``{{ fine_notes(event.reasons) }}``: stored reasons, translated."""
    return labels.reasons_text(reasons)


@bp.app_template_global("fine_message_reason")
def fine_message_reason(code: str | None, detail: str | None = None) -> str:
    """``{{ fine_message_reason(msg.reason_code, msg.reason) }}``: why intake set a message aside, translated."""
    return labels.message_reason(code, detail)


@bp.app_template_global("fine_reason")
def fine_reason(code: str | None, params: dict[str, str] | None = None) -> str:
    """``{{ fine_reason(fine.match_reason_code, fine.match_reason_params) }}``: one stored reason, translated."""
    return labels.reason_text(code, params)


def _client_choices() -> list[tuple[int, str]]:
    return [(c.id, f"{c.code} · {c.name}") for c in db.session.scalars(sa.select(Client).where(Client.active)
                                                                       .order_by(Client.code))]


#: The list's parameters kept from one link to the next (filters and sort), in the URL's order.
LIST_PARAMS = ("q", "state", "client", "from", "to", "urgency", "liability", "reason", "sort", "dir")
#: The CSV of the list: its columns (stable names, for spreadsheets) and rows per database round trip.
LIST_CSV_COLUMNS = ("id", "client", "state", "issuer", "notice_number", "plate", "plate_country", "offence_at",
                    "received_at", "amount", "currency", "payment_reference", "deadline", "cutoff", "urgency",
                    "liable", "reason", "driver")
LIST_CSV_BATCH = 2000


def _list_request() -> tuple[queries.FineFilter, str, str, dict[str, Any]]:
    """The list's filter, sort and direction from the query string (400 on a bad value), and its arguments."""
    received_from, received_to = params.date_arg("from"), params.date_arg("to")
    if received_from and received_to and received_from > received_to:
        raise params.BadParameter("to", _("“to” must not be before “from”."))
    client_id = params.id_arg("client")
    flt = queries.FineFilter(
        q=params.text_arg("q"), state=params.choice_arg("state", (*STATES, queries.OPEN)),
        # A client user only ever sees their own: said here as well as by the session's tenancy, because the
        # CSV is written after the request's teardown has unbound the tenant.
        client_id=client_id if current_user.is_staff else current_user.client_id,
        received_from=received_from, received_to=received_to,
        urgency=params.choice_arg("urgency", queries.URGENCIES),
        liability=params.choice_arg("liability", queries.LIABILITIES),
        reason=params.choice_arg("reason", tuple(labels.REASONS)))
    sort = params.choice_arg("sort", tuple(queries.SORTS), "received") or "received"
    direction = params.choice_arg("dir", queries.DIRECTIONS, "desc" if sort == "received" else "asc") or "asc"
    args = {"q": flt.q, "state": flt.state, "client": client_id if current_user.is_staff else None,
            "from": _iso(received_from),
            "to": _iso(received_to), "urgency": flt.urgency, "liability": flt.liability, "reason": flt.reason,
            "sort": sort, "dir": direction}
    if sort == "received" and direction == "desc":  # the default order stays out of the links
        args.pop("sort"), args.pop("dir")
    return flt, sort, direction, {k: v for k, v in args.items() if v not in (None, "")}


def _iso(day: Any) -> str | None:
    return day.isoformat() if day is not None else None


@bp.route("/")
@login_required
def index() -> Any:
    flt, sort, direction, args = _list_request()
    page_number = params.page_arg()
    calendar, day = work_calendar(), today()
    flt = queries.with_search_found(flt)  # the text search run once for the tabs and the page
    counts = queries.list_counts(flt, calendar, day)  # the tabs and the total, counted up to a cap
    offset = (page_number - 1) * PAGE_SIZE
    query = queries.list_page(flt, sort, direction, calendar, day, limit=PAGE_SIZE + 1, offset=offset,
                              few=counts.few)
    items = list(db.session.scalars(query.options(*LIST_LOADING)))  # one more than shown: is there a next page?
    first = offset + 1
    return render_template(
        "fines/index.html", items=items[:PAGE_SIZE], state=flt.state, counts=counts, states=STATES, flt=flt,
        args=args, sort=sort, direction=direction, page=page_number, first=first,
        last=first + len(items[:PAGE_SIZE]) - 1, has_next=len(items) > PAGE_SIZE, cap=queries.COUNT_CAP,
        filtered=any(k not in ("state", "sort", "dir") for k in args),
        clients=_client_choices() if current_user.is_staff else [], urgencies=queries.URGENCIES,
        liabilities=queries.LIABILITIES, reasons=tuple(labels.REASONS))


@bp.route("/list.csv")
@login_required
def index_csv() -> Any:
    """Exactly the filtered list, every page, as CSV (streamed in batches; the same tenancy)."""
    flt, sort, direction, _args = _list_request()
    calendar, day = work_calendar(), today()
    flt = queries.with_search_found(flt)  # the text search run once, not once a batch
    tenant = None if current_user.is_staff else current_user.client_id
    application = current_app._get_current_object()  # type: ignore[attr-defined]
    week_end = queries.this_week_end(calendar, day)

    def chunk(offset: int) -> str | None:
        # Written after the request has ended: each batch in an application context of its own (its own
        # session, the tenant bound again), pushed and popped before the text is yielded, so a download
        # left unread holds no context open.
        with application.app_context():
            if tenant is not None:
                bind_tenant(db.session, tenant)
            batch = queries.list_rows(flt, sort, direction, calendar, day, limit=LIST_CSV_BATCH, offset=offset)
            if not batch:
                return None
            return write_csv(LIST_CSV_COLUMNS, [_csv_row(row, day, week_end) for row in batch]).split("\n", 1)[1]

    def rows() -> Any:
        yield write_csv(LIST_CSV_COLUMNS, ())
        offset = 0
        while (text := chunk(offset)) is not None:
            yield text
            offset += LIST_CSV_BATCH

    response = Response(rows(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="fines-{day.isoformat()}.csv"'
    return response


def _csv_row(row: Any, day: Any, week_end: Any) -> list[Any]:
    amount = f"{row.amount_cents / 100:.2f}" if row.amount_cents is not None else None
    return [row.id, row.client_code, row.state, row.issuer, row.notice_number, row.plate, row.plate_country,
            _iso_moment(row.offence_at), _iso_moment(row.created_at), amount, row.currency, row.payment_reference,
            _iso(row.deadline), _iso(row.cutoff), queries.urgency_of(row.state, row.cutoff, day, week_end),
            queries.liable_on(row.liable, row.missed_from, day), row.match_reason_code, row.driver_name]


def _iso_moment(moment: Any) -> str | None:
    return moment.astimezone(BRUSSELS).isoformat("T", "minutes") if moment is not None else None


@bp.route("/upload", methods=["GET", "POST"])
@login_required
def upload() -> Any:
    form = UploadForm()
    staff = current_user.is_staff
    if staff:
        form.client_id.choices = _client_choices()
    if form.validate_on_submit():
        client = db.session.get(Client, form.client_id.data) if staff else current_user.client
        if client is None:
            abort(404)
        files = [(f.filename or "upload.pdf", f.read()) for f in form.files.data if f]
        settings = services.IntakeSettings.from_config(current_app.config)
        # Stored now, read in the background: the request never waits for the PDF reader (OCR).
        with unit_of_work(form) as work:
            result = services.ingest_files(files, client=client, actor=actor(), source="upload", settings=settings,
                                           sandbox=None)
        if not work.ok:
            return render_template("fines/upload.html", form=form, staff=staff), 422
        tasks.read_later(current_app._get_current_object(),  # type: ignore[attr-defined]
                         [f.id for f in result.fines if f.state == "received"])
        for fine in result.fines:
            if fine.state == "received":
                flash(_("%(file)s: received, being read.", file=fine.filename), "info")
                continue
            why = labels.upload_reason(fine.state, fine.reason_code, fine.problems, staff=staff)
            flash(_("%(file)s: %(state)s", file=fine.filename, state=labels.label("state", fine.state)) +
                  (f" ({why})" if why else ""), "error" if fine.state == "quarantined" else "info")
        with_fine = {fine.filename for fine in result.fines}
        for refusal in result.message.refusals:  # files that did not even become a fine (not a PDF, say)
            # One message per refused file: intake's "no PDF attached" sums up the files already named.
            if refusal["filename"] not in with_fine and refusal["code"] != "no_pdf":
                flash(_("%(file)s refused: %(reason)s", file=refusal["filename"],
                        reason=labels.label("quarantine", refusal["code"])), "error")
        if len(result.fines) == 1:
            return redirect(url_for("fines.detail", fine_id=result.fines[0].id))
        return redirect(url_for("fines.index"))
    return render_template("fines/upload.html", form=form, staff=staff), 422 if form.errors else 200


@bp.route("/<int:fine_id>")
@login_required
def detail(fine_id: int) -> Any:
    fine = _fine_or_404(fine_id)
    form = None
    if current_user.is_staff and fine.state not in CORRECTABLE_NOT:
        form = CorrectionForm(data=_form_data(fine))
    return _detail(fine, form)


#: States whose fields can no longer be corrected.
CORRECTABLE_NOT = ("processed", "closed", "cancelled", "duplicate")
#: The correction form's field for each read-out field (the amount is typed in euros).
FORM_FIELDS = {name: ("amount" if name == "amount_cents" else name) for name in FIELDS}


def _fine_or_404(fine_id: int) -> Fine:
    fine = db.session.scalar(sa.select(Fine).where(Fine.id == fine_id).options(
        sa.orm.joinedload(Fine.client), sa.orm.joinedload(Fine.contract), sa.orm.joinedload(Fine.duplicate_of)))
    if fine is None:
        abort(404)
    return fine


def _detail(fine: Fine, form: Any, status: int = 200) -> Any:
    flow = queries.to_json(fine, work_calendar(), today())
    fields = services.fine_fields(fine)
    offer_keep = form is not None and (bool(form.payment_reference.errors) or bool(form.keep_reference.data)
                                       or labels.reference_check_fails(fine.payment_reference))
    return render_template("fines/detail.html", fine=fine, form=form, fields=fields, form_fields=FORM_FIELDS,
                           facts=labels.shown_fields(fields, fine.currency, reviewed=fine.reviewed_at is not None),
                           workflow=flow, offer_keep=offer_keep,
                           liability=labels.liability_text(flow["liability_code"], flow["liability_params"],
                                                           flow["liability"]),
                           action_form=ReasonForm(), process_form=ProcessForm(),
                           restricted=is_restricted(fine.contract_id), unblock=_unblock(fine)), status


#: What a contract can supply of what a fine misses (``fines.workflow.states.MISSING``).
CONTRACT_MISSING = frozenset({"instruction", "driver_name", "driver_address"})


def _unblock(fine: Fine) -> tuple[str, str] | None:
    """The one step on the contracts that unblocks a waiting fine: (what, address), or None.

    No contract for the plate on the day: add one, prefilled (plate, country, the offence day, the
    client for staff); the contract lacks the driver's details: complete it; contracts overlap: correct
    them. Each comes back to the fine (``next``), which is matched again when the contract is saved.
    """
    code, fine_params = fine.match_reason_code, fine.match_reason_params or {}
    if fine.state not in _OPEN or code is None:
        return None
    back = url_for("fines.detail", fine_id=fine.id)
    if code == "no_contract" and fine.plate:
        return "add", url_for("contracts.new", plate=fine.plate, country=fine.plate_country or None,
                              start=fine_params.get("day"), next=back,
                              client=fine.client_id if current_user.is_staff else None)
    missing = set(str(fine_params.get("missing") or "").split(","))
    if code == "information_missing" and fine.contract_id is not None and missing & CONTRACT_MISSING:
        return "complete", url_for("contracts.edit", contract_id=fine.contract_id, next=back)
    if code == "overlap" and fine.plate:
        return "overlap", url_for("contracts.index", q=fine.plate)
    return None


def _fine_with_pdf_or_gone(fine_id: int) -> Fine:
    """The fine, or 404; 410 (gone, with the reason) when privacy erasure removed its PDF."""
    fine = db.get_or_404(Fine, fine_id)
    if not fine.pdf_path:
        abort(410, _("This fine's PDF was erased under the privacy rules; it cannot be shown any more."))
    return fine


@bp.route("/<int:fine_id>/state.json")
@login_required
def state(fine_id: int) -> Any:
    """The fine's state, for a page waiting until the fine has been read."""
    fine = db.get_or_404(Fine, fine_id)
    return {"state": fine.state}


@bp.route("/<int:fine_id>/pdf")
@login_required
def pdf(fine_id: int) -> Any:
    fine = _fine_with_pdf_or_gone(fine_id)
    if fine.original_path and fine.pdf_path == fine.original_path:  # a picture not (yet) made into a PDF
        return redirect(url_for("fines.original", fine_id=fine.id))
    data = blobs.read(fine.pdf_path)
    if data is None:
        abort(404)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="fine-{fine.id}.pdf"'
    # Shown in a frame of our own page only; the PDF may load nothing from anywhere.
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/<int:fine_id>/original")
@login_required
def original(fine_id: int) -> Any:
    """The picture a fine arrived as (a photo, a scanner's TIFF), downloaded as it came."""
    fine = _fine_with_pdf_or_gone(fine_id)
    if not fine.original_path:
        abort(404)
    data = blobs.read(fine.original_path)
    if data is None:
        abort(404)
    kind = picture_kind(data) or "octet-stream"
    suffix = services.PICTURE_SUFFIXES.get(kind, "")
    response = Response(data, mimetype=f"image/{kind}" if kind != "octet-stream" else "application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="fine-{fine.id}{suffix}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<int:fine_id>/pages/<int:page>.png")
@login_required
def page_image(fine_id: int, page: int) -> Any:
    fine = _fine_with_pdf_or_gone(fine_id)
    if not 1 <= page <= (fine.pages or 1):
        abort(404)
    try:
        png = services.page_preview(fine, page, current_app.config["DATA_DIR"],
                                    lambda: jobs.sandbox_for(current_app.config))
    except (storage.BlobMissing, storage.BlobCorrupt, ValueError):
        abort(404)
    if png is None:
        abort(404)
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/<int:fine_id>/review", methods=["POST"])
@staff_required
def review(fine_id: int) -> Any:
    fine = _fine_or_404(fine_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        values = {name: getattr(form, FORM_FIELDS[name]).data for name in FIELDS}
        with unit_of_work(on_error=lambda exc: apply_service_error(form, _correction_refused(exc))) as work:
            services.correct_and_refresh(actor(), fine, values, note=form.note.data or "",
                                         calendar=work_calendar(), now=now(),
                                         keep_reference=bool(form.keep_reference.data))
        if work.ok:
            flash(_("Fine %(id)s corrected.", id=fine.id), "info")
            return redirect(url_for("fines.queue"))
        fine = _fine_or_404(fine_id)  # rolled back: shown as it is stored
    return _detail(fine, form, 422)


def _correction_refused(exc: ServiceError) -> ServiceError:
    """Put a refused correction in the user's language (the service's refusals carry a code)."""
    if isinstance(exc, services.CorrectionRefused):
        return ServiceError(labels.correction_error(exc.code, exc.params), exc.field)
    return exc


@bp.route("/queue")
@staff_required
def queue() -> Any:
    fines = db.session.scalars(sa.select(Fine).options(*LIST_LOADING).where(Fine.state.in_(("review", "quarantined")))
                               .order_by(Fine.created_at).limit(200)).all()
    return render_template("fines/queue.html", fines=fines)


@bp.route("/triage")
@staff_required
def triage() -> Any:
    messages = db.session.scalars(sa.select(IntakeMessage).options(sa.orm.joinedload(IntakeMessage.client))
                                  .where(IntakeMessage.status.in_(("triage", "quarantined")))
                                  .order_by(IntakeMessage.received_at.desc()).limit(200)).all()
    return render_template("fines/triage.html", messages=messages)


@bp.route("/messages/<int:message_id>", methods=["GET", "POST"])
@login_required
def message(message_id: int) -> Any:
    msg = db.get_or_404(IntakeMessage, message_id)
    form = None
    if current_user.is_staff and msg.status == "triage":
        form = AssignForm()
        form.client_id.choices = _client_choices()
        if form.validate_on_submit():
            client = db.get_or_404(Client, form.client_id.data)
            settings = services.IntakeSettings.from_config(current_app.config)
            with unit_of_work(form) as work:
                result = services.assign_message(actor(), msg, client, settings=settings, sandbox=None)
            if work.ok:
                tasks.read_later(current_app._get_current_object(),  # type: ignore[attr-defined]
                                 [f.id for f in result.fines if f.state == "received"])
                flash(_("Message assigned to %(code)s.", code=client.code), "info")
                return redirect(url_for("fines.message", message_id=msg.id))
    elif request.method == "POST":
        abort(404 if current_user.role is Role.CLIENT else 405)
    retry = RetryForm() if current_user.is_staff and msg.status == "quarantined" else None
    return render_template("fines/message.html", msg=msg, form=form, retry=retry)


@bp.route("/messages/<int:message_id>/retry", methods=["POST"])
@staff_required
def retry_message(message_id: int) -> Any:
    """Read a refused e-mail again from its stored bytes (after a fix)."""
    msg = db.get_or_404(IntakeMessage, message_id)
    if RetryForm().validate_on_submit():
        settings = services.IntakeSettings.from_config(current_app.config)
        with unit_of_work() as work:
            result = services.retry_message(actor(), msg, settings=settings, sandbox=None)
        if work.ok:
            tasks.read_later(current_app._get_current_object(),  # type: ignore[attr-defined]
                             [f.id for f in result.fines if f.state == "received"])
            flash(_("Message read again: %(status)s.", status=labels.label("message_status", msg.status)), "info")
    return redirect(url_for("fines.message", message_id=msg.id))


def _form_data(fine: Fine) -> dict[str, Any]:
    data = {FORM_FIELDS[name]: getattr(fine, name) for name in FIELDS}
    if fine.payment_reference:  # as printed on the letter: +++123/4567/89012+++
        data["payment_reference"] = format_structured_reference(fine.payment_reference)
    if fine.offence_at is not None:
        data["offence_at"] = fine.offence_at.astimezone(BRUSSELS).replace(tzinfo=None)
    return data


def _client_scope() -> int | None:
    """The client whose data a request is about: the user's own, or the one an agent filters on."""
    if not current_user.is_staff:
        return current_user.client_id
    return params.id_arg("client")


def _action_refused(exc: ServiceError) -> None:
    """Say in the user's language why processing, closing or cancelling a fine was refused."""
    if exc.field == "restriction":
        flash(str(exc.message), "error")
    elif exc.field == "reason":
        flash(_("Say why the fine is cancelled."), "error")
    else:
        flash(_("The fine's state does not allow that (any more); the page shows what it allows now."), "error")


@bp.route("/<int:fine_id>/process", methods=["POST"])
@staff_required
def process_fine(fine_id: int) -> Any:
    fine = db.get_or_404(Fine, fine_id)
    form = ProcessForm()
    if not form.validate_on_submit():
        abort(400)
    override = form.override_reason.data if form.override.data else None
    with unit_of_work(on_error=_action_refused) as work:
        outcome = workflow.process(fine, actor(), now(), work_calendar(), override)
    if work.ok:
        flash(_("Fine %(id)s %(outcome)s.", id=fine.id, outcome=labels.label("outcome", outcome)), "info")
    return redirect(url_for("fines.detail", fine_id=fine.id))


@bp.route("/<int:fine_id>/close", methods=["POST"])
@staff_required
def close_fine(fine_id: int) -> Any:
    fine = db.get_or_404(Fine, fine_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(on_error=_action_refused):
        workflow.close(fine, actor(), now(), form.reason.data or None)
    return redirect(url_for("fines.detail", fine_id=fine.id))


@bp.route("/<int:fine_id>/cancel", methods=["POST"])
@login_required
def cancel_fine(fine_id: int) -> Any:
    fine = db.get_or_404(Fine, fine_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(on_error=_action_refused) as work:
        workflow.cancel(fine, actor(), form.reason.data or "")
    if work.ok:
        flash(_("Fine %(id)s cancelled.", id=fine.id), "info")
    return redirect(url_for("fines.detail", fine_id=fine.id))


@bp.route("/<int:fine_id>/designation.pdf")
@login_required
def designation(fine_id: int) -> Any:
    fine = db.get_or_404(Fine, fine_id)
    if fine.state == "ready" and is_restricted(fine.contract_id):
        abort(409, _("Processing of this driver's data is restricted (privacy request): no designation "
                     "until the restriction is lifted or an agent overrides it when processing the fine."))
    item = exports.designation_of(fine, work_calendar())
    if item is None:
        abort(404)
    response = Response(outputs.designation_pdf(item, today()), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="designation-{fine.id}.pdf"'
    return response


@bp.route("/designations.csv")
@login_required
def designations_csv() -> Any:
    items = exports.designations(_client_scope(), work_calendar())
    return _csv(outputs.designations_csv(items), "designations.csv")


@bp.route("/recharges.csv")
@login_required
def recharges_csv() -> Any:
    start = params.date_arg("from") or today().replace(day=1)
    end = params.date_arg("to") or today()
    lines = exports.recharge_lines(_client_scope(), start, end, work_calendar())
    return _csv(outputs.recharges_csv(lines), f"recharges-{start}-{end}.csv")


def _csv(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/overview")
@login_required
def overview() -> Any:
    calendar, day = work_calendar(), today()
    client_id = _client_scope()
    urgency = queries.counts_by_urgency(client_id, calendar, day)
    states = queries.counts_by_state(client_id)
    per_client = exports.liability_overview(client_id, calendar, day)
    months = monthly.per_month(client_id, day, day)
    return render_template("fines/overview.html", urgency=urgency, states=states, per_client=per_client,
                           client_id=client_id, clients=_client_choices() if current_user.is_staff else [],
                           states_chart=fines_figures.states_chart(months),
                           liability_chart=fines_figures.liability_chart(months))


@bp.route("/worklist")
@staff_required
def worklist() -> Any:
    fines = queries.worklist(work_calendar(), today())
    return render_template("fines/worklist.html", fines=fines)


@bp.route("/privacy", methods=["GET", "POST"])
@staff_required
def privacy_page() -> Any:
    """Find a driver's data; export it as JSON or erase it (agents and admins, audited)."""
    query = ((request.form.get("q") or "").strip() if request.method == "POST" else params.text_arg("q")) or ""
    found: list[Any] = []
    form = ReasonForm()
    if query:
        try:
            found = privacy.find_driver(query)
        except ServiceError as exc:
            flash(str(exc.message), "error")
    if request.method == "POST" and form.validate_on_submit() and found:
        if request.form.get("action") == "export":
            with unit_of_work() as work:  # no export without its audit entry
                record(actor(), "privacy.driver_exported", None, query=query, contracts=[c.id for c in found])
            if work.ok:
                response = Response(json.dumps(privacy.export_driver(found), indent=2, ensure_ascii=False),
                                    mimetype="application/json")
                response.headers["Content-Disposition"] = 'attachment; filename="driver-data.json"'
                return response
        if request.form.get("action") == "erase":
            with unit_of_work() as work:
                result = privacy.erase_driver(actor(), found, current_app.config["DATA_DIR"], now())
            if work.ok:
                flash(_("Erased the driver from %(n)s contract(s); %(pdfs)s PDF(s) removed.", n=result["contracts"],
                        pdfs=result["pdfs_removed"]), "info")
                return redirect(url_for("fines.privacy_page"))
    return render_template("fines/privacy.html", query=query, found=found, form=form,
                           fines=privacy.fines_of(found))
