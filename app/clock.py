"""The app's working calendar and current time, for views, services and jobs (not for pure code)."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app

from app.config import ConfigurationError
from app.db import utcnow
from app.workcalendar import WorkCalendar

_KEY = "fleetdesk.calendar"


def parse_closed_days(value: str) -> tuple[date, ...]:
    """Read ``FLEETDESK_EXTRA_CLOSED_DAYS`` (comma-separated ISO dates, e.g. bridge days)."""
    days = []
    for raw in value.replace(";", ",").split(","):
        item = raw.strip()
        if not item:
            continue
        try:
            days.append(date.fromisoformat(item))
        except ValueError as exc:
            raise ConfigurationError(f"FLEETDESK_EXTRA_CLOSED_DAYS: {item!r} is not a date (YYYY-MM-DD)") from exc
    return tuple(days)


def init_app(app: Flask) -> None:
    """Build the operator's calendar once: Belgian working hours, holidays and its closing days."""
    app.extensions[_KEY] = WorkCalendar.belgium(parse_closed_days(app.config.get("EXTRA_CLOSED_DAYS") or ""))


def work_calendar() -> WorkCalendar:
    """The current app's working calendar."""
    calendar: WorkCalendar = current_app.extensions[_KEY]
    return calendar


def now() -> datetime:
    """The current instant (UTC, aware); the one place request and job code read the clock.

    It is ``app.config["CLOCK"]()`` when the app was given a clock (tests), else the wall clock.
    """
    return utcnow()


def today() -> date:
    """Today's date in Belgium."""
    return now().astimezone(work_calendar().zone).date()
