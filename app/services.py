"""Platform operations: clients, users, authentication and the audit trail.

Services validate, change the session and flush; the caller (request or CLI) commits once.
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import security
from app.extensions import db
from app.models import AuditEntry, Client, Role, User, UserSession

logger = logging.getLogger(__name__)

CLIENT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")


class ServiceError(ValueError):
    """A request that cannot be carried out, with the field it concerns (for forms).

    ``message`` is a lazy string (``lazy_gettext`` with its named parameters): it is worded when shown,
    in the reader's language; outside a request (CLI, logs) it reads in English, the default locale.
    """

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class LoginRefused(Exception):
    """A login that did not succeed; ``status`` is 401 (bad credentials), 403 (client suspended) or 429."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Actor:
    """Who performs an operation, for the audit log."""

    label: str
    user_id: int | None = None
    ip: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, user: User, ip: str | None = None) -> Actor:
        return cls(label=user.email, user_id=user.id, ip=ip)


def record(actor: Actor, action: str, obj: Any = None, *, client_id: int | None = None,
           **details: Any) -> AuditEntry:
    """Append one audit entry; the client is taken from the object when it has one."""
    if client_id is None and obj is not None:
        client_id = obj.id if isinstance(obj, Client) else getattr(obj, "client_id", None)
    entry = AuditEntry(**audit_values(
        actor, action, client_id=client_id,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else None,
        details=details,
    ))
    db.session.add(entry)
    return entry


def audit_values(actor: Actor, action: str, *, client_id: int | None, object_type: str | None,
                 object_id: str | None, details: dict[str, Any]) -> dict[str, Any]:
    """The columns of one audit entry: ``record`` adds it, a batch inserts many as rows."""
    return {"actor_id": actor.user_id, "actor_label": actor.label, "client_id": client_id, "action": action,
            "object_type": object_type, "object_id": object_id, "details": details, "ip": actor.ip}


# --- clients -------------------------------------------------------------------------------

def normalise_email(value: str, *, field_name: str = "email") -> str:
    """Validate an e-mail address (syntax only, no DNS) and return it in lower case."""
    try:
        return validate_email(value.strip(), check_deliverability=False, test_environment=True).normalized.lower()
    except EmailNotValidError as exc:
        raise ServiceError(_l("%(address)s is not a valid e-mail address.", address=value.strip()), field_name) from exc


def add_client(actor: Actor, code: str, name: str, intake_domain: str,
               intake_address: str | None = None, locale: str | None = None) -> Client:
    """Create a client with its personalised fine-intake address (``code@intake_domain`` by default).

    ``locale`` is the language of mail to its users who chose none (en, nl or fr; none: the default).
    """
    code = code.strip().upper()
    if not CLIENT_CODE.match(code):
        raise ServiceError(_l("A code is 2 to 32 letters, digits or dashes."), "code")
    name = name.strip()
    if not name:
        raise ServiceError(_l("A client needs a name."), "name")
    if db.session.scalar(sa.select(Client.id).where(Client.code == code)) is not None:
        raise ServiceError(_l("The client code %(code)s is taken.", code=code), "code")
    address = normalise_email(intake_address or f"{code.lower()}@{intake_domain}", field_name="intake_address")
    _ensure_intake_address_free(address)
    locale = _client_locale(locale)
    client = Client(code=code, name=name, intake_address=address, locale=locale)
    db.session.add(client)
    db.session.flush()
    record(actor, "client.created", client, code=code, name=name, intake_address=address, locale=locale)
    return client


def update_client(actor: Actor, client: Client, *, name: str, intake_address: str, active: bool,
                  locale: str | None) -> Client:
    """Change a client's name, intake address, language (none: the default) or active flag."""
    name = name.strip()
    if not name:
        raise ServiceError(_l("A client needs a name."), "name")
    address = normalise_email(intake_address, field_name="intake_address")
    if address != client.intake_address:
        _ensure_intake_address_free(address, exclude_id=client.id)
    changes = _diff(client, name=name, intake_address=address, active=active, locale=_client_locale(locale))
    for key, (_, new) in changes.items():
        setattr(client, key, new)
    if changes:
        db.session.flush()
        record(actor, "client.updated", client, changes={k: list(v) for k, v in changes.items()})
    return client


def _client_locale(locale: str | None) -> str | None:
    """A client's language as stored: one of the configured languages, or ``None`` (empty) for the default."""
    languages = current_app.config["LANGUAGES"]
    locale = (locale or "").strip().lower() or None
    if locale is not None and locale not in languages:
        raise ServiceError(_l("The language must be one of %(languages)s.", languages=", ".join(languages)), "locale")
    return locale


