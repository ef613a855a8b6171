"""The web shell: dashboard, the client's company page, health check, navigation and errors."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.models import AuditEntry, Client, Role
from app.params import BadParameter

bp = Blueprint("web", __name__)


@dataclass(frozen=True)
class NavItem:
    """One entry of the main navigation; feature blueprints add theirs with ``add_nav_item``."""

    label: Any
    endpoint: str
    roles: frozenset[Role]
    order: int


def add_nav_item(app: Flask, label: Any, endpoint: str, roles: tuple[Role, ...] = tuple(Role),
                 order: int = 50) -> None:
    """Register a navigation entry (Fines, Contracts, Support, Uptime, Backups, Admin...)."""
    items: list[NavItem] = app.extensions.setdefault("fleetdesk.nav", [])
    items.append(NavItem(label, endpoint, frozenset(roles), order))
    items.sort(key=lambda item: item.order)


@bp.record_once
def _register_nav(state: Any) -> None:
    add_nav_item(state.app, _l("Clients and users"), "admin.clients", (Role.ADMIN,), order=90)


@dataclass(frozen=True)
class DashboardPanel:
    """One card (or group of cards) of the dashboard; features add theirs with ``add_dashboard_panel``."""

    template: str
    context: Any
    roles: frozenset[Role]
    order: int


def add_dashboard_panel(app: Flask, template: str, context: Any, roles: tuple[Role, ...] = tuple(Role),
                        order: int = 50) -> None:
    """Let a feature show a panel on the dashboard: ``context()`` returns the template's variables.

    Only the ``roles`` named see it (its queries do not run for the others); panels show by ``order``,
    the work of the day first. ``context()`` may return None to show nothing.
    """
    panels: list[DashboardPanel] = app.extensions.setdefault("fleetdesk.panels", [])
    panels.append(DashboardPanel(template, context, frozenset(roles), order))
    panels.sort(key=lambda panel: panel.order)


ROLE_LABELS = {Role.ADMIN: _l("Administrator"), Role.AGENT: _l("Agent"), Role.CLIENT: _l("Client user")}


def role_label(role: Role | str) -> str:
    """A role in the user's language (the role badge, the users list, the account page)."""
    return str(ROLE_LABELS[Role(role)])


@bp.app_context_processor
def _audit_words() -> dict[str, Any]:
    from app import audit_labels

    return {"action_label": audit_labels.action_label, "object_label": audit_labels.object_label,
            "actor_label": audit_labels.actor_label,
            "readable_details": audit_labels.readable_details}


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    items: list[NavItem] = current_app.extensions.get("fleetdesk.nav", [])
    if not current_user.is_authenticated:
        return {"nav_items": [], "role_label": role_label}
    return {"nav_items": [item for item in items if current_user.role in item.roles], "role_label": role_label}


@bp.route("/")
@login_required
def dashboard() -> Any:
    client = current_user.client if current_user.role is Role.CLIENT else None
    clients = [] if client else db.session.scalars(sa.select(Client).order_by(Client.code)).all()
    registered: list[DashboardPanel] = current_app.extensions.get("fleetdesk.panels", [])
    shown = (panel for panel in registered if current_user.role in panel.roles)
    panels = [(panel.template, values) for panel in shown if (values := panel.context()) is not None]
    return render_template("dashboard.html", client=client, clients=clients, panels=panels)


@bp.route("/clients/<int:client_id>")
@login_required
def client_detail(client_id: int) -> Any:
    client = db.get_or_404(Client, client_id)  # tenant-scoped: another client's id is a 404
    activity = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.client_id == client.id).order_by(AuditEntry.at.desc()).limit(20)
    ).all()
    return render_template("client.html", client=client, activity=activity)


