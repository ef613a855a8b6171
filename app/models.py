"""Platform models: clients (tenants), users, their login sessions and the audit log."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TenantScoped, utcnow
from app.extensions import Model


class Role(enum.StrEnum):
    """What a user may do: a client's user, an operator's agent, or an operator's admin."""

    CLIENT = "client"
    AGENT = "agent"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self is not Role.CLIENT


class Client(Model):
    """A leasing company using FleetDesk (a tenant)."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    intake_address: Mapped[str] = mapped_column(sa.String(254), unique=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # The language of mail to its users who chose none (en, nl or fr); none: the default language.
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Suspended by an admin (AV 13.2, 14.3): its users are refused, its mail is held (``app.client_life``).
    suspended_at: Mapped[datetime | None] = mapped_column()
    suspension_reason: Mapped[str | None] = mapped_column(sa.String(500))

    users: Mapped[list[User]] = relationship(back_populates="client", order_by="User.email")
    service_contract: Mapped[ServiceContract | None] = relationship(back_populates="client")

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    def __repr__(self) -> str:
        return f"<Client {self.code}>"


class User(UserMixin, Model):
    """A person who logs in: a client user belongs to one client, staff to none."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'client' AND client_id IS NOT NULL) OR (role <> 'client' AND client_id IS NULL)",
            name="client_users_have_a_client",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(
        sa.Enum(Role, native_enum=False, create_constraint=True, name="role", length=16,
                values_callable=lambda e: [m.value for m in e])
    )
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id", ondelete="RESTRICT"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    # Only a client's authorised reporters may report incidents (an admin sets it).
    can_report_incidents: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Bumped on password change or deactivation: every session of the old generation ends.
    session_generation: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()

    client: Mapped[Client | None] = relationship(back_populates="users")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class ServiceContract(Model):
    """The operator-client service contract (AV 12.4-12.6): ``app.service_contract`` reckons its dates."""

    __tablename__ = "service_contracts"
    __table_args__ = (
        sa.CheckConstraint("term_months >= 1", name="term_is_positive"),
        sa.CheckConstraint("notice_months >= 12", name="notice_is_twelve_months_or_more"),
        sa.CheckConstraint("renewal_months >= 1", name="renewal_is_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"), unique=True)
    starts_on: Mapped[date] = mapped_column()
    term_months: Mapped[int] = mapped_column()
    notice_months: Mapped[int] = mapped_column(default=12, server_default="12")
    renewal_months: Mapped[int] = mapped_column(default=12, server_default="12")

    client: Mapped[Client] = relationship(back_populates="service_contract")

    def __repr__(self) -> str:
        return f"<ServiceContract client={self.client_id} from {self.starts_on} {self.term_months}m>"


class AuditEntry(TenantScoped, Model):
    """Who did what, when, to which object; entries about a client are visible to that client."""

    __tablename__ = "audit_log"
    __tenant_optional__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(254))  # kept when the user is gone
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str | None] = mapped_column(sa.String(64))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(sa.String(45))

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditEntry {self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}>"


class UserSession(Model):
    """One login: the session cookie carries its token; logout, expiry or a password change ends it.

    Only the token's SHA-256 is stored, so the table alone lets nobody in. ``expires_at`` is the
    absolute end counted from login; using the session does not move it.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None] = mapped_column()
    ip: Mapped[str | None] = mapped_column(sa.String(45))

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id} {'ended' if self.ended_at else 'live'}>"


class OutboxMail(Model):
    """A mail on its way out: written in the sender's transaction, sent after the commit or by the scheduler.

    The message is kept as RFC 822 bytes until ``sent_at`` is set; a failed send counts ``attempts``,
    keeps a short ``last_error`` and waits until ``next_attempt_at``. After ``app.mail.MAX_ATTEMPTS`` the
    row stays unsent, with its error, for an admin to see.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    what: Mapped[str] = mapped_column(sa.String(200))
    message: Mapped[bytes] = mapped_column(sa.LargeBinary)
    recipients: Mapped[int] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    sent_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

    def __repr__(self) -> str:
        return f"<OutboxMail {self.id} {self.what!r} {'sent' if self.sent_at else f'attempts={self.attempts}'}>"
