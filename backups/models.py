"""Backup jobs asked for from the admin page: run a tier or verify a backup, in the background, with progress.

The backups themselves live on the storage (their manifests are the truth); a job row only records who
asked for what, how far it got and how it ended, so every web node shows the same progress.
"""
from __future__ import annotations

from datetime import datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import utcnow
from app.extensions import Model

JOB_KINDS: Final = ("run", "verify")
JOB_STATES: Final = ("queued", "running", "done", "failed")
ACTIVE_STATES: Final = ("queued", "running")

_ACTIVE = sa.text("state IN ('queued', 'running')")


class BackupJob(Model):
    """One run of a tier or verification of a backup, asked for by an admin; one active job per tier."""

    __tablename__ = "backup_jobs"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('run', 'verify')", name="kind_is_known"),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state_is_known"),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_is_a_percentage"),
        # The database, not only Python, refuses a second queued or running job for the same tier.
        sa.Index("uq_backup_jobs_active_tier", "tier", unique=True, sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
        sa.Index("ix_backup_jobs_requested_at", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    tier: Mapped[str] = mapped_column(sa.String(16))
    backup_id: Mapped[str | None] = mapped_column(sa.String(64))  # the backup verified, or the one a run made
    state: Mapped[str] = mapped_column(sa.String(8), default="queued")
    step: Mapped[str | None] = mapped_column(sa.String(16))  # a code of backups.services.STEPS
    progress: Mapped[int] = mapped_column(default=0)  # percent
    requested_by: Mapped[str] = mapped_column(sa.String(254))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column()  # the last sign of life: a stale active job is abandoned
    finished_at: Mapped[datetime | None] = mapped_column()
    error_code: Mapped[str | None] = mapped_column(sa.String(32))  # a code of backups.services.ERROR_CODES
    error_detail: Mapped[str | None] = mapped_column(sa.String(500))  # the technical detail, for admins

    def __repr__(self) -> str:
        return f"<BackupJob {self.id} {self.kind} {self.tier} {self.state}>"