@bp.route("/healthz")
def healthz() -> Any:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        return {"status": "failing", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


def _error(code: int, title: str, message: str) -> Any:
    return render_template("error.html", code=code, title=title, message=message), code


def _wants_json() -> bool:
    """Files and API answers (``.csv``, ``.json``) get errors as JSON, pages get a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.endswith((".csv", ".json")) or best == "application/json"


@bp.app_errorhandler(400)
def bad_request(error: Any) -> Any:
    if isinstance(error, BadParameter):
        message = str(error.description)
    else:
        message = _("The request could not be understood; nothing was changed.")
    if _wants_json():
        return {"error": "bad_request", "parameter": getattr(error, "parameter", None), "message": message}, 400
    return _error(400, _("Bad request"), message)


@bp.app_errorhandler(410)
def gone(error: Any) -> Any:
    message = str(error.description) if error.description != type(error).description else _(
        "This was erased and cannot be shown any more.")
    return _error(410, _("Gone"), message)


#: Each HTTP error's title and sentence, in the reader's language (Werkzeug's own words are English).
HTTP_ERRORS: dict[int, tuple[Any, Any]] = {
    400: (_l("Bad request"), _l("The request could not be understood; nothing was changed.")),
    401: (_l("Not logged in"), _l("Log in to see this page.")),
    403: (_l("Forbidden"), _l("You may not do this; nothing was changed.")),
    404: (_l("Not found"), _l("There is nothing here, or it is not yours to see.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    406: (_l("Not acceptable"), _l("This page cannot be given in the form your browser asks for.")),
    408: (_l("Too slow"), _l("The request took too long to arrive; nothing was changed.")),
    409: (_l("Conflict"), _l("This clashes with what was changed meanwhile; reload the page and try again.")),
    410: (_l("Gone"), _l("This was erased and cannot be shown any more.")),
    411: (_l("Bad request"), _l("The request could not be understood; nothing was changed.")),
    413: (_l("Too large"), _l("The request is too large; nothing was stored.")),
    414: (_l("Address too long"), _l("This address is too long to be understood.")),
    415: (_l("Unsupported file"), _l("This kind of file or form is not accepted; nothing was stored.")),
    422: (_l("Cannot be processed"), _l("The request cannot be carried out as it is; nothing was changed.")),
    429: (_l("Too many requests"), _l("Too many attempts in a short time: wait a moment and try again.")),
    501: (_l("Not available"), _l("This is not available.")),
    502: (_l("Not available"), _l("FleetDesk cannot be reached just now: try again in a moment.")),
    503: (_l("Not available"), _l("FleetDesk cannot be reached just now: try again in a moment.")),
    504: (_l("Not available"), _l("FleetDesk cannot be reached just now: try again in a moment.")),
}


def _http_words(code: int) -> tuple[str, str]:
    """An HTTP error's title and sentence; a status not in the table takes its class's (4xx, 5xx) words."""
    found = HTTP_ERRORS.get(code) or HTTP_ERRORS[400 if code < 500 else 503]
    return str(found[0]), str(found[1])


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Any:
    """Any other HTTP error (``abort(403)``, ``abort(409)``...): the house page in the user's language.

    Its status code is kept, and so are the headers Werkzeug adds (``Allow`` on a 405, ``Retry-After``);
    a redirect or an answer a view built itself passes through unchanged. Files and API answers get JSON.
    """
    code = error.code or 500
    if code < 400 or error.response is not None:
        return error.get_response() if error.response is None else error.response
    title, message = _http_words(code)
    if _wants_json():
        response = current_app.json.response({"error": (error.name or "error").lower().replace(" ", "_"),
                                               "message": message})
    else:
        response = current_app.make_response(render_template("error.html", code=code, title=title,
                                                             message=message))
    response.status_code = code
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


@bp.app_errorhandler(413)
def too_large(error: Any) -> Any:
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return _error(413, _("Too large"), _("The request is larger than %(limit)s MB; nothing was stored.", limit=limit))


@bp.app_errorhandler(500)
def server_error(error: Any) -> Any:
    db.session.rollback()
    return _error(500, _("Something went wrong"), _("The error was logged; nothing was half-saved."))

