"""Assistance records: covers and their vehicles, cases with their deadlines, providers, assignments, invoices.

What a case is entitled to is the pure core's verdict (``assistance.verdict.check``), stored as codes and
parameters (``Case.verdict``), never as sentences; its deadlines are also rows (``CaseDeadline``) so the
agents' queue sorts by the nearest open one through an index. Changes are written to the audit log.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TenantScoped, utcnow
from app.extensions import Model

if TYPE_CHECKING:
    from app.fleet.models import Contract
    from app.models import Client, User

#: A case's states: open until an agent closes it.
CASE_STATES: tuple[str, ...] = ("open", "closed")
#: Who sent an invoice.
ISSUER_KINDS: tuple[str, ...] = ("insurer", "provider")


class Cover(TenantScoped, Model):
    """One assistance policy of a client: the insurer's product, formula, option and dates."""

    __tablename__ = "assistance_covers"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "policy_number", name="uq_assistance_covers_client_id_policy_number"),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="period_is_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(sa.String(32))  # assistance.terms.Product
    formula: Mapped[str | None] = mapped_column(sa.String(16))  # assistance.terms.Formula
    upgrade: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    policy_number: Mapped[str] = mapped_column(sa.String(64))
    start_date: Mapped[date] = mapped_column(sa.Date)
    premium_paid_on: Mapped[date | None] = mapped_column(sa.Date)
    signed_on: Mapped[date | None] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    vehicles: Mapped[list[CoverVehicle]] = relationship(back_populates="cover", order_by="CoverVehicle.id",
                                                        cascade="all, delete-orphan")
    client: Mapped[Client] = relationship(viewonly=True)

    def __repr__(self) -> str:
        return f"<Cover {self.policy_number} {self.product} {self.start_date}..{self.end_date or ''}>"


class CoverVehicle(TenantScoped, Model):
    """A vehicle a cover names: by its plate (compact form), or by a lease contract (its plate on the day)."""

    __tablename__ = "assistance_cover_vehicles"
    __table_args__ = (
        sa.Index("ix_assistance_cover_vehicles_client_id_plate", "client_id", "plate"),
        sa.CheckConstraint("plate IS NOT NULL OR contract_id IS NOT NULL", name="names_a_vehicle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cover_id: Mapped[int] = mapped_column(sa.ForeignKey("assistance_covers.id", ondelete="CASCADE"), index=True)
    plate: Mapped[str | None] = mapped_column(sa.String(16))  # letters and digits, upper case
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contracts.id", ondelete="SET NULL"), index=True)

    cover: Mapped[Cover] = relationship(back_populates="vehicles")
    contract: Mapped[Contract | None] = relationship(viewonly=True)

    def __repr__(self) -> str:
        return f"<CoverVehicle {self.cover_id} {self.plate or ''} {self.contract_id or ''}>"


class Case(TenantScoped, Model):
    """An assistance case: a vehicle immobilised by a breakdown, accident, vandalism, theft or fire.

    ``contract_id`` and ``cover_id`` are what matching found at the case's moment (``match_reason``
    says why no contract was found: ``app.fleet.matching``'s codes); ``verdict`` is the pure core's
    verdict as codes and parameters. ``nearest_due`` caches the earliest open deadline for the queue.
    """

    __tablename__ = "assistance_cases"
    __table_args__ = (
        sa.Index("ix_assistance_cases_state_nearest_due", "state", "nearest_due", "id"),
        sa.Index("ix_assistance_cases_client_id_plate", "client_id", "plate"),
        sa.Index("ix_assistance_cases_client_id_at", "client_id", "at"),
        sa.CheckConstraint("state IN ('open', 'closed')", name="state_is_known"),
        sa.CheckConstraint("cause IN ('breakdown', 'accident', 'vandalism', 'theft', 'fire')", name="cause_is_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(sa.String(16))  # letters and digits, upper case
    registered: Mapped[str] = mapped_column(sa.String(2), default="BE")  # country of registration
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contracts.id", ondelete="SET NULL"), index=True)
    cover_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assistance_covers.id", ondelete="SET NULL"),
                                                 index=True)
    match_reason: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)  # app.reasons.Reason.as_json()
    at: Mapped[datetime] = mapped_column()
    country: Mapped[str] = mapped_column(sa.String(6))  # ISO 3166-1 alpha-2, or a subdivision (ES-CN)
    cause: Mapped[str] = mapped_column(sa.String(16))
    assistance_called_at_once: Mapped[bool] = mapped_column(default=True)
    police_tow: Mapped[bool] = mapped_column(default=False)
    helper_arrived_at: Mapped[datetime | None] = mapped_column()
    immobilised_until: Mapped[datetime | None] = mapped_column()
    repairable_within_3_workdays: Mapped[bool | None] = mapped_column()
    exclusions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # assistance.terms.Exclusion values
    trip_started: Mapped[date | None] = mapped_column(sa.Date)
    max_mass_kg: Mapped[int | None] = mapped_column()
    body: Mapped[str] = mapped_column(sa.String(16), default="car")
    passengers: Mapped[int] = mapped_column(default=1, server_default="1")
    state: Mapped[str] = mapped_column(sa.String(8), default="open")
    covered: Mapped[bool | None] = mapped_column()
    verdict: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)  # codes, refs and parameters only
    replacement_start: Mapped[date | None] = mapped_column(sa.Date)
    replacement_returned: Mapped[date | None] = mapped_column(sa.Date)
    nearest_due: Mapped[datetime | None] = mapped_column()
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()

    deadlines: Mapped[list[CaseDeadline]] = relationship(back_populates="case", order_by="CaseDeadline.due_at",
                                                         cascade="all, delete-orphan")
    assignments: Mapped[list[ProviderAssignment]] = relationship(back_populates="case",
                                                                 order_by="ProviderAssignment.id",
                                                                 cascade="all, delete-orphan")
    invoices: Mapped[list[Invoice]] = relationship(back_populates="case", order_by="Invoice.id",
                                                   cascade="all, delete-orphan")
    contract: Mapped[Contract | None] = relationship(viewonly=True)
    cover: Mapped[Cover | None] = relationship(viewonly=True)
    client: Mapped[Client] = relationship(viewonly=True)
    opened_by: Mapped[User | None] = relationship(viewonly=True)

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.plate} {self.cause} {self.state}>"


