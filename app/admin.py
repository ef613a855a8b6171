"""Administration screens: clients, users and the audit log (admins only)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import params, services
from app.auth import actor, admin_required
from app.extensions import db
from app.forms import ClientForm, UserForm
from app.models import AuditEntry, Client, Role, User
from app.uow import unit_of_work

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.route("/clients")
@admin_required
def clients() -> Any:
    rows = db.session.execute(
        sa.select(Client, sa.func.count(User.id)).outerjoin(User).group_by(Client.id).order_by(Client.code)
    ).all()
    return render_template("admin/clients.html", rows=rows)


@bp.route("/clients/new", methods=["GET", "POST"])
@admin_required
def client_new() -> Any:
    form = ClientForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            client = services.add_client(actor(), form.code.data or "", form.name.data or "",
                                         current_app.config["INTAKE_DOMAIN"], form.intake_address.data or None,
                                         locale=form.locale.data or None)
        if work.ok:
            flash(_("Client %(code)s created.", code=client.code), "info")
            return redirect(url_for("web.client_detail", client_id=client.id))
    return render_template("admin/client_form.html", form=form, client=None), _status(form)


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
@admin_required
def client_edit(client_id: int) -> Any:
    client = db.get_or_404(Client, client_id)
    form = ClientForm(obj=client)
    form.code.render_kw = {"readonly": True}
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.update_client(actor(), client, name=form.name.data or "",
                                   intake_address=form.intake_address.data or client.intake_address,
                                   active=bool(form.active.data), locale=form.locale.data or None)
        if work.ok:
            flash(_("Client %(code)s saved.", code=client.code), "info")
            return redirect(url_for("web.client_detail", client_id=client.id))
    return render_template("admin/client_form.html", form=form, client=client), _status(form)


@bp.route("/users")
@admin_required
def users() -> Any:
    query = sa.select(User).order_by(User.role, User.email)
    client_id = params.id_arg("client")
    if client_id:
        query = query.where(User.client_id == client_id)
    return render_template("admin/users.html", users=db.session.scalars(query).all())


def _user_form(obj: User | None = None) -> UserForm:
    form = UserForm(obj=obj)
    form.client_id.choices = [(0, "—")] + [
        (c.id, f"{c.code} · {c.name}") for c in db.session.scalars(sa.select(Client).order_by(Client.code))
    ]
    if obj is not None and request.method == "GET":
        form.role.data = obj.role.value
        form.client_id.data = obj.client_id or 0
        form.locale.data = obj.locale or ""
    return form


def _chosen_client(form: UserForm) -> Client | None:
    return db.session.get(Client, form.client_id.data) if form.client_id.data else None


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new() -> Any:
    form = _user_form()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            user = services.create_user(actor(), email=form.email.data or "", name=form.name.data or "",
                                        role=Role(form.role.data), password=form.password.data or "",
                                        client=_chosen_client(form),
                                        min_password_length=current_app.config["PASSWORD_MIN_LENGTH"])
            user.locale = form.locale.data or None
            user.can_report_incidents = bool(form.can_report_incidents.data) and user.role is Role.CLIENT
        if work.ok:
            flash(_("User %(email)s created.", email=user.email), "info")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), _status(form)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = _user_form(user)
    form.email.render_kw = {"readonly": True}
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.update_user(actor(), user, name=form.name.data or "", role=Role(form.role.data),
                                 client=_chosen_client(form), active=bool(form.active.data),
                                 locale=form.locale.data)
            if form.password.data:
                services.set_password(actor(), user, form.password.data, current_app.config["PASSWORD_MIN_LENGTH"])
            services.set_reporter(actor(), user, bool(form.can_report_incidents.data))
        if work.ok:
            flash(_("User %(email)s saved.", email=user.email), "info")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), _status(form)


@bp.route("/audit")
@admin_required
def audit() -> Any:
    page = params.page_arg()
    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    client_id = params.id_arg("client")
    if client_id:
        query = query.where(AuditEntry.client_id == client_id)
    entries = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    clients = db.session.scalars(sa.select(Client).order_by(Client.code)).all()
    return render_template("admin/audit.html", entries=entries, clients=clients, client_id=client_id)


def _status(form: Any) -> int:
    """Answer 422 when a submitted form is refused, so scripts and tests see the refusal."""
    refused = bool(form.errors) or getattr(form, "refused", False)
    return 422 if request.method == "POST" and refused else 200
