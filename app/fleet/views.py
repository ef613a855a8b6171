"""Lease contracts in the browser: list, edit, CSV import and export."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app import params
from app.auth import actor
from app.extensions import db
from app.fleet import contracts_changed, labels
from app.fleet import services as contracts
from app.fleet.forms import ContractForm, ImportForm
from app.fleet.models import Contract
from app.fleet.plates import Plate, format_plate
from app.models import Client
from app.services import ServiceError
from app.uow import unit_of_work

bp = Blueprint("contracts", __name__, url_prefix="/contracts")
PAGE_SIZE = 50
MAX_CSV_BYTES = 20 * 1024 * 1024


@bp.record_once
def _register(state: Any) -> None:
    from app.web import add_nav_item

    add_nav_item(state.app, _l("Contracts"), "contracts.index", order=20)


@bp.app_template_filter("plate")
def plate_filter(text: str | None, country: str | None = "BE") -> str:
    """Show a stored plate in its national notation (1-ABC-123)."""
    return format_plate(Plate(country or "BE", text)) if text else ""


def _clients() -> list[Client]:
    return list(db.session.scalars(sa.select(Client).where(Client.active).order_by(Client.code)))


@bp.route("/")
@login_required
def index() -> Any:
    query = (sa.select(Contract).options(sa.orm.joinedload(Contract.client))
             .order_by(Contract.plate, Contract.start_date))
    text = params.text_arg("q") or ""
    q = text.upper().replace("-", "").replace(" ", "")
    if q:
        query = query.where(sa.or_(Contract.plate.contains(q), Contract.contract_number.ilike(f"%{q}%")))
    page = db.paginate(query, page=params.page_arg(), per_page=PAGE_SIZE, error_out=False)
    return render_template("fleet/contracts.html", page=page, q=text)


def _form(contract: Contract | None = None) -> ContractForm:
    form = ContractForm(obj=contract)
    form.client_id.choices = [(c.id, f"{c.code} · {c.name}") for c in _clients()]
    return form


def _save(form: ContractForm, contract: Contract | None) -> Contract | None:
    client = current_user.client if not current_user.is_staff else db.session.get(Client, form.client_id.data)
    if contract is not None:
        client = db.session.get(Client, contract.client_id)
    if client is None:
        abort(404)
    values = {name: getattr(form, name).data for name in contracts.FIELDS}
    old_plate = contract.plate if contract else None
    with unit_of_work(form) as work:
        saved = contracts.save_contract(actor(), client, values, contract)
        plates = {(client.id, saved.plate)} | ({(client.id, old_plate)} if old_plate else set())
        contracts_changed(plates, actor())
    if not work.ok:
        return None
    clash = contracts.overlapping(saved)
    if clash:
        flash(_("Careful: this period overlaps contract(s) %(numbers)s of the same plate; fines in the overlap "
                "wait for information.", numbers=", ".join(c.contract_number for c in clash)), "error")
    return saved


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    form = _form()
    if form.validate_on_submit():
        saved = _save(form, None)
        if saved is not None:
            flash(_("Contract %(number)s saved.", number=saved.contract_number), "info")
            return redirect(url_for("contracts.index", q=saved.contract_number))
    return render_template("fleet/contract_form.html", form=form, contract=None), 422 if form.errors else 200


@bp.route("/<int:contract_id>", methods=["GET", "POST"])
@login_required
def edit(contract_id: int) -> Any:
    contract = db.get_or_404(Contract, contract_id)
    form = _form(contract)
    if form.validate_on_submit():
        saved = _save(form, contract)
        if saved is not None:
            flash(_("Contract %(number)s saved.", number=saved.contract_number), "info")
            return redirect(url_for("contracts.edit", contract_id=saved.id))
    status = 422 if request.method == "POST" else 200
    return render_template("fleet/contract_form.html", form=form, contract=contract), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_csv() -> Any:
    form = ImportForm()
    report = None
    status = 200
    if form.validate_on_submit():
        raw = form.file.data.read(MAX_CSV_BYTES + 1)
        if len(raw) > MAX_CSV_BYTES:
            abort(413)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", "replace")
        own = None if current_user.is_staff else current_user.client
        with unit_of_work(on_error=_import_refused) as work:
            report = contracts.import_contracts(actor(), text, client=own,
                                                allowed_client_ids=None if own is None else {own.id})
            if not report.ok:
                raise contracts.ImportRefused(report)
            contracts_changed(report.plates, actor())
        if work.ok:
            flash(_("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.",
                    created=report.created, updated=report.updated, unchanged=report.unchanged), "info")
            return redirect(url_for("contracts.index"))
        status = 422
    return render_template("fleet/contract_import.html", form=form, report=report,
                           import_error=labels.import_error), status


def _import_refused(exc: ServiceError) -> None:
    """Leave an import's problems to its report on the page; flash any other refusal."""
    if not isinstance(exc, contracts.ImportRefused):
        flash(str(exc.message), "error")


@bp.route("/export.csv")
@login_required
def export_csv() -> Any:
    client_id = params.id_arg("client") if current_user.is_staff else current_user.client_id
    text = contracts.export_contracts(client_id)
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="contracts.csv"'
    return response
