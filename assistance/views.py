"""Assistance in the browser: covers (list, form, CSV import), cases (list and agents' queue, opening one, the
case page with its verdict, deadlines and provider), the agents' steps, providers and the monthly provider report.

Client users see and change only their client's covers and cases (the session's tenancy: a foreign id is a
404); providers, the queue's steps and the report are for agents and administrators.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app import params
from app.auth import actor, staff_required
from app.clock import now, today, work_calendar
from app.extensions import db
from app.forms import apply_service_error
from app.models import AuditEntry, Client
from app.recharge import recharges_csv
from app.services import ServiceError
from app.uow import unit_of_work
from assistance import labels, screen_labels, services
from assistance.forms import (
    AssignForm,
    CaseForm,
    CloseForm,
    CoverForm,
    DeadlineForm,
    ImportForm,
    InvoiceForm,
    InvoicePdfForm,
    ProviderEventForm,
    ProviderForm,
    ReplacementForm,
)
from assistance.models import Case, CaseDeadline, Cover, Provider, ProviderAssignment

bp = Blueprint("assistance", __name__, url_prefix="/assistance", template_folder="templates")
PAGE_SIZE = 50
MAX_CSV_BYTES = 5 * 1024 * 1024
CASE_STATES = ("open", "closed", "all")


@bp.record_once
def _register(state: Any) -> None:
    from app.audit_labels import add_value_labels
    from app.demo import add_demo_loader
    from app.privacy.services import PersonData, add_person_data
    from app.web import add_dashboard_panel, add_nav_item
    from assistance.demo import load_demo_assistance
    from assistance.privacy import export_person_cases

    add_nav_item(state.app, _l("Assistance"), "assistance.index", order=35)
    add_dashboard_panel(state.app, "assistance/_dashboard.html", _dashboard_panel, order=30)
    add_demo_loader(state.app, load_demo_assistance)
    add_person_data(state.app, PersonData("assistance", export_person_cases))
    add_value_labels(state.app, "Case", {"cause": lambda code: labels.name("cause", code),
                                         "issuer": lambda code: screen_labels.name(screen_labels.ISSUERS, code),
                                         "event": lambda code: screen_labels.name(screen_labels.PROVIDER_EVENTS, code),
                                         "deadline": lambda code: str(labels.DEADLINES.get(code, code)),
                                         "source": lambda code: screen_labels.name(screen_labels.SOURCES, code),
                                         "accepted_cents": _amount, "refused_cents": _amount,
                                         "start": _day, "returned": _day})
    add_value_labels(state.app, "Cover", {"product": lambda code: screen_labels.name(screen_labels.PRODUCTS, code)})


def _dashboard_panel() -> dict[str, Any]:
    """Open cases, deadlines past due, the nearest open deadlines (tenancy keeps a client user to their own)."""
    moment = now()
    open_cases = db.session.scalar(sa.select(sa.func.count(Case.id)).where(Case.state == "open")) or 0
    late = db.session.scalar(sa.select(sa.func.count(CaseDeadline.id)).join(Case, Case.id == CaseDeadline.case_id)
                             .where(Case.state == "open", CaseDeadline.met_at.is_(None),
                                    CaseDeadline.due_at < moment)) or 0
    # Served by (state, nearest_due, id): the queue's own order, its first rows.
    nearest = db.session.execute(sa.select(Case.id, Case.plate, Case.nearest_due).where(
        Case.state == "open", Case.nearest_due.is_not(None)).order_by(Case.nearest_due, Case.id).limit(5)).all()
    return {"open_cases": open_cases, "late": late, "nearest": nearest, "now": moment}


def _amount(cents: str) -> str:
    from app.formatting import money

    try:
        return money(int(cents))
    except ValueError:
        return cents


def _day(iso: str) -> str:
    from datetime import date

    from app.formatting import day

    try:
        return day(date.fromisoformat(iso))
    except ValueError:
        return iso


@bp.context_processor
def _words() -> dict[str, Any]:
    return {"reason_text": screen_labels.reason_text, "aname": labels.name, "sname": screen_labels.name,
            "S": screen_labels, "L": labels, "yes_no": screen_labels.yes_no}


def _clients() -> list[tuple[int, str]]:
    return [(c.id, f"{c.code} · {c.name}") for c in db.session.scalars(sa.select(Client).where(Client.active)
                                                                       .order_by(Client.code))]


def _client_of(form: Any) -> Client:
    """The client a form acts for: the client user's own, or the one an agent chose."""
    client = db.session.get(Client, form.client_id.data) if current_user.is_staff else current_user.client
    if client is None:
        abort(404)
    return client


