"""The verified backups as plain values, for a feature that must not import backups (the support desk).

Backups registers its catalogue with ``on_backup_catalogue`` (in its blueprint's ``record_once``);
the support desk asks ``backups_for`` which verified backups could serve a restore to a moment.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["CatalogueEntry", "backups_for", "catalogue", "on_backup_catalogue"]


@dataclass(frozen=True)
class CatalogueEntry:
    """One verified backup: which, of what, where, when it was taken and when its retention ends."""

    ident: str
    tier: str  # server-db, dc-db, dc-files, weekly-env
    what: str  # database, files, environment
    storage: str  # server, datacenter
    taken_at: datetime
    expires_at: datetime
    restore_workdays: int  # the restore target from this backup (1 from the server, 2 from datacenter)


#: Called with the application; returns every verified backup.
Catalogue = Callable[["Flask"], list[CatalogueEntry]]
_KEY = "fleetdesk.backup_catalogue"


def on_backup_catalogue(app: Flask, fn: Catalogue) -> None:
    """Register the function listing the verified backups (backups registers its own)."""
    app.extensions[_KEY] = fn


def catalogue() -> list[CatalogueEntry]:
    """Every verified backup, newest first (none when no catalogue is registered)."""
    from flask import current_app

    fn: Catalogue | None = current_app.extensions.get(_KEY)
    if fn is None:
        return []
    entries = fn(current_app._get_current_object())  # type: ignore[attr-defined]
    return sorted(entries, key=lambda e: (e.taken_at, e.ident), reverse=True)


def backups_for(point_in_time: datetime, what: tuple[str, ...] | None = None) -> list[CatalogueEntry]:
    """The verified backups taken at or before ``point_in_time`` (of ``what``, if given), newest first."""
    return [e for e in catalogue() if e.taken_at <= point_in_time and (what is None or e.what in what)]
