"""Fleet master data: lease contracts (which driver had which plate when, and what to do with their fines)."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TenantScoped, utcnow
from app.extensions import Model

if TYPE_CHECKING:
    from app.models import Client


class Contract(TenantScoped, Model):
    """A lease contract: which driver had which plate when, and what to do with their fines."""

    __tablename__ = "contracts"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "contract_number", name="uq_contracts_client_id_contract_number"),
        sa.Index("ix_contracts_client_id_plate_start_date", "client_id", "plate", "start_date"),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="period_is_ordered"),
        sa.CheckConstraint("instruction IN ('redirect', 'recharge')", name="instruction_is_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_number: Mapped[str] = mapped_column(sa.String(64))
    plate: Mapped[str] = mapped_column(sa.String(16))  # letters and digits, upper case
    plate_country: Mapped[str] = mapped_column(sa.String(2), default="BE")
    driver_name: Mapped[str | None] = mapped_column(sa.String(200))
    driver_email: Mapped[str | None] = mapped_column(sa.String(254))
    driver_address: Mapped[str | None] = mapped_column(sa.String(500))
    vehicle: Mapped[str | None] = mapped_column(sa.String(200))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    instruction: Mapped[str] = mapped_column(sa.String(16))  # redirect (verleggen) or recharge (doorbelasten)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    personal_data_erased_at: Mapped[datetime | None] = mapped_column()

    client: Mapped[Client] = relationship(viewonly=True)

    def __repr__(self) -> str:
        return f"<Contract {self.contract_number} {self.plate} {self.start_date}..{self.end_date or ''}>"