def _moment(value: datetime | None) -> datetime | None:
    """A time typed in Belgian local time, made aware."""
    return value.replace(tzinfo=work_calendar().zone) if value is not None else None


def _shown_on(form: Any) -> Callable[[ServiceError], None]:
    return lambda exc: apply_service_error(form, exc)


def _flashed(exc: ServiceError) -> None:
    flash(str(exc.message), "error")


# --- cases -----------------------------------------------------------------------------------

@bp.route("/")
@login_required
def index() -> Any:
    """Cases: open ones by nearest open deadline first (the agents' queue); clients see their own."""
    state = params.choice_arg("state", CASE_STATES, "open") or "open"
    client_filter = params.id_arg("client") if current_user.is_staff else None
    query = sa.select(Case).options(selectinload(Case.deadlines), selectinload(Case.client),
                                    selectinload(Case.assignments))
    if state != "all":
        query = query.where(Case.state == state)
    if client_filter:
        query = query.where(Case.client_id == client_filter)
    query = query.order_by(Case.nearest_due.is_(None), Case.nearest_due, Case.at.desc(), Case.id)
    page = db.paginate(query, page=params.page_arg(), per_page=PAGE_SIZE, error_out=False, count=False)
    page_args = {"state": state, **({"client": client_filter} if client_filter else {})}
    return render_template("assistance/cases.html", page=page, state=state, states=CASE_STATES, now=now(),
                           clients=_clients() if current_user.is_staff else [], client_filter=client_filter,
                           page_args=page_args)


def _case_values(form: CaseForm) -> dict[str, Any]:
    tristate = form.repairable_within_3_workdays.data
    return {"plate": form.plate.data, "registered": form.registered.data, "at": _moment(form.at.data),
            "country": form.country.data, "cause": form.cause.data,
            "assistance_called_at_once": form.assistance_called_at_once.data, "police_tow": form.police_tow.data,
            "helper_arrived_at": _moment(form.helper_arrived_at.data),
            "immobilised_until": _moment(form.immobilised_until.data),
            "repairable_within_3_workdays": None if not tristate else tristate == "yes",
            "exclusions": form.exclusions.data or [], "trip_started": form.trip_started.data,
            "max_mass_kg": form.max_mass_kg.data, "body": form.body.data, "passengers": form.passengers.data or 1}


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case() -> Any:
    form = CaseForm()
    form.client_id.choices = _clients()
    if form.validate_on_submit():
        client = _client_of(form)
        with unit_of_work(on_error=_shown_on(form)) as work:
            case = services.open_case(actor(), client, _case_values(form), opened_by_id=current_user.id,
                                      calendar=work_calendar())
        if work.ok:
            flash(_("Case %(id)s opened.", id=case.id), "info")
            return redirect(url_for("assistance.case", case_id=case.id))
    return render_template("assistance/case_form.html", form=form, case=None), 422 if form.errors else 200


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
@staff_required
def edit_case(case_id: int) -> Any:
    case = db.get_or_404(Case, case_id)
    form = CaseForm(obj=None if _posted() else _case_form_data(case))
    form.client_id.choices = [(case.client_id, case.client.code)]
    if form.validate_on_submit():
        with unit_of_work(on_error=_shown_on(form)) as work:
            services.update_case(actor(), case, _case_values(form), calendar=work_calendar())
        if work.ok:
            flash(_("Case %(id)s corrected: its verdict was judged again.", id=case.id), "info")
            return redirect(url_for("assistance.case", case_id=case.id))
    return render_template("assistance/case_form.html", form=form, case=case), 422 if form.errors else 200


def _posted() -> bool:
    from flask import request

    return request.method == "POST"


class _CaseData:
    """A case's values as the case form shows them (Belgian local times, the tristate as text)."""

    def __init__(self, case: Case) -> None:
        zone = work_calendar().zone
        for name in services.CASE_FIELDS:
            value = getattr(case, name)
            if isinstance(value, datetime):
                value = value.astimezone(zone).replace(tzinfo=None)
            setattr(self, name, value)
        known = case.repairable_within_3_workdays
        self.repairable_within_3_workdays = "" if known is None else ("yes" if known else "no")
        self.client_id = case.client_id


