"""The public status: the service's state now, planned maintenance and the last 90 days, without tenant data.

What the public may read: the overall state (from the probes' state, open outages and running
maintenance), the maintenance windows to come with the description announced to clients, and per
local day the availability within working hours (maintenance excluded) and whether an outage or
maintenance touched it. Never an outage's reason, ticket, target detail or who recorded it: an agent
types the reason (it may name a client), the prober's detail names internal errors.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import sqlalchemy as sa

from app.extensions import db
from app.workcalendar import WorkCalendar
from sla.uptime import availability
from sla.uptime.models import MaintenanceWindow, Outage, ProbeState
from sla.uptime.services import measured_since

DAYS: Final = 90
STATES: Final = ("operational", "degraded", "down", "maintenance")
DAY_KINDS: Final = ("ok", "warn", "bad", "off", "future", "nodata")
_MAINTENANCE: Final = "maintenance"

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class PublicDay:
    """One local day of the 90: its kind for the bar and the times behind it (no reason, no target)."""

    day: date
    kind: str  # one of DAY_KINDS
    availability: float | None  # within working hours, maintenance excluded; None: nothing measured
    down_time: timedelta  # working time down, outside maintenance
    outage_time: timedelta  # wall-clock time inside an outage, any hour
    maintenance_time: timedelta  # wall-clock time inside announced maintenance, any hour

    @property
    def outage(self) -> bool:
        """Tell whether an outage touched the day (even outside working hours)."""
        return self.outage_time > timedelta(0)

    @property
    def maintenance(self) -> bool:
        """Tell whether announced maintenance touched the day."""
        return self.maintenance_time > timedelta(0)


@dataclass(frozen=True)
class PublicWindow:
    """Planned maintenance as announced: when, and its description."""

    starts_at: datetime
    ends_at: datetime
    description: str
    ongoing: bool


@dataclass(frozen=True)
class PublicStatus:
    """What ``/status`` and ``/status.json`` show."""

    state: str  # one of STATES
    checked_at: datetime | None  # the prober's last check, if any
    now: datetime
    target: float
    availability: float | None  # the 90 days within working hours; None when nothing was measured
    days: list[PublicDay]
    maintenance: list[PublicWindow]


def public_status(now: datetime, calendar: WorkCalendar, target: float) -> PublicStatus:
    """Return the public status at ``now``: one query for the 90 days' outages and all maintenance to come."""
    last = now.astimezone(calendar.zone).date()
    first = last - timedelta(days=DAYS - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=calendar.zone)
    rows = _rows(start, now)
    outages, windows = rows.outages, rows.windows
    probes = list(db.session.scalars(sa.select(ProbeState)))
    since = measured_since(calendar)
    figures = availability.days_figures(outages, windows, first, last, calendar, now=now, since=since)
    outage_days = availability.time_by_day(outages, first, last, calendar.zone)
    maintenance_days = availability.time_by_day(windows, first, last, calendar.zone)
    days = [PublicDay(f.day, _kind(f, outage_days.get(f.day), target), f.availability, f.down_time,
                      outage_days.get(f.day, timedelta(0)), maintenance_days.get(f.day, timedelta(0)))
            for f in figures]
    overall = _overall(outages, windows, max(start, since) if since is not None else None, now, calendar)
    ongoing = any(w.ongoing for w in rows.coming)
    checked = [p.last_checked_at for p in probes if p.last_checked_at is not None]
    return PublicStatus(state=_state(probes, rows.open_sources, ongoing), checked_at=max(checked, default=None),
                        now=now, target=target, availability=overall, days=days, maintenance=rows.coming)


@dataclass(frozen=True)
class _Rows:
    outages: list[Interval]
    windows: list[Interval]
    open_sources: list[str]  # the source (probe, manual) of each outage still open
    coming: list[PublicWindow]


def _rows(start: datetime, now: datetime) -> _Rows:
    """Outages touching ``[start, now]`` and maintenance ending after ``start``, in one UNION ALL query."""
    outage_rows = sa.select(Outage.source.label("kind"), Outage.started_at.label("begins"),
                            Outage.ended_at.label("ends"), sa.cast(sa.null(), sa.String(500)).label("description")
                            ).where(Outage.started_at <= now,
                                    sa.or_(Outage.ended_at.is_(None), Outage.ended_at > start))
    window_rows = sa.select(sa.literal(_MAINTENANCE), MaintenanceWindow.starts_at, MaintenanceWindow.ends_at,
                            MaintenanceWindow.description).where(MaintenanceWindow.ends_at > start)
    query = sa.union_all(outage_rows, window_rows).subquery()
    rows = _Rows([], [], [], [])
    for row in db.session.execute(sa.select(query).order_by(query.c.begins)):
        if row.kind != _MAINTENANCE:
            rows.outages.append((row.begins, row.ends or now))
            if row.ends is None:
                rows.open_sources.append(row.kind)
            continue
        rows.windows.append((row.begins, row.ends))
        if row.ends > now:
            rows.coming.append(PublicWindow(row.begins, row.ends, row.description, row.begins <= now))
    return rows


def _overall(outages: list[Interval], windows: list[Interval], begins: datetime | None, now: datetime,
             calendar: WorkCalendar) -> float | None:
    """The availability from ``begins`` to ``now``; None when no working time was measured."""
    if begins is None or begins >= now or availability.measured_time(windows, begins, now, calendar) <= timedelta(0):
        return None
    return availability.availability(outages, windows, begins, now, calendar)


def _kind(figure: availability.DayFigure, outage_time: timedelta | None, target: float) -> str:
    if figure.future:
        return "future"
    if figure.no_data:
        return "nodata"
    if figure.availability is not None and figure.availability < target:
        return "bad"
    if outage_time or (figure.availability is not None and figure.availability < 1.0):
        return "warn"
    return "ok" if figure.availability is not None else "off"


def _state(probes: list[ProbeState], open_sources: list[str], in_maintenance: bool) -> str:
    """Maintenance while a window runs; down when every probe target is down or an agent recorded an outage
    still open; degraded when some target is down or failing; else operational."""
    if in_maintenance:
        return "maintenance"
    down = [p for p in probes if not p.up]
    if (probes and len(down) == len(probes)) or "manual" in open_sources:
        return "down"
    if down or open_sources or any(p.failures for p in probes):
        return "degraded"
    return "operational"
