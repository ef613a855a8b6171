"""The data subjects' requests register and the restrictions of processing it puts on a contract's driver."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TenantScoped, utcnow
from app.extensions import Model

if TYPE_CHECKING:
    from app.fleet.models import Contract
    from app.models import Client


class PrivacyRequest(TenantScoped, Model):
    """A data subject's request about a client's data: what was asked, by whom, its deadline and its answer.

    ``due_on`` is ``app.privacy.deadlines.due_date`` of ``received_on`` (stored for the list's order);
    the identity check, the extension and the answer are each noted once, with who and when.
    """

    __tablename__ = "privacy_requests"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('access', 'rectification', 'erasure', 'restriction', 'portability', "
                           "'objection')", name="kind_is_known"),
        sa.CheckConstraint("state IN ('open', 'extended', 'answered', 'refused')", name="state_is_known"),
        sa.Index("ix_privacy_requests_state_due_on", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    person: Mapped[str] = mapped_column(sa.String(200))  # the data subject as they named themselves
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contracts.id", ondelete="SET NULL"), index=True)
    received_on: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date] = mapped_column(sa.Date)
    state: Mapped[str] = mapped_column(sa.String(16), default="open")
    identity_method: Mapped[str | None] = mapped_column(sa.String(500))
    identity_checked_by: Mapped[str | None] = mapped_column(sa.String(254))
    identity_checked_at: Mapped[datetime | None] = mapped_column()
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    extended_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(viewonly=True)
    contract: Mapped[Contract | None] = relationship(viewonly=True)

    def __repr__(self) -> str:
        return f"<PrivacyRequest {self.id} {self.kind} {self.state} due {self.due_on}>"


class Restriction(TenantScoped, Model):
    """A contract's driver's data kept but not processed (GDPR art. 18) from ``since`` until ``lifted_at``."""

    __tablename__ = "privacy_restrictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("privacy_requests.id", ondelete="SET NULL"))
    since: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column()