def _case_form_data(case: Case) -> _CaseData:
    return _CaseData(case)


def _detail(case: Case, status: int = 200, **forms: Any) -> Any:
    moment = now()
    staff = current_user.is_staff
    if staff:
        forms.setdefault("assign", AssignForm())
        forms["assign"].provider_id.choices = [(p.id, p.name) for p in services.providers(active_only=True)]
        forms.setdefault("event", ProviderEventForm())
        forms.setdefault("replacement", ReplacementForm(replacement_start=case.replacement_start,
                                                        replacement_returned=case.replacement_returned))
        forms.setdefault("invoice", InvoiceForm())
        forms.setdefault("invoice_pdf", InvoicePdfForm())
        forms.setdefault("deadline", DeadlineForm())
        forms.setdefault("close", CloseForm())
    verdict = services.stored_verdict(case)
    compliance = {a.id: services.clocks.assignment_compliance(services.assignment_facts(a), moment)
                  for a in case.assignments}
    history = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "Case",
                                                             AuditEntry.object_id == str(case.id))
                                 .order_by(AuditEntry.at, AuditEntry.id).limit(200))
    return render_template("assistance/case.html", case=case, verdict=verdict, stored=case.verdict or {},
                           compliance=compliance, now=moment, staff=staff, forms=forms, history=list(history),
                           beyond=services.beyond_entitlement(case, work_calendar())), status


@bp.route("/cases/<int:case_id>")
@login_required
def case(case_id: int) -> Any:
    return _detail(db.get_or_404(Case, case_id))


def _staff_case(case_id: int) -> Case:
    return db.get_or_404(Case, case_id)


@bp.route("/cases/<int:case_id>/assign", methods=["POST"])
@login_required
@staff_required
def assign(case_id: int) -> Any:
    item = _staff_case(case_id)
    form = AssignForm()
    if form.validate_on_submit():
        provider = db.get_or_404(Provider, form.provider_id.data)
        with unit_of_work(on_error=_flashed) as work:
            services.assign_provider(actor(), item, provider, accepted_at=_moment(form.accepted_at.data) or now(),
                                     customer_proposed_at=_moment(form.customer_proposed_at.data))
        if work.ok:
            flash(_("Case assigned to %(provider)s.", provider=provider.name), "info")
        return redirect(url_for("assistance.case", case_id=item.id))
    return _detail(item, 422, assign=form)


@bp.route("/cases/<int:case_id>/provider-event", methods=["POST"])
@login_required
@staff_required
def provider_event(case_id: int) -> Any:
    item = _staff_case(case_id)
    form = ProviderEventForm()
    if form.validate_on_submit():
        assignment = db.session.get(ProviderAssignment, form.assignment_id.data)
        if assignment is None or assignment.case_id != item.id:
            abort(404)
        with unit_of_work(on_error=_flashed) as work:
            services.record_provider_event(actor(), assignment, form.event.data, at=_moment(form.at.data))
        if work.ok:
            flash(_("Recorded: %(step)s.", step=screen_labels.name(screen_labels.PROVIDER_EVENTS, form.event.data)),
                  "info")
        return redirect(url_for("assistance.case", case_id=item.id))
    return _detail(item, 422, event=form)


@bp.route("/cases/<int:case_id>/replacement", methods=["POST"])
@login_required
@staff_required
def replacement(case_id: int) -> Any:
    item = _staff_case(case_id)
    form = ReplacementForm()
    if form.validate_on_submit():
        with unit_of_work(on_error=_flashed) as work:
            services.set_replacement(actor(), item, start=form.replacement_start.data,
                                     returned=form.replacement_returned.data, calendar=work_calendar(), now=now())
        if work.ok:
            flash(_("Replacement vehicle dates saved."), "info")
        return redirect(url_for("assistance.case", case_id=item.id))
    return _detail(item, 422, replacement=form)


@bp.route("/cases/<int:case_id>/deadline", methods=["POST"])
@login_required
@staff_required
def deadline(case_id: int) -> Any:
    item = _staff_case(case_id)
    form = DeadlineForm()
    if form.validate_on_submit():
        with unit_of_work(on_error=_flashed) as work:
            services.meet_deadline(actor(), item, form.deadline_id.data, now=now())
        if work.ok:
            flash(_("Deadline marked as met."), "info")
        return redirect(url_for("assistance.case", case_id=item.id))
    return _detail(item, 422, deadline=form)


