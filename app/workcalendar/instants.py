"""Instants: the operator's time zone, and the rule that every instant carries its UTC offset.

Pure: the standard library only. Every module that takes a moment in refuses a naive one here, so
the rule and its message live in one place.
"""
from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

__all__ = ["BRUSSELS", "is_aware", "require_aware"]

#: The operator's zone: Belgian office hours, the wall times on letters and the screens' local time.
BRUSSELS: Final = ZoneInfo("Europe/Brussels")


def is_aware(t: datetime) -> bool:
    """Tell whether ``t`` denotes an instant, i.e. has a UTC offset."""
    return t.tzinfo is not None and t.utcoffset() is not None


def require_aware(t: datetime, what: str) -> datetime:
    """Return ``t``, refusing a naive datetime with a ``ValueError`` naming ``what``."""
    if not is_aware(t):
        raise ValueError(f"{what} is a naive datetime ({t.isoformat()}); FleetDesk needs timezone-aware datetimes")
    return t
