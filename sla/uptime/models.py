"""The prober's state and samples per target, outages and announced maintenance (operator-wide, not per client)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import utcnow
from app.extensions import Model


class ProbeState(Model):
    """The prober's view of one target: up or down, and the failures in a row (not every check)."""

    __tablename__ = "probe_states"

    target: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    up: Mapped[bool] = mapped_column(default=True)
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column()
    last_checked_at: Mapped[datetime | None] = mapped_column()
    last_result: Mapped[str | None] = mapped_column(sa.String(200))

    def __repr__(self) -> str:
        return f"<ProbeState {self.target} {'up' if self.up else 'down'}>"


class ProbeSample(Model):
    """One check of one target: when, whether it answered as expected, and how fast (kept 90 days)."""

    __tablename__ = "probe_samples"
    __table_args__ = (sa.Index("ix_probe_samples_target_at", "target", "at"),
                      sa.Index("ix_probe_samples_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(sa.String(100))
    at: Mapped[datetime] = mapped_column()
    ok: Mapped[bool] = mapped_column()
    #: Milliseconds until the answer came; None when none came (timeout, refused connection).
    response_ms: Mapped[int | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<ProbeSample {self.target} {self.at:%Y-%m-%d %H:%M:%S} {'ok' if self.ok else 'failed'}>"


class Outage(Model):
    """A period the service was down (from the prober, or recorded by an agent), operator-wide."""

    __tablename__ = "outages"
    __table_args__ = (sa.Index("ix_outages_started_at_ended_at", "started_at", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(sa.String(100))
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    source: Mapped[str] = mapped_column(sa.String(16))  # probe, manual
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="SET NULL"))
    recorded_by: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Outage {self.target} {self.started_at:%Y-%m-%d %H:%M}..>"


class MaintenanceWindow(Model):
    """Announced maintenance: its time does not count against availability."""

    __tablename__ = "maintenance_windows"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="window_is_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column()
    description: Mapped[str] = mapped_column(sa.String(500))
    announced_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<MaintenanceWindow {self.starts_at:%Y-%m-%d %H:%M}>"
