"""A client's life on the platform: suspension by an admin and the operator-client service contract.

A suspended client (AV 13.2, 14.3) keeps all its data. Its users are refused at login
(``app.services.authenticate``), its live sessions end at once and a request still carrying one is
refused (``app.auth``'s user loader flags it, ``refuse_suspended`` answers): a page is redirected to
the login form with the message, a form post or an ``/api/`` call gets a 403 and writes nothing.
Features hold what arrives meanwhile (fines hold the mail to the intake address) and take it in when
the suspension is lifted: they register with ``on_client_resumed``.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from app import clock
from app.auth import actor, admin_required
from app.extensions import db
from app.models import Client, Role, ServiceContract, User, UserSession
from app.service_contract import MIN_NOTICE_MONTHS, ContractDates, ServiceTerms, add_months, dates_on
from app.services import Actor, ServiceError, record
from app.uow import unit_of_work

#: Called with (client id, actor) when a client's suspension is lifted; returns how many held items it took in.
ClientResumed = Callable[[int, Actor], int]
_KEY = "fleetdesk.client_resumed"
#: Set on ``flask.g`` by the user loader when the session belongs to a suspended client's user.
SUSPENDED_FLAG = "fleetdesk_suspended_client_user"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bp = Blueprint("client_life", __name__, url_prefix="/admin/clients")


def on_client_resumed(app: Flask, callback: ClientResumed) -> None:
    """Let a feature take in what it held for a client while it was suspended (fines: the held mail)."""
    app.extensions.setdefault(_KEY, []).append(callback)


def client_resumed(client_id: int, actor: Actor) -> int:
    """Tell every registered feature that this client's suspension was lifted; return what they took in."""
    return sum(callback(client_id, actor) for callback in current_app.extensions.get(_KEY, []))


# --- services (flush only; the caller commits) ----------------------------------------------

def suspend_client(actor: Actor, client: Client, reason: str, now: datetime) -> int:
    """Suspend ``client`` for ``reason``: end every live session of its users; return how many ended."""
    reason = " ".join(reason.split())
    if not reason:
        raise ServiceError(_l("A suspension needs a reason."), "reason")
    if client.is_suspended:
        raise ServiceError(_l("Client %(code)s is suspended already.", code=client.code), "reason")
    client.suspended_at, client.suspension_reason = now, reason[:500]
    users = sa.select(User.id).where(User.client_id == client.id)
    result = db.session.execute(sa.update(UserSession).where(UserSession.user_id.in_(users),
                                                             UserSession.ended_at.is_(None),
                                                             UserSession.expires_at > now).values(ended_at=now))
    ended = int(result.rowcount or 0)  # type: ignore[attr-defined]
    db.session.flush()
    record(actor, "client.suspended", client, reason=client.suspension_reason, sessions_ended=ended)
    return ended


def resume_client(actor: Actor, client: Client) -> int:
    """Lift ``client``'s suspension; the features take in what they held. Return how much they took in."""
    if not client.is_suspended:
        raise ServiceError(_l("Client %(code)s is not suspended.", code=client.code), "client")
    client.suspended_at, client.suspension_reason = None, None
    db.session.flush()
    taken = client_resumed(client.id, actor)
    record(actor, "client.resumed", client, held_mail=taken)
    return taken


def set_service_contract(actor: Actor, client: Client, *, starts_on: date, term_months: int,
                         notice_months: int = MIN_NOTICE_MONTHS, renewal_months: int = 12) -> ServiceContract:
    """Record (or change) the client's service contract; the terms must allow at least 12 months' notice."""
    problems = ServiceTerms(starts_on, term_months, notice_months, renewal_months).problems()
    if "notice_too_short" in problems:
        raise ServiceError(_l("The notice period is at least %(months)s months.", months=MIN_NOTICE_MONTHS),
                           "notice_months")
    if problems:
        raise ServiceError(_l("A term is at least one month."), "term_months")
    contract = client.service_contract or ServiceContract(client=client)
    before = {"starts_on": contract.starts_on, "term_months": contract.term_months,
              "notice_months": contract.notice_months, "renewal_months": contract.renewal_months}
    after = {"starts_on": starts_on, "term_months": term_months, "notice_months": notice_months,
             "renewal_months": renewal_months}
    if before == after:
        return contract
    for key, value in after.items():
        setattr(contract, key, value)
    db.session.add(contract)
    db.session.flush()
    record(actor, "client.service_contract_set", client, starts_on=starts_on.isoformat(), term_months=term_months,
           notice_months=notice_months, renewal_months=renewal_months)
    return contract


def contract_dates(client: Client, today: date) -> ContractDates | None:
    """The client's service contract dates on ``today``, or None without a contract."""
    contract = client.service_contract
    if contract is None:
        return None
    return dates_on(ServiceTerms(contract.starts_on, contract.term_months, contract.notice_months,
                                 contract.renewal_months), today)


# --- the guard -------------------------------------------------------------------------------

def suspended_message() -> str:
    return _("Your organisation's FleetDesk account is suspended. Please contact your account manager.")