_AMOUNT = re.compile(r"\d{1,7}(?:[.,]\d{1,2})?")


def _cents(text: str | None) -> int | None:
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        return None
    if not _AMOUNT.fullmatch(cleaned):
        raise ServiceError(_l("%(amount)s is not an amount.", amount=cleaned), "lines")
    try:
        return int(Decimal(cleaned.replace(",", ".")) * 100)
    except InvalidOperation:
        raise ServiceError(_l("%(amount)s is not an amount.", amount=cleaned), "lines") from None


@bp.route("/cases/<int:case_id>/invoice", methods=["POST"])
@login_required
@staff_required
def invoice(case_id: int) -> Any:
    item = _staff_case(case_id)
    form = InvoiceForm()
    if form.validate_on_submit():
        with unit_of_work(on_error=_shown_on(form)) as work:
            rows = [{"item": entry.form.item.data, "description": entry.form.description.data,
                     "quantity": entry.form.quantity.data, "amount_cents": _cents(entry.form.amount.data)}
                    for entry in form.lines.entries]
            checked = services.check_invoice(actor(), item, services.clean_lines(rows),
                                             issuer_kind=form.issuer_kind.data, number=form.number.data,
                                             checked_by_id=current_user.id)
        if work.ok:
            flash(_("Invoice checked: %(accepted)s accepted, %(refused)s refused.",
                    accepted=_money(checked.accepted_cents), refused=_money(checked.refused_cents)), "info")
            return redirect(url_for("assistance.case", case_id=item.id) + "#invoices")
    return _detail(item, 422, invoice=form)


def _money(cents: int) -> str:
    from app.formatting import money

    return money(cents)


@bp.route("/cases/<int:case_id>/invoice-pdf", methods=["POST"])
@login_required
@staff_required
def invoice_pdf(case_id: int) -> Any:
    item = _staff_case(case_id)
    form = InvoicePdfForm()
    if form.validate_on_submit():
        data = form.file.data.read(services.MAX_INVOICE_PDF_BYTES + 1)
        with unit_of_work(on_error=_shown_on(form)) as work:
            lines = services.lines_from_pdf(data, max_pages=int(current_app.config["PDF_MAX_PAGES"]))
            checked = services.check_invoice(actor(), item, lines, issuer_kind=form.issuer_kind.data,
                                             number=form.number.data, source="pdf", checked_by_id=current_user.id)
        if work.ok:
            flash(_("Invoice checked: %(accepted)s accepted, %(refused)s refused.",
                    accepted=_money(checked.accepted_cents), refused=_money(checked.refused_cents)), "info")
            return redirect(url_for("assistance.case", case_id=item.id) + "#invoices")
    return _detail(item, 422, invoice_pdf=form)


@bp.route("/cases/<int:case_id>/close", methods=["POST"])
@login_required
@staff_required
def close(case_id: int) -> Any:
    item = _staff_case(case_id)
    form = CloseForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(on_error=_flashed) as work:
        services.close_case(actor(), item, now=now())
    if work.ok:
        flash(_("Case %(id)s closed.", id=item.id), "info")
    return redirect(url_for("assistance.case", case_id=item.id))


@bp.route("/recharges.csv")
@login_required
def recharges() -> Any:
    """Days beyond the entitlement of the cases closed in a period, as recharge lines (the fines' format)."""
    start = params.date_arg("from") or today().replace(day=1)
    end = params.date_arg("to") or today()
    client_id = params.id_arg("client") if current_user.is_staff else current_user.client_id
    text = recharges_csv(services.recharge_lines(client_id, start, end, work_calendar()))
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="assistance-recharges-{start}-{end}.csv"'
    return response


# --- covers ----------------------------------------------------------------------------------

@bp.route("/covers")
@login_required
def covers() -> Any:
    query = (sa.select(Cover).options(selectinload(Cover.vehicles), selectinload(Cover.client))
             .order_by(Cover.client_id, Cover.policy_number))
    page = db.paginate(query, page=params.page_arg(), per_page=PAGE_SIZE, error_out=False)
    return render_template("assistance/covers.html", page=page)


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in re.split(r"[\n,;]+", text or "") if part.strip()]