class CaseDeadline(TenantScoped, Model):
    """Something due in a case by an instant: a deadline of the conditions or a provider's clock."""

    __tablename__ = "assistance_case_deadlines"
    __table_args__ = (sa.Index("ix_assistance_case_deadlines_met_at_due_at", "met_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("assistance_cases.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assistance_assignments.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))  # assistance.terms.Deadline.code
    ref: Mapped[str] = mapped_column(sa.String(32))
    due_at: Mapped[datetime] = mapped_column()
    met_at: Mapped[datetime | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column()  # when the agents were reminded (once)

    case: Mapped[Case] = relationship(back_populates="deadlines")

    def __repr__(self) -> str:
        return f"<CaseDeadline {self.case_id} {self.code} {self.due_at:%Y-%m-%d %H:%M}>"


class Provider(Model):
    """A towing or repair provider the operator hands cases to (operator-wide, not a client's)."""

    __tablename__ = "assistance_providers"
    __table_args__ = (sa.UniqueConstraint("name", name="uq_assistance_providers_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Provider {self.id} {self.name}>"


class ProviderAssignment(TenantScoped, Model):
    """A case handed to a provider (seed 000): its clocks run from the acceptance, 24/7."""

    __tablename__ = "assistance_assignments"
    __table_args__ = (sa.Index("ix_assistance_assignments_provider_id_accepted_at", "provider_id", "accepted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("assistance_cases.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("assistance_providers.id", ondelete="RESTRICT"))
    accepted_at: Mapped[datetime] = mapped_column()
    customer_proposed_at: Mapped[datetime | None] = mapped_column()
    contacted_at: Mapped[datetime | None] = mapped_column()
    appointment_at: Mapped[datetime | None] = mapped_column()
    photos_arrival: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    photos_after: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    mandate_signed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="assignments")
    provider: Mapped[Provider] = relationship()

    def __repr__(self) -> str:
        return f"<ProviderAssignment {self.id} case {self.case_id} provider {self.provider_id}>"


class Invoice(TenantScoped, Model):
    """An insurer's or provider's invoice for a case, its lines and what the check accepted and refused.

    ``lines`` are ``{"item", "description", "quantity", "amount_cents"}``; ``checked`` the check per line
    (accepted and refused cents, the findings as codes and parameters) and its totals.
    """

    __tablename__ = "assistance_invoices"
    __table_args__ = (sa.CheckConstraint("issuer_kind IN ('insurer', 'provider')", name="issuer_kind_is_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("assistance_cases.id", ondelete="CASCADE"), index=True)
    issuer_kind: Mapped[str] = mapped_column(sa.String(8))
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assistance_providers.id", ondelete="SET NULL"))
    number: Mapped[str | None] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.String(8), default="typed")  # typed, pdf
    lines: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    checked: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    accepted_cents: Mapped[int] = mapped_column(default=0)
    refused_cents: Mapped[int] = mapped_column(default=0)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    case: Mapped[Case] = relationship(back_populates="invoices")
    provider: Mapped[Provider | None] = relationship()

    def __repr__(self) -> str:
        return f"<Invoice {self.id} case {self.case_id} {self.issuer_kind}>"
