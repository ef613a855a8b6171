"""Support tickets and their event log; clocks are computed from the events on read."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TenantScoped, utcnow
from app.extensions import Model


class Ticket(TenantScoped, Model):
    """An incident reported by a client (in the browser, or by phone through an agent)."""

    __tablename__ = "tickets"
    __table_args__ = (
        # The list's sorts across clients (one client's few tickets are sorted as they come).
        sa.Index("ix_tickets_category_id", "category", "id"),
        sa.Index("ix_tickets_state_id", "state", "id"),
        sa.Index("ix_tickets_title_id", "title", "id"),
        sa.Index("ix_tickets_client_id_reported_at", "client_id", "reported_at"),
        sa.Index("ix_tickets_reported_at", "reported_at", "id"),  # the list's from/to filter and date sort
        sa.Index("ix_tickets_agent_open_breach", "assigned_to_id", "is_open", "nearest_breach", "id"),  # agent=
        sa.CheckConstraint("level BETWEEN 1 AND 4", name="level_is_known"),
        sa.CheckConstraint("impact IN ('all', 'substantial', 'few')", name="impact_is_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    level: Mapped[int] = mapped_column()
    impact: Mapped[str] = mapped_column(sa.String(16))
    channel: Mapped[str] = mapped_column(sa.String(8), default="web")  # web, phone
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(sa.String(16), default="new")
    chargeable: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # the client's own misuse
    # Read caches of what the event log says (refreshed on every event and by the scheduler), so
    # the desk can sort 20,000 open tickets by an index instead of computing every clock.
    is_open: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    category: Mapped[int] = mapped_column()
    nearest_breach: Mapped[datetime | None] = mapped_column()
    clock_state: Mapped[str] = mapped_column(sa.String(16), default="running")
    closed_at: Mapped[datetime | None] = mapped_column()
    # A restore request (kind "restore", SLA 7.6): which data, as of which moment, and the backup tier the
    # desk restores from once chosen (with that tier's target in workdays: 1 server copy, 2 datacenter).
    kind: Mapped[str] = mapped_column(sa.String(16), default="incident", server_default="incident")
    restore_what: Mapped[str | None] = mapped_column(sa.String(16))  # fines, contracts, file, everything
    restore_point: Mapped[datetime | None] = mapped_column()
    restore_source: Mapped[str | None] = mapped_column(sa.String(16))
    restore_workdays: Mapped[int | None] = mapped_column()

    events: Mapped[list[TicketEvent]] = relationship(back_populates="ticket", order_by="TicketEvent.id")
    attachments: Mapped[list[TicketAttachment]] = relationship(back_populates="ticket",
                                                               order_by="TicketAttachment.id")
    client: Mapped[Any] = relationship("Client")
    reported_by: Mapped[Any] = relationship("User", foreign_keys=[reported_by_id])
    assigned_to: Mapped[Any] = relationship("User", foreign_keys=[assigned_to_id])

    def __repr__(self) -> str:
        return f"<Ticket {self.id} cat {self.category} {self.state}>"


#: The list's default order, open tickets first and the nearest breach first (``sla.desk.queries._order``):
#: ``is_open DESC, nearest_breach ASC NULLS LAST, id``, which this index holds exactly on PostgreSQL.
sa.Index("ix_tickets_open_nearest_breach", Ticket.is_open.desc(), Ticket.nearest_breach, Ticket.id)


class TicketEvent(TenantScoped, Model):
    """One thing that happened to a ticket; the SLA clocks are read from these."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(24))
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    body: Mapped[str | None] = mapped_column(sa.Text)
    internal: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # agents only
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")

    def __repr__(self) -> str:
        return f"<TicketEvent {self.ticket_id} {self.kind}>"


class TicketAttachment(TenantScoped, Model):
    """A file attached to a ticket (a screenshot, a PDF, a text file), stored as a content-addressed blob.

    ``blob_path`` names the blob under the data directory (``attachment/ab/cd/<sha256><suffix>``), so the
    off-boarding archive, its purge and the orphan sweep find it like every other ``*_path`` column.
    """

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    blob_path: Mapped[str] = mapped_column(sa.String(500))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    internal: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # agents only

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")
    uploaded_by: Mapped[Any] = relationship("User")

    def __repr__(self) -> str:
        return f"<TicketAttachment {self.id} of ticket {self.ticket_id} {self.content_type} {self.size}>"
