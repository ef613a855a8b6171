"""The admin's off-boarding screens: a client's off-boarding (start, export, purge) and the purge certificates."""
from __future__ import annotations

import io
import tempfile
from typing import Any

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app import clock
from app.auth import actor, admin_required
from app.extensions import db
from app.models import Client
from app.offboarding import services
from app.uow import unit_of_work

bp = Blueprint("offboarding", __name__, url_prefix="/admin/clients")


def init_app(app: Flask) -> None:
    """Mount the off-boarding screens."""
    app.register_blueprint(bp)


class StartForm(FlaskForm):
    pass


class ExportForm(FlaskForm):
    pass


class PurgeForm(FlaskForm):
    confirm_code = StringField(_l("Type the client's code to confirm"), validators=[DataRequired(), Length(max=32)],
                               description=_l("Everything of the client is removed for good; only the purge "
                                              "certificate remains."))


def _page(client: Client, *, purge: PurgeForm | None = None, status: int = 200) -> Any:
    grace = int(current_app.config["PURGE_GRACE_DAYS"])
    return render_template("admin/offboarding.html", client=client, offboarding=services.offboarding_of(client),
                           allowed_from=services.purge_allowed_from(client, grace), grace_days=grace,
                           start_form=StartForm(), export_form=ExportForm(), purge_form=purge or PurgeForm(),
                           now=clock.now()), status


@bp.route("/<int:client_id>/offboarding")
@admin_required
def offboarding(client_id: int) -> Any:
    return _page(db.get_or_404(Client, client_id))


@bp.route("/<int:client_id>/offboarding/start", methods=["POST"])
@admin_required
def start(client_id: int) -> Any:
    client = db.get_or_404(Client, client_id)
    form = StartForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.start_offboarding(actor(), client, clock.now())
        if work.ok:
            flash(_("Off-boarding of %(code)s started.", code=client.code), "info")
    return redirect(url_for("offboarding.offboarding", client_id=client.id))


@bp.route("/<int:client_id>/offboarding/export", methods=["POST"])
@admin_required
def export(client_id: int) -> Any:
    client = db.get_or_404(Client, client_id)
    form = ExportForm()
    if not form.validate_on_submit():
        return _page(client, status=422)
    with tempfile.TemporaryDirectory() as work_dir:
        with unit_of_work(form) as work:
            result = services.export_client(actor(), client, work_dir, clock.now())
        if not work.ok:
            return _page(client, status=422)
        data = result.zip_path.read_bytes()
        name = result.zip_path.name
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=name)


@bp.route("/<int:client_id>/offboarding/purge", methods=["POST"])
@admin_required
def purge(client_id: int) -> Any:
    client = db.get_or_404(Client, client_id)
    form = PurgeForm()
    if form.validate_on_submit():
        if (form.confirm_code.data or "").strip().upper() != client.code:
            form.confirm_code.errors = [_("This is not the client's code.")]
            return _page(client, purge=form, status=422)
        code = client.code
        with unit_of_work(form) as work:
            result = services.purge_client(actor(), client, clock.now())
        if work.ok:
            services.remove_files(result.files)
            flash(_("Client %(code)s purged; its purge certificate is kept.", code=code), "info")
            return redirect(url_for("offboarding.certificates"))
    return _page(client, purge=form, status=422)


@bp.route("/certificates")
@admin_required
def certificates() -> Any:
    return render_template("admin/certificates.html", certificates=services.certificates())
