"""Login, logout, the user's own account, and the per-request security mechanisms."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError

from app import security, services
from app.db import utcnow
from app.extensions import db, login_manager
from app.forms import AccountForm, LoginForm, apply_service_error
from app.models import Role, User
from app.tenancy import bind_tenant, unbind_tenant

bp = Blueprint("auth", __name__)
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


def _safe_next(target: str | None) -> str | None:
    """Accept only a local path as the place to go after logging in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        cfg = current_app.config
        limit = security.RateLimit(cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"], cfg["LOGIN_MAX_FAILURES_PER_IP"],
                                   cfg["LOGIN_WINDOW_SECONDS"])
        try:
            user = services.authenticate(form.email.data or "", form.password.data or "",
                                         request.remote_addr or "unknown", utcnow(), limit)
        except services.LoginRefused as refused:
            db.session.commit()  # keep the failed attempt: it feeds the rate limit
            status = refused.status
            flash(_("Too many failed logins. Try again in a few minutes.") if status == 429
                  else _("Wrong e-mail address or password."), "error")
        else:
            db.session.commit()
            session.clear()  # no session fixation: a fresh session for the logged-in user
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")) or url_for("web.dashboard"))
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
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
        try:
            if form.new_password.data:
                if not security.verify_password(user.password_hash, form.current_password.data or ""):
                    raise services.ServiceError(_("The current password is wrong."), "current_password")
                services.set_password(actor(), user, form.new_password.data,
                                      current_app.config["PASSWORD_MIN_LENGTH"])
            user.locale = form.locale.data or None
            db.session.commit()
        except services.ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            if form.new_password.data:
                login_user(user)  # the session generation moved on: renew this session only
            flash(_("Your account is saved."), "info")
            return redirect(url_for("auth.account"))
    return render_template("account.html", form=form)

