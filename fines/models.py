"""Fine intake records: every message taken in, and every fine document read from it."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TenantScoped, utcnow
from app.extensions import Model
from app.fleet.models import Contract
from fines.workflow.states import OPEN_STATES_SQL, FineState

if TYPE_CHECKING:
    from app.models import Client


class IntakeMessage(TenantScoped, Model):
    """One e-mail (or upload batch) as received: the raw bytes are on disk under ``raw_path``.

    ``client_id`` is empty while the recipient address is unknown (triage). The IMAP identity
    (account, folder, UIDVALIDITY, UID) is unique, so a crash between storing and moving the
    message never stores it twice.
    """

    __tablename__ = "intake_messages"
    __tenant_optional__ = True
    __table_args__ = (
        sa.UniqueConstraint("account", "folder", "uidvalidity", "uid", name="uq_intake_messages_imap_identity"),
        sa.Index("ix_intake_messages_status_received_at", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(16))  # imap, upload, cli
    account: Mapped[str | None] = mapped_column(sa.String(64))
    folder: Mapped[str | None] = mapped_column(sa.String(128))
    uidvalidity: Mapped[int | None] = mapped_column(sa.BigInteger)
    uid: Mapped[int | None] = mapped_column(sa.BigInteger)
    message_key: Mapped[str] = mapped_column(sa.String(255), index=True)  # Message-ID, or the raw sha256
    sender: Mapped[str | None] = mapped_column(sa.String(320))
    recipients: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    subject: Mapped[str | None] = mapped_column(sa.String(500))
    raw_path: Mapped[str] = mapped_column(sa.String(500))
    raw_sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[str] = mapped_column(sa.String(16))  # processed, quarantined, triage
    # Why it was refused or waits for triage: a code (``fines.web.labels.message_reason``) and the technical detail.
    reason_code: Mapped[str | None] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    refusals: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    replies_sent: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    fines: Mapped[list[Fine]] = relationship(back_populates="message", order_by="Fine.id")
    client: Mapped[Client | None] = relationship(viewonly=True)

    def __repr__(self) -> str:
        return f"<IntakeMessage {self.id} {self.source} {self.status}>"


class Fine(TenantScoped, Model):
    """A fine document: one PDF from a message, with every field read out and its confidence."""

    __tablename__ = "fines"
    __tenant_optional__ = True
    __table_args__ = (
        sa.UniqueConstraint("message_key", "pdf_sha256", name="uq_fines_message_attachment"),
        sa.Index("ix_fines_client_id_issuer_notice_number", "client_id", "issuer", "notice_number"),
        sa.Index("ix_fines_state_created_at", "state", "created_at", "id"),
        sa.Index("ix_fines_state_cutoff", "state", "cutoff", "id"),
        sa.Index("ix_fines_client_id_state_cutoff", "client_id", "state", "cutoff", "id"),
        sa.Index("ix_fines_client_id_state_created_at", "client_id", "state", "created_at", "id"),
        # The list's sorts and date filters, everyone's and one client's, each ending in the id: a page's ids
        # are one walk of the index in the list's exact order (migrations 0016 and 0020).
        sa.Index("ix_fines_created_at", "created_at", "id"),
        sa.Index("ix_fines_client_id_created_at", "client_id", "created_at", "id"),
        sa.Index("ix_fines_cutoff", "cutoff", "id"),
        sa.Index("ix_fines_client_id_cutoff", "client_id", "cutoff", "id"),
        sa.Index("ix_fines_offence_at", "offence_at", "id"),
        sa.Index("ix_fines_client_id_offence_at", "client_id", "offence_at", "id"),
        sa.Index("ix_fines_amount_cents", "amount_cents", "id"),
        sa.Index("ix_fines_client_id_amount_cents", "client_id", "amount_cents", "id"),
        sa.Index("ix_fines_issuer", "issuer", "id"),
        sa.Index("ix_fines_client_id_plate", "client_id", "plate", "id"),
        sa.Index("ix_fines_plate", "plate", "id"),
        sa.Index("ix_fines_match_reason_code", "match_reason_code"),
        sa.Index("ix_fines_client_id_match_reason_code", "client_id", "match_reason_code"),
        sa.Index("ix_fines_liable_created_at", "liable", "created_at", "id"),
        sa.Index("ix_fines_client_id_liable_created_at", "client_id", "liable", "created_at", "id"),
        # The open fines alone (a few per cent of them) by cut-off, with the issuer and the state: the urgency
        # filters and the cut-off sort of open fines walk these, a search by issuer answered from the index
        # itself (SQLite tests the predicate's state again, from the index; migration 0021).
        sa.Index("ix_fines_open_cutoff", "cutoff", "id", "issuer", "state",
                 postgresql_where=sa.text(OPEN_STATES_SQL), sqlite_where=sa.text(OPEN_STATES_SQL)),
        sa.Index("ix_fines_client_id_open_cutoff", "client_id", "cutoff", "id", "issuer", "state",
                 postgresql_where=sa.text(OPEN_STATES_SQL), sqlite_where=sa.text(OPEN_STATES_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("intake_messages.id", ondelete="RESTRICT"), index=True)
    message_key: Mapped[str] = mapped_column(sa.String(255))
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    pdf_path: Mapped[str] = mapped_column(sa.String(500))
    # A fine that arrived as a picture: the picture's blob (``pdf_path`` is the PDF made of it).
    original_path: Mapped[str | None] = mapped_column(sa.String(500))
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    pages: Mapped[int | None] = mapped_column()
    ocr_pages: Mapped[int | None] = mapped_column()
    # Changed only by ``fines.workflow.services.transition`` (or the batch matcher, on the same table).
    state: Mapped[FineState] = mapped_column(sa.Enum(
        FineState, native_enum=False, create_constraint=False, length=24,
        values_callable=lambda states: [s.value for s in states]))  # stored as today: the value, a VARCHAR(24)
    # Why it is quarantined: a code (``fines.web.labels.LABELS["quarantine"]``) and the technical detail.
    reason_code: Mapped[str | None] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fines.id", ondelete="SET NULL"))

    kind: Mapped[str | None] = mapped_column(sa.String(32))
    language: Mapped[str | None] = mapped_column(sa.String(2))
    issuer: Mapped[str | None] = mapped_column(sa.String(200))
    notice_number: Mapped[str | None] = mapped_column(sa.String(64))
    plate: Mapped[str | None] = mapped_column(sa.String(16))  # indexed with the id: ix_fines_plate
    plate_country: Mapped[str | None] = mapped_column(sa.String(2))
    offence_at: Mapped[datetime | None] = mapped_column()
    letter_date: Mapped[date | None] = mapped_column(sa.Date)
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    payment_reference: Mapped[str | None] = mapped_column(sa.String(32))
    addressee: Mapped[str | None] = mapped_column(sa.String(200))
    confidence: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    # What looked wrong when it was read: ``fines.reasons.Reason.as_json()`` each ({"code": ..., "params": {...}}).
    problems: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    text: Mapped[str | None] = mapped_column(sa.Text)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # the moment the fine arrived
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    # Matching and workflow.
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contracts.id", ondelete="SET NULL"), index=True)
    # Why it waits (``fines.workflow.matching.MATCH_CODES``, ``fines.workflow.states.STEP_CODES``) and the parameters.
    match_reason_code: Mapped[str | None] = mapped_column(sa.String(32))
    match_reason_params: Mapped[dict[str, str] | None] = mapped_column(sa.JSON(none_as_null=True))
    complete_at: Mapped[datetime | None] = mapped_column()  # when the information became complete
    processed_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(sa.String(16))  # redirected, recharged
    closed_at: Mapped[datetime | None] = mapped_column()
    # Deadlines, recomputed whenever the fields or the contract change (the sweep reads them by index).
    payment_due: Mapped[date | None] = mapped_column(sa.Date)
    designation_due: Mapped[date | None] = mapped_column(sa.Date)
    deadline: Mapped[date | None] = mapped_column(sa.Date)
    cutoff: Mapped[date | None] = mapped_column(sa.Date)
    # Who answers if the deadline is missed (nobody: processed in time, or no deadline known) and the first
    # day it counts as missed: kept by the database's triggers from the columns above (migration 0020), read
    # by the list's liability filter by index.
    liable: Mapped[str | None] = mapped_column(sa.String(8), server_default=sa.FetchedValue(),
                                               server_onupdate=sa.FetchedValue())
    missed_from: Mapped[date | None] = mapped_column(sa.Date, server_default=sa.FetchedValue(),
                                                     server_onupdate=sa.FetchedValue())
    personal_data_erased_at: Mapped[datetime | None] = mapped_column()

    message: Mapped[IntakeMessage] = relationship(back_populates="fines")
    client: Mapped[Client | None] = relationship(viewonly=True)  # whose fine it is (staff lists load it eagerly)
    duplicate_of: Mapped[Fine | None] = relationship(remote_side="Fine.id")
    contract: Mapped[Contract | None] = relationship()
    events: Mapped[list[FineEvent]] = relationship(back_populates="fine", order_by="FineEvent.id")

    def __repr__(self) -> str:
        return f"<Fine {self.id} {self.state} {self.issuer or '?'} {self.notice_number or '?'}>"


class FineEvent(TenantScoped, Model):
    """One step of a fine's life: from which state to which, who, when and why."""

    __tablename__ = "fine_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    fine_id: Mapped[int] = mapped_column(sa.ForeignKey("fines.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    from_state: Mapped[str | None] = mapped_column(sa.String(24))
    to_state: Mapped[str] = mapped_column(sa.String(24))
    note: Mapped[str | None] = mapped_column(sa.String(1000))  # what a person typed
    # Why an automatic step was taken: ``fines.reasons.Reason.as_json()`` each, said by ``fines.web.labels``.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)

    fine: Mapped[Fine] = relationship(back_populates="events")

    def __repr__(self) -> str:
        return f"<FineEvent {self.fine_id} {self.from_state}->{self.to_state}>"