def refuse_suspended() -> Any:
    """Answer a request that carries a suspended client user's session (flagged by the user loader)."""
    if request.endpoint == "static":
        return None
    if current_user.is_authenticated or not g.pop(SUSPENDED_FLAG, False):  # loading the user flags it
        return None
    session.clear()
    if request.path.startswith("/api/"):
        return jsonify(error="client_suspended", message=suspended_message()), 403
    if request.method not in _SAFE_METHODS:
        return render_template("error.html", code=403, title=_("Account suspended"),
                               message=suspended_message()), 403
    flash(suspended_message(), "error")
    return redirect(url_for("auth.login"))


def flag_suspended(user: User) -> bool:
    """Tell the guard (and return True) when ``user`` is a suspended client's user: the loader then refuses them."""
    if user.role is Role.CLIENT and user.client is not None and user.client.is_suspended:
        g.setdefault(SUSPENDED_FLAG, True)
        return True
    return False


def load_demo_contracts(app: Flask) -> None:
    """Demo service contracts: ACME's notice day is three weeks away, Brabant Fleet's term has long to run.

    No demo client is suspended: the demo users (and the crawler) log in as them.
    """
    today = clock.today()
    actor = Actor(label="demo")
    plans = {"ACME": (add_months(today + timedelta(days=21), -24), 36), "BRAFL": (add_months(today, -14), 36)}
    for client in db.session.scalars(sa.select(Client).where(Client.code.in_(plans))):
        starts_on, term = plans[client.code]
        set_service_contract(actor, client, starts_on=starts_on, term_months=term)


def init_app(app: Flask) -> None:
    """Install the guard, the admin screens, the template helpers and the demo contracts."""
    from app.demo import add_demo_loader

    add_demo_loader(app, load_demo_contracts)
    app.before_request(refuse_suspended)
    app.register_blueprint(bp)
    app.add_template_global(lambda client: contract_dates(client, clock.today()), "service_contract_dates")


# --- the admin screen ------------------------------------------------------------------------

class SuspendForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the suspension"), validators=[DataRequired(), Length(max=500)],
                           description=_l("Shown to administrators; the client's users read a general message."))
    confirm_code = StringField(_l("Type the client's code to confirm"), validators=[DataRequired(), Length(max=32)])


class ResumeForm(FlaskForm):
    pass


class ServiceContractForm(FlaskForm):
    starts_on = DateField(_l("Contract start"), validators=[DataRequired()])
    term_months = IntegerField(_l("Initial term (months)"), validators=[DataRequired(), NumberRange(min=1, max=600)],
                               default=36)
    notice_months = IntegerField(_l("Notice period (months)"), default=MIN_NOTICE_MONTHS,
                                 validators=[DataRequired(), NumberRange(min=MIN_NOTICE_MONTHS, max=120)])
    renewal_months = IntegerField(_l("Renewal term (months)"), default=12,
                                  validators=[DataRequired(), NumberRange(min=1, max=120)],
                                  description=_l("Renewed tacitly on the anniversary for this term."))


def _page(client: Client, *, suspend: SuspendForm | None = None, resume: ResumeForm | None = None,
          contract: ServiceContractForm | None = None, status: int = 200) -> Any:
    if contract is None:
        contract = ServiceContractForm(obj=client.service_contract)
    return render_template("admin/client_life.html", client=client, suspend_form=suspend or SuspendForm(),
                           resume_form=resume or ResumeForm(), contract_form=contract,
                           dates=contract_dates(client, clock.today())), status



@bp.route("/<int:client_id>/life")
@admin_required
def life(client_id: int) -> Any:
    return _page(db.get_or_404(Client, client_id))


@bp.route("/<int:client_id>/suspend", methods=["POST"])
@admin_required
def suspend(client_id: int) -> Any:
    client = db.get_or_404(Client, client_id)
    form = SuspendForm()
    if form.validate_on_submit() and (form.confirm_code.data or "").strip().upper() != client.code:
        form.confirm_code.errors = [_("This is not the client's code.")]
    elif form.validate_on_submit():
        with unit_of_work(form) as work:
            suspend_client(actor(), client, form.reason.data or "", clock.now())
        if work.ok:
            flash(_("Client %(code)s is suspended.", code=client.code), "info")
            return redirect(url_for("client_life.life", client_id=client.id))
    return _page(client, suspend=form, status=422)


@bp.route("/<int:client_id>/resume", methods=["POST"])
@admin_required
def resume(client_id: int) -> Any:
    client = db.get_or_404(Client, client_id)
    form = ResumeForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            taken = resume_client(actor(), client)
        if work.ok:
            flash(_("The suspension of %(code)s is lifted; %(count)s held e-mail(s) taken in.",
                    code=client.code, count=taken), "info")
            return redirect(url_for("client_life.life", client_id=client.id))
    return _page(client, resume=form, status=422)


@bp.route("/<int:client_id>/service-contract", methods=["POST"])
@admin_required
def service_contract(client_id: int) -> Any:
    client = db.get_or_404(Client, client_id)
    form = ServiceContractForm()
    if form.validate_on_submit() and form.starts_on.data is not None:
        with unit_of_work(form) as work:
            set_service_contract(actor(), client, starts_on=form.starts_on.data,
                                 term_months=form.term_months.data or 0,
                                 notice_months=form.notice_months.data or 0,
                                 renewal_months=form.renewal_months.data or 0)
        if work.ok:
            flash(_("Service contract of %(code)s saved.", code=client.code), "info")
            return redirect(url_for("client_life.life", client_id=client.id))
    return _page(client, contract=form, status=422)