def _cover_values(form: CoverForm) -> dict[str, Any]:
    return {"policy_number": form.policy_number.data, "product": form.product.data, "formula": form.formula.data,
            "upgrade": form.upgrade.data, "start_date": form.start_date.data,
            "premium_paid_on": form.premium_paid_on.data, "signed_on": form.signed_on.data,
            "end_date": form.end_date.data, "plates": _split(form.plates.data),
            "contracts": _split(form.contracts.data)}


@bp.route("/covers/new", methods=["GET", "POST"])
@login_required
def new_cover() -> Any:
    form = CoverForm()
    form.client_id.choices = _clients()
    if form.validate_on_submit():
        client = _client_of(form)
        with unit_of_work(form) as work:
            cover = services.save_cover(actor(), client, _cover_values(form))
        if work.ok:
            flash(_("Cover %(number)s saved.", number=cover.policy_number), "info")
            return redirect(url_for("assistance.covers"))
    return render_template("assistance/cover_form.html", form=form, cover=None), 422 if form.errors else 200


@bp.route("/covers/<int:cover_id>", methods=["GET", "POST"])
@login_required
def edit_cover(cover_id: int) -> Any:
    cover = db.get_or_404(Cover, cover_id)
    form = CoverForm()
    if not _posted():
        form = CoverForm(obj=cover, formula=cover.formula or "",
                         plates="\n".join(v.plate for v in cover.vehicles if v.plate),
                         contracts="\n".join(v.contract.contract_number for v in cover.vehicles if v.contract))
    form.client_id.choices = [(cover.client_id, cover.client.code)]
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.save_cover(actor(), cover.client, _cover_values(form), cover)
        if work.ok:
            flash(_("Cover %(number)s saved.", number=cover.policy_number), "info")
            return redirect(url_for("assistance.covers"))
    status = 422 if _posted() else 200
    return render_template("assistance/cover_form.html", form=form, cover=cover), status


@bp.route("/covers/import", methods=["GET", "POST"])
@login_required
def import_covers() -> Any:
    form = ImportForm()
    form.client_id.choices = _clients()
    report = None
    status = 200
    if form.validate_on_submit():
        client = _client_of(form)
        raw = form.file.data.read(MAX_CSV_BYTES + 1)
        if len(raw) > MAX_CSV_BYTES:
            abort(413)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", "replace")
        with unit_of_work(on_error=_import_refused) as work:
            report = services.import_covers(actor(), client, text)
            if not report.ok:
                raise services.ImportRefused(report)
        if work.ok:
            flash(_("Imported: %(created)s new, %(updated)s changed.", created=report.created,
                    updated=report.updated), "info")
            return redirect(url_for("assistance.covers"))
        status = 422
    return render_template("assistance/cover_import.html", form=form, report=report,
                           import_error=screen_labels.import_error), status


def _import_refused(exc: ServiceError) -> None:
    if not isinstance(exc, services.ImportRefused):
        flash(str(exc.message), "error")


# --- providers and the report ------------------------------------------------------------

@bp.route("/providers")
@login_required
@staff_required
def providers() -> Any:
    return render_template("assistance/providers.html", providers=services.providers())


@bp.route("/providers/new", methods=["GET", "POST"])
@login_required
@staff_required
def new_provider() -> Any:
    return _provider_form(None)


@bp.route("/providers/<int:provider_id>", methods=["GET", "POST"])
@login_required
@staff_required
def edit_provider(provider_id: int) -> Any:
    return _provider_form(db.get_or_404(Provider, provider_id))


def _provider_form(provider: Provider | None) -> Any:
    form = ProviderForm(obj=provider)
    if form.validate_on_submit():
        values = {"name": form.name.data, "email": form.email.data, "phone": form.phone.data,
                  "active": form.active.data}
        with unit_of_work(form) as work:
            saved = services.save_provider(actor(), values, provider)
        if work.ok:
            flash(_("Provider %(name)s saved.", name=saved.name), "info")
            return redirect(url_for("assistance.providers"))
    return render_template("assistance/provider_form.html", form=form, provider=provider), \
        422 if form.errors or (_posted() and getattr(form, "refused", False)) else 200


@bp.route("/report")
@login_required
@staff_required
def report() -> Any:
    """The month's provider compliance: contact and appointment on time, documents complete."""
    month = params.month_arg("month") or today().replace(day=1)
    rows = services.provider_report(month, now(), work_calendar())
    return render_template("assistance/report.html", rows=rows, month=month)