def _ensure_intake_address_free(address: str, exclude_id: int | None = None) -> None:
    query = sa.select(Client.id).where(Client.intake_address == address)
    if exclude_id is not None:
        query = query.where(Client.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise ServiceError(_l("%(address)s is already another client's intake address.", address=address),
                           "intake_address")


def _diff(obj: Any, **values: Any) -> dict[str, tuple[Any, Any]]:
    return {k: (getattr(obj, k), v) for k, v in values.items() if getattr(obj, k) != v}


def client_by_code(code: str) -> Client:
    """Find a client by its code or raise ``ServiceError``."""
    client = db.session.scalar(sa.select(Client).where(Client.code == code.strip().upper()))
    if client is None:
        raise ServiceError(_l("There is no client with code %(code)s.", code=code), "client")
    return client


# --- users ---------------------------------------------------------------------------------

def create_user(actor: Actor, *, email: str, name: str, role: Role, password: str,
                client: Client | None = None, min_password_length: int = 12) -> User:
    """Create a user; a client user needs a client, staff must not have one."""
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise ServiceError(_l("A user needs a name."), "name")
    _check_role_and_client(role, client)
    check_password(password, min_password_length)
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise ServiceError(_l("A user with e-mail address %(email)s exists already.", email=email), "email")
    user = User(email=email, name=name, role=role, client=client,
                password_hash=security.hash_password(password))
    db.session.add(user)
    db.session.flush()
    record(actor, "user.created", user, client_id=user.client_id, email=email, role=role.value)
    return user


def update_user(actor: Actor, user: User, *, name: str, role: Role, client: Client | None,
                active: bool, locale: str | None = None) -> User:
    """Change a user's name, role, client, language or active flag; deactivation ends sessions."""
    name = name.strip()
    if not name:
        raise ServiceError(_l("A user needs a name."), "name")
    _check_role_and_client(role, client)
    if actor.user_id == user.id and (not active or role is not Role.ADMIN) and user.role is Role.ADMIN:
        raise ServiceError(_l("You cannot remove your own administrator rights or deactivate yourself."), "role")
    changes = _diff(user, name=name, role=role, client_id=client.id if client else None, active=active,
                    locale=locale or None)
    for key, (_, new) in changes.items():
        setattr(user, key, new)
    if "active" in changes or "role" in changes or "client_id" in changes:
        user.session_generation += 1
    if changes:
        db.session.flush()
        record(actor, "user.updated", user, client_id=user.client_id,
               changes={k: [_plain(a), _plain(b)] for k, (a, b) in changes.items()})
    return user


def set_reporter(actor: Actor, user: User, allowed: bool) -> None:
    """Let a client user report incidents (an authorised reporter), or stop it."""
    allowed = allowed and user.role is Role.CLIENT
    if user.can_report_incidents != allowed:
        user.can_report_incidents = allowed
        record(actor, "user.reporter_changed", user, client_id=user.client_id, allowed=allowed)


def set_password(actor: Actor, user: User, password: str, min_password_length: int = 12) -> None:
    """Replace a user's password and end all their other sessions."""
    check_password(password, min_password_length)
    user.password_hash = security.hash_password(password)
    user.session_generation += 1
    db.session.flush()
    record(actor, "user.password_changed", user, client_id=user.client_id)


def check_password(password: str, min_length: int) -> None:
    """Refuse (``ServiceError`` on ``password``) a password the rules of ``security.password_problem`` refuse."""
    if security.password_problem(password, min_length) is None:
        return
    if len(password) < min_length:
        raise ServiceError(_l("The password needs at least %(count)s characters.", count=min_length), "password")
    raise ServiceError(_l("The password needs at least 4 different characters."), "password")


def _check_role_and_client(role: Role, client: Client | None) -> None:
    if role is Role.CLIENT and client is None:
        raise ServiceError(_l("A client user belongs to a client."), "client")
    if role is not Role.CLIENT and client is not None:
        raise ServiceError(_l("Agents and administrators belong to the service provider, not to a client."),
                           "client")


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Role) else value


# --- authentication ------------------------------------------------------------------------

def authenticate(email: str, password: str, ip: str, now: datetime) -> User:
    """Return the user for these credentials or raise ``LoginRefused`` (the caller counts failures)."""
    email = email.strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    ok = security.verify_password(user.password_hash if user else security.dummy_hash(), password)
    if not ok or user is None or not user.active:
        logger.info("failed login for %s from %s", email, ip)
        raise LoginRefused("Wrong e-mail address or password.", 401)
    if user.client is not None and user.client.suspended_at is not None:
        logger.info("login refused for %s from %s: client %s is suspended", email, ip, user.client.code)
        raise LoginRefused("The client's account is suspended.", 403)
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    user.last_login_at = now
    record(Actor.of(user, ip), "user.logged_in", user, client_id=user.client_id)
    return user


def start_session(user: User, now: datetime, max_age: timedelta, ip: str | None) -> str:
    """Open a login session for ``user`` lasting at most ``max_age``; return its token for the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_sha256=_digest(token), user_id=user.id, created_at=now,
                               expires_at=now + max_age, ip=ip))
    db.session.flush()
    return token


def live_session(user_id: int, token: str | None, now: datetime) -> UserSession | None:
    """The session behind ``token`` when it is ``user_id``'s, not ended and not past its lifetime."""
    if not token:
        return None
    found = db.session.scalar(sa.select(UserSession).where(UserSession.token_sha256 == _digest(token)))
    if found is None or found.user_id != user_id or found.ended_at is not None or found.expires_at <= now:
        return None
    return found


def end_session(token: str | None, now: datetime) -> None:
    """End the session behind ``token`` (logout): a copy of its cookie no longer gets in."""
    if token:
        db.session.execute(sa.update(UserSession).where(UserSession.token_sha256 == _digest(token),
                                                        UserSession.ended_at.is_(None)).values(ended_at=now))


def end_other_sessions(user: User, keep_token: str | None, now: datetime) -> None:
    """End every session of ``user`` but the one behind ``keep_token`` (after a password change)."""
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep_token:
        query = query.where(UserSession.token_sha256 != _digest(keep_token))
    db.session.execute(query.values(ended_at=now))


def prune_sessions(now: datetime, keep_days: int = 1) -> int:
    """Delete sessions that ended or expired more than ``keep_days`` ago (they hold addresses)."""
    cutoff = now - timedelta(days=keep_days)
    result = db.session.execute(sa.delete(UserSession).where(
        sa.or_(UserSession.expires_at < cutoff, UserSession.ended_at < cutoff)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
