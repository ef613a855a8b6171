"""The requests register in the browser (agents and administrators): the list by nearest deadline, a new
request, its page with the identity check, the extension, the answer, restriction, the export and erasure."""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth import actor, staff_required
from app.clock import now, today
from app.extensions import db
from app.fleet.models import Contract
from app.formatting import day
from app.models import Client, Role
from app.privacy import deadlines, labels, services
from app.privacy.forms import ActionForm, AnswerForm, ExtendForm, IdentityForm, RequestForm
from app.privacy.models import PrivacyRequest
from app.services import ServiceError, record
from app.uow import unit_of_work

bp = Blueprint("privacy", __name__, url_prefix="/privacy", template_folder="templates")
STAFF = (Role.AGENT, Role.ADMIN)


@bp.record_once
def _register(state: Any) -> None:
    from app.demo import add_demo_loader
    from app.privacy.demo import load_demo_privacy
    from app.web import add_dashboard_panel, add_nav_item

    add_nav_item(state.app, _l("Privacy requests"), "privacy.index", STAFF, order=80)
    add_demo_loader(state.app, load_demo_privacy)
    add_dashboard_panel(state.app, "privacy/_dashboard.html", _dashboard_panel)


def _dashboard_panel() -> dict[str, Any]:
    """Agents see the requests due within 7 days and those past due; client users see nothing."""
    if not current_user.is_staff:
        return {"show": False}
    return {"show": True, **services.requests_due(today())}


@bp.context_processor
def _words() -> dict[str, Any]:
    return {"L": labels, "urgency": lambda r: deadlines.urgency(r.due_on, today(), r.state)}


def _request_or_404(request_id: int) -> PrivacyRequest:
    found = db.session.get(PrivacyRequest, request_id)
    if found is None:
        abort(404)
    return found


@bp.route("/")
@staff_required
def index() -> Any:
    """Open requests by nearest deadline first, then the answered ones, newest first."""
    rows = list(db.session.scalars(sa.select(PrivacyRequest).options(sa.orm.joinedload(PrivacyRequest.client))
                                   .order_by(PrivacyRequest.state.notin_(deadlines.OPEN_STATES),
                                             PrivacyRequest.due_on, PrivacyRequest.id).limit(500)))
    open_rows = [r for r in rows if r.state in deadlines.OPEN_STATES]
    closed = sorted((r for r in rows if r.state not in deadlines.OPEN_STATES), key=lambda r: -r.id)
    return render_template("privacy/requests.html", open_rows=open_rows, closed=closed)


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new() -> Any:
    form = RequestForm()
    form.client_id.choices = [(c.id, f"{c.code} · {c.name}") for c in
                              db.session.scalars(sa.select(Client).order_by(Client.code))]
    if not form.is_submitted():
        form.received_on.data = today()
    if form.validate_on_submit():
        client = db.session.get(Client, form.client_id.data)
        if client is None:
            abort(404)
        with unit_of_work(form) as work:
            created = services.open_request(actor(), client, form.kind.data, form.person.data,
                                            form.received_on.data, _contract(client, form.contract_number.data))
        if work.ok:
            flash(_("Request recorded; answer by %(day)s.", day=day(created.due_on)), "info")
            return redirect(url_for("privacy.detail", request_id=created.id))
    return render_template("privacy/request_form.html", form=form), 422 if form.errors else 200


def _contract(client: Client, number: str | None) -> Contract | None:
    if not (number or "").strip():
        return None
    contract = db.session.scalar(sa.select(Contract).where(Contract.client_id == client.id,
                                                           Contract.contract_number == (number or "").strip()))
    if contract is None:
        raise ServiceError(_l("No contract %(number)s for this client.", number=(number or "").strip()),
                           "contract_number")
    return contract


@bp.route("/<int:request_id>")
@staff_required
def detail(request_id: int) -> Any:
    found = _request_or_404(request_id)
    return _detail(found)


def _detail(found: PrivacyRequest, status: int = 200, **forms: Any) -> Any:
    return render_template(
        "privacy/request.html", item=found, restricted=services.is_restricted(found.contract_id),
        contracts=services.person_contracts(found), identity_form=forms.get("identity") or IdentityForm(),
        extend_form=forms.get("extend") or ExtendForm(), answer_form=forms.get("answer") or AnswerForm(),
        action_form=ActionForm()), status


@bp.route("/<int:request_id>/identity", methods=["POST"])
@staff_required
def identity(request_id: int) -> Any:
    found, form = _request_or_404(request_id), IdentityForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.note_identity(actor(), found, form.method.data, now())
        if work.ok:
            return redirect(url_for("privacy.detail", request_id=found.id))
    return _detail(found, 422, identity=form)


@bp.route("/<int:request_id>/extend", methods=["POST"])
@staff_required
def extend(request_id: int) -> Any:
    found, form = _request_or_404(request_id), ExtendForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.extend(actor(), found, form.reason.data, now())
        if work.ok:
            return redirect(url_for("privacy.detail", request_id=found.id))
    return _detail(found, 422, extend=form)


@bp.route("/<int:request_id>/answer", methods=["POST"])
@staff_required
def answer(request_id: int) -> Any:
    found, form = _request_or_404(request_id), AnswerForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.answer(actor(), found, form.outcome.data, now(), refused=bool(form.refused.data))
        if work.ok:
            return redirect(url_for("privacy.detail", request_id=found.id))
    return _detail(found, 422, answer=form)


def _button(request_id: int, operation: Any, done: Any) -> Any:
    found = _request_or_404(request_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        operation(found)
    if work.ok:
        flash(str(done), "info")
    return redirect(url_for("privacy.detail", request_id=found.id))


@bp.route("/<int:request_id>/restrict", methods=["POST"])
@staff_required
def restrict(request_id: int) -> Any:
    return _button(request_id, lambda r: services.restrict(actor(), r, now()),
                   _l("Processing of the driver's data is restricted: no designation without an override."))


@bp.route("/<int:request_id>/lift", methods=["POST"])
@staff_required
def lift(request_id: int) -> Any:
    return _button(request_id, lambda r: services.lift_restriction(actor(), r, now()),
                   _l("The restriction is lifted."))


@bp.route("/<int:request_id>/erase", methods=["POST"])
@staff_required
def erase(request_id: int) -> Any:
    return _button(request_id,
                   lambda r: services.erase_person(actor(), r, current_app.config["DATA_DIR"], now()),
                   _l("The person's data is erased everywhere."))


@bp.route("/<int:request_id>/export.json")
@staff_required
def export(request_id: int) -> Any:
    found = _request_or_404(request_id)
    with unit_of_work() as work:
        data = services.export_person(found)
        record(actor(), "privacy.person_exported", found)
    if not work.ok:
        abort(409)
    response = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="privacy-request-{found.id}.json"'
    return response
