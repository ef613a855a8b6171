"""Lease contracts in the browser: list, edit, CSV import and export."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app import params
from app.auth import actor
from app.extensions import db
from app.fleet import Rematched, RematchReport, contracts_changed, labels, rematch_words
from app.fleet import services as contracts
from app.fleet.contracts_csv import COLUMNS, EXTRA_COLUMNS, HEADERS, TEMPLATE_LANGUAGES, template_csv
from app.fleet.forms import ContractForm, ImportForm
from app.fleet.models import Contract
from app.fleet.plates import Plate, format_plate, normalise_plate
from app.models import Client
from app.services import ServiceError
from app.uow import unit_of_work

bp = Blueprint("contracts", __name__, url_prefix="/contracts")
PAGE_SIZE = 50
MAX_CSV_BYTES = 20 * 1024 * 1024
#: How many rematched records a saved contract names in flashed messages (the rest are counted).
FLASHED = 5


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


def _prefill(form: ContractForm) -> None:
    """Fill a new contract's form from the address (a waiting fine's "Add the contract" passes these).

    ``plate``, ``country``, ``start`` (the offence day) and, for staff, ``client``; a client user naming
    another client than their own gets a 404.
    """
    plate = params.text_arg("plate", 16)
    country = params.choice_arg("country", [code for code, _label in form.plate_country.choices])
    start = params.date_arg("start")
    client_id = params.id_arg("client")
    if client_id is not None:
        if not current_user.is_staff and client_id != current_user.client_id:
            abort(404)
        if current_user.is_staff:
            if db.session.get(Client, client_id) is None:
                abort(404)
            form.client_id.data = client_id
    if plate:
        normal = normalise_plate(plate, country)
        form.plate.data = format_plate(normal) if normal is not None else plate
        if normal is not None and normal.country in dict(form.plate_country.choices):
            form.plate_country.data = normal.country
    if country:
        form.plate_country.data = country
    if start is not None:
        form.start_date.data = start


def _rematched(record: Rematched) -> dict[str, str] | None:
    """A rematched record as the screens show it (title, address, state, why it waits), or None."""
    words = rematch_words(record.feature)
    if words is None:
        return None
    return {"title": words.title(record.id), "url": words.url(record.id), "state": words.state(record.state),
            "why": words.reason(record.reason_code, record.reason_params) if record.waiting else "",
            "contract": record.contract or ""}


def _flash_rematched(report: RematchReport) -> None:
    """Say what matching again did to the records of the saved contract's plates."""
    for record in report.records[:FLASHED]:
        shown = _rematched(record)
        if shown is None:
            continue
        if record.waiting:
            flash(_("%(what)s still waits: %(why)s", what=shown["title"], why=shown["why"]), "warning")
        else:
            flash(_("%(what)s is matched to contract %(number)s: %(state)s.", what=shown["title"],
                    number=shown["contract"], state=shown["state"]), "info")
    more = report.matched + report.waiting - min(len(report.records), FLASHED)
    if more > 0:
        flash(ngettext("And %(num)s more fine looked at again.", "And %(num)s more fines looked at again.", more),
              "info")


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
        report = contracts_changed(plates, actor())
    if not work.ok:
        return None
    flash(_("Contract %(number)s saved.", number=saved.contract_number), "info")
    _flash_rematched(report)
    clash = contracts.overlapping(saved)
    if clash:
        flash(_("Careful: this period overlaps contract(s) %(numbers)s of the same plate; fines in the overlap "
                "wait for information.", numbers=", ".join(c.contract_number for c in clash)), "error")
    return saved


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    form = _form()
    back = params.next_arg()
    if form.validate_on_submit():
        saved = _save(form, None)
        if saved is not None:
            return redirect(back or url_for("contracts.index", q=saved.contract_number))
    elif request.method == "GET":
        _prefill(form)
    return (render_template("fleet/contract_form.html", form=form, contract=None, back=back),
            422 if form.errors else 200)


@bp.route("/<int:contract_id>", methods=["GET", "POST"])
@login_required
def edit(contract_id: int) -> Any:
    contract = db.get_or_404(Contract, contract_id)
    form = _form(contract)
    back = params.next_arg()
    if form.validate_on_submit():
        saved = _save(form, contract)
        if saved is not None:
            return redirect(back or url_for("contracts.edit", contract_id=saved.id))
    status = 422 if request.method == "POST" else 200
    return render_template("fleet/contract_form.html", form=form, contract=contract, back=back), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_csv() -> Any:
    form = ImportForm()
    if current_user.is_staff:
        form.client_id.choices = [(0, _("As the file says (client_code column)"))] + [
            (c.id, f"{c.code} · {c.name}") for c in _clients()]
    report = rematched = None
    status = 200
    if form.validate_on_submit():
        text = _uploaded_text(form)
        own = current_user.client if not current_user.is_staff else _picked_client(form)
        with unit_of_work(on_error=_import_refused) as work:
            report = contracts.import_contracts(actor(), text, client=own,
                                                allowed_client_ids=None if own is None else {own.id})
            if not report.ok:
                raise contracts.ImportRefused(report)
            rematched = contracts_changed(report.plates, actor())
        if not work.ok:
            status = 422
    return render_template("fleet/contract_import.html", form=form, report=report, rematched=rematched,
                           describe=_rematched, import_error=labels.import_error, columns=_columns_table(),
                           needs=labels.INSTRUCTION_NEEDS, column_name=_column_name), status


def _uploaded_text(form: ImportForm) -> str:
    raw = form.file.data.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        abort(413)
    try:
        return str(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return str(raw.decode("cp1252", "replace"))


def _picked_client(form: ImportForm) -> Client | None:
    """The client staff picked for the file, or None (the file's client_code column says)."""
    if not form.client_id.data:
        return None
    client = db.session.get(Client, form.client_id.data)
    if client is None:
        abort(404)
    return client


def _language() -> str:
    language = str(get_locale() or "en")[:2]
    return language if language in TEMPLATE_LANGUAGES else "en"


def _column_name(column: str) -> str:
    """A column's header as the user's template names it."""
    return HEADERS.get(_language(), {}).get(column, column)


def _columns_table() -> list[tuple[str, str, str]]:
    """The import hint's table: (column as the user's template names it, its English name, what it is for)."""
    names = HEADERS.get(_language(), {})
    shown = [c for c in COLUMNS + EXTRA_COLUMNS if current_user.is_staff or c != "client_code"]
    return [(names.get(c, c), c, str(labels.COLUMN_NOTES[c])) for c in shown]


@bp.route("/template.csv")
@login_required
def template() -> Any:
    """A CSV to fill in, headers in the user's language (or ``lang``), with one example row."""
    language = params.choice_arg("lang", TEMPLATE_LANGUAGES) or _language()
    # A client user's own client is taken, so their file has no client_code column; staff name one.
    code = None if not current_user.is_staff else next((c.code for c in _clients()), "")
    text = template_csv(language, code)
    response = Response(text.encode("utf-8-sig"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="contracts-template-{language}.csv"'
    return response


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
