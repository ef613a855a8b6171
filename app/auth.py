"""Login, logout, the user's own account, and the per-request security mechanisms."""
from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError
from limits import RateLimitItem, RateLimitItemPerSecond

from app import formatting, params, security, services
from app.clock import now
from app.extensions import db, limiter, login_manager
from app.forms import AccountForm, LoginForm
from app.models import Role, User
from app.tenancy import bind_tenant, unbind_tenant
from app.uow import unit_of_work

logger = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
#: The session key holding the login session's token (``app.models.UserSession``).
SESSION_TOKEN = "login_session"
F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Let only these roles in; others get 404 so that staff pages are not even revealed."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


staff_required = roles_required(Role.AGENT, Role.ADMIN)
admin_required = roles_required(Role.ADMIN)


def actor() -> services.Actor:
    """Return the audit actor of the current request."""
    return services.Actor.of(current_user, request.remote_addr)


def init_security(app: Flask) -> None:
    """Install the user loader, tenant binding, security headers and refusal handlers."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_key: str) -> User | None:
        user_id, _sep, generation = user_key.partition(":")
        if not user_id.isdigit() or not generation.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_generation != int(generation):
            return None  # password changed or account deactivated: the old session ends
        from app.client_life import flag_suspended

        # A suspended client's user is refused (``app.client_life`` answers the request); a session logged
        # out or past its absolute lifetime ends: a copied cookie gets nothing.
        if flag_suspended(user) or services.live_session(user.id, session.get(SESSION_TOKEN), now()) is None:
            return None
        return user

    @app.before_request
    def scope_to_tenant() -> None:
        unbind_tenant(db.session)  # never inherit a scope from an earlier request in this context
        if current_user.is_authenticated and current_user.role is Role.CLIENT:
            bind_tenant(db.session, current_user.client_id)

    @app.teardown_request
    def unscope(exc: BaseException | None) -> None:
        unbind_tenant(db.session)

    @app.after_request
    def security_headers(response: Any) -> Any:
        headers = response.headers
        headers.setdefault("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if current_user.is_authenticated:
            headers.setdefault("Cache-Control", "no-store")
        if app.config["HSTS"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> Any:
        return render_template("error.html", code=403, title=_("Form expired or forged"),
                               message=_("The form's security token was missing or wrong. "
                                         "Reload the page and try again; nothing was changed.")), 403


def _login_limits() -> tuple[RateLimitItem, RateLimitItem]:
    """How many failed logins a window allows per account and per client address."""
    cfg = current_app.config
    window = int(cfg["LOGIN_WINDOW_SECONDS"])
    return (RateLimitItemPerSecond(int(cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]), window),
            RateLimitItemPerSecond(int(cfg["LOGIN_MAX_FAILURES_PER_IP"]), window))


def _limit_keys(email: str, ip: str) -> tuple[tuple[str, str], tuple[str, str]]:
    return ("login-account", email.strip().lower()), ("login-ip", ip)


def login_failures(email: str, ip: str) -> tuple[int, int]:
    """Failed logins counted in the current window for this account and this address."""
    per_account, per_ip = _login_limits()
    account_key, ip_key = _limit_keys(email, ip)
    counts = []
    for item, key in ((per_account, account_key), (per_ip, ip_key)):
        stats = limiter.limiter.get_window_stats(item, *key)
        counts.append(item.amount - stats.remaining)
    return counts[0], counts[1]


def _retry_after(email: str, ip: str) -> int | None:
    """Seconds until this account and address may try again, or None when they may try now.

    Only failures are counted and a refused attempt is not, so a lock ends a window after the
    failures that caused it, however often someone knocks meanwhile.
    """
    per_account, per_ip = _login_limits()
    account_key, ip_key = _limit_keys(email, ip)
    waits = []
    for item, key in ((per_account, account_key), (per_ip, ip_key)):
        if not limiter.limiter.test(item, *key):
            reset_at = limiter.limiter.get_window_stats(item, *key).reset_time
            waits.append(max(1, math.ceil(reset_at - time.time())))
    return max(waits) if waits else None


def _count_failure(email: str, ip: str) -> None:
    per_account, per_ip = _login_limits()
    account_key, ip_key = _limit_keys(email, ip)
    limiter.limiter.hit(per_account, *account_key)
    limiter.limiter.hit(per_ip, *ip_key)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        email, ip = form.email.data or "", request.remote_addr or "unknown"
        wait = _retry_after(email, ip)
        if wait is not None:
            logger.warning("login refused (too many failures) for %s from %s", email, ip)
            status, headers = 429, {"Retry-After": str(wait)}
            flash(_("Too many failed logins. Try again at %(time)s.",
                    time=formatting.time_of_day(now() + timedelta(seconds=wait))), "error")
            return render_template("login.html", form=form), status, headers
        try:
            user = services.authenticate(email, form.password.data or "", ip, now())
        except services.LoginRefused as refused:
            status = refused.status
            if refused.status == 403:  # right password, but the client is suspended (``app.client_life``)
                from app.client_life import suspended_message

                flash(suspended_message(), "error")
            else:
                _count_failure(email, ip)
                flash(_("Wrong e-mail address or password."), "error")
        else:
            with unit_of_work():
                token = services.start_session(user, now(),
                                               timedelta(hours=current_app.config["SESSION_MAX_AGE_HOURS"]), ip)
            session.clear()  # no session fixation: a fresh session for the logged-in user
            login_user(user)
            session[SESSION_TOKEN] = token
            session.permanent = True
            return redirect(params.next_arg() or url_for("web.dashboard"))
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form), status, headers


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    with unit_of_work():
        services.end_session(session.get(SESSION_TOKEN), now())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    form = AccountForm(locale=current_user.locale or "")
    if form.validate_on_submit():
        user: User = current_user._get_current_object()
        with unit_of_work(form) as work:
            if form.new_password.data:
                if not security.verify_password(user.password_hash, form.current_password.data or ""):
                    raise services.ServiceError(_("The current password is wrong."), "current_password")
                services.set_password(actor(), user, form.new_password.data,
                                      current_app.config["PASSWORD_MIN_LENGTH"])
                services.end_other_sessions(user, session.get(SESSION_TOKEN), now())
            user.locale = form.locale.data or None
        if work.ok:
            if form.new_password.data:
                login_user(user)  # the session generation moved on: renew this session only
            flash(_("Your account is saved."), "info")
            return redirect(url_for("auth.account"))
    return render_template("account.html", form=form)

