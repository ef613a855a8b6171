"""Off-boarding's rows: when a client's off-boarding started, and the purge certificate kept after it."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import TenantScoped, utcnow
from app.extensions import Model


class ClientOffboarding(TenantScoped, Model):
    """A client being off-boarded: started (the grace period runs from here) and last exported.

    It belongs to the client, so the purge removes it with everything else.
    """

    __tablename__ = "client_offboardings"
    __table_args__ = (sa.UniqueConstraint("client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by: Mapped[str] = mapped_column(sa.String(254))
    exported_at: Mapped[datetime | None] = mapped_column()
    exported_by: Mapped[str | None] = mapped_column(sa.String(254))

    def __repr__(self) -> str:
        return f"<ClientOffboarding client={self.client_id} {self.started_at:%Y-%m-%d}>"


class PurgeCertificate(Model):
    """What a purge removed, without personal data: counts per table, blobs, and the backup horizon.

    ``purged_by`` is ``user:<id>`` for a staff member or ``cli:<login>`` for a shell command, never a
    name or an e-mail address.
    """

    __tablename__ = "purge_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_code: Mapped[str] = mapped_column(sa.String(32), index=True)
    offboarding_started_at: Mapped[datetime | None] = mapped_column()
    exported_at: Mapped[datetime | None] = mapped_column()
    purged_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_by: Mapped[str] = mapped_column(sa.String(64))
    forced: Mapped[bool] = mapped_column(default=False)  # --now: before the grace period ended
    rows_removed: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # table name -> count
    blobs_removed: Mapped[int] = mapped_column(default=0)
    blob_bytes_removed: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    backups_expire_on: Mapped[date | None] = mapped_column(sa.Date)  # None: no backup holds the data
    schema_revision: Mapped[str | None] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"<PurgeCertificate {self.client_code} {self.purged_at:%Y-%m-%d}>"
