"""Retention questions the platform asks a feature through a hook: until when do backups hold data.

The backups feature registers ``on_backup_horizon`` with a function returning the latest expiry date
of the backups taken up to ``now`` (None when there is none); off-boarding's purge certificate asks
``backup_horizon`` so it can say by when the purged data has left every backup.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["BackupHorizon", "backup_horizon", "on_backup_horizon"]

#: Called with the app and the current instant; the last day a backup taken up to then is still kept.
BackupHorizon = Callable[["Flask", datetime], "date | None"]
_KEY = "fleetdesk.backup_horizon"


def on_backup_horizon(app: Flask, fn: BackupHorizon) -> None:
    """Register the function that knows the backups' retention (the backups feature registers it)."""
    app.extensions[_KEY] = fn


def backup_horizon(app: Flask, now: datetime) -> date | None:
    """The date by which the last backup taken up to ``now`` expires; None without backups or a hook."""
    fn: BackupHorizon | None = app.extensions.get(_KEY)
    return None if fn is None else fn(app, now)
