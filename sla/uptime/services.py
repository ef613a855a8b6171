"""Uptime: probe results into outages, maintenance windows, and the figures clients see."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import formatting, mail
from app.extensions import db
from app.i18n import addresses_by_locale
from app.models import Client, Role, User
from app.services import Actor, ServiceError, record
from app.workcalendar import WorkCalendar
from sla.uptime import availability
from sla.uptime.models import MaintenanceWindow, Outage, ProbeSample, ProbeState
from sla.uptime.probes import ProbeResult

logger = logging.getLogger(__name__)
Interval = tuple[datetime, datetime]
#: How long each check's sample is kept (the response-time chart looks back at most 7 days).
SAMPLE_DAYS = 90
#: Samples deleted per statement when pruning, so no delete holds the table for long.
PRUNE_BATCH = 5000


def record_check(target: str, result: ProbeResult, at: datetime, failures_for_outage: int) -> Outage | None:
    """Take one probe result: an outage starts (at the first failure) after N failures in a row and
    ends at the first success. The check itself is kept as a sample (for the response-time chart)."""
    db.session.add(ProbeSample(target=target, at=at, ok=result.ok, response_ms=result.response_ms))
    state = db.session.get(ProbeState, target)
    if state is None:
        state = ProbeState(target=target, up=True, failures=0)
        db.session.add(state)
    state.last_checked_at, state.last_result = at, result.detail
    if result.ok:
        state.failures, state.first_failure_at = 0, None
        if not state.up:
            state.up = True
            outage = _open_outage(target)
            if outage is not None:
                outage.ended_at = at
                logger.info("%s is up again after %s", target, at - outage.started_at)
                return outage
        return None
    state.failures += 1
    if state.first_failure_at is None:
        state.first_failure_at = at
    if state.up and state.failures >= failures_for_outage:
        state.up = False
        outage = Outage(target=target, started_at=state.first_failure_at, source="probe",
                        reason=f"{state.failures} failed checks: {result.detail}", recorded_by="prober")
        db.session.add(outage)
        logger.warning("%s is down since %s (%s)", target, state.first_failure_at, result.detail)
        return outage
    return None


def prune_samples(now: datetime, days: int = SAMPLE_DAYS, batch: int = PRUNE_BATCH) -> int:
    """Delete one batch of samples older than ``days``; returns how many went (call again while it is ``batch``)."""
    oldest = sa.select(ProbeSample.id).where(ProbeSample.at < now - timedelta(days=days)).limit(batch)
    ids = list(db.session.scalars(oldest))
    if ids:
        db.session.execute(sa.delete(ProbeSample).where(ProbeSample.id.in_(ids)))
    return len(ids)


@dataclass(frozen=True)
class ResponseBucket:
    """The checks of one target in one stretch of time: how many, how many failed, average and slowest answer."""

    start: datetime
    checks: int
    failures: int
    avg_ms: float | None
    max_ms: int | None


def probe_targets() -> list[str]:
    """The targets the prober has checked, by name."""
    return list(db.session.scalars(sa.select(ProbeState.target).order_by(ProbeState.target)))


def response_buckets(target: str, start: datetime, size: timedelta, count: int) -> list[ResponseBucket]:
    """``count`` stretches of ``size`` from ``start``, each summed up by the database (one grouped query).

    A stretch without checks is there too, with no figures, so the chart shows the gap.
    """
    seconds = int(size.total_seconds())
    end = start + size * count
    index = ((_epoch(ProbeSample.at) - int(start.timestamp())) // seconds).label("bucket")
    rows = db.session.execute(
        sa.select(index, sa.func.count(), sa.func.sum(sa.case((ProbeSample.ok, 0), else_=1)),
                  sa.func.avg(ProbeSample.response_ms), sa.func.max(ProbeSample.response_ms))
        .where(ProbeSample.target == target, ProbeSample.at >= start, ProbeSample.at < end)
        .group_by(index))
    found = {int(row[0]): row for row in rows}
    buckets = []
    for n in range(count):
        row = found.get(n)
        buckets.append(ResponseBucket(start + size * n, int(row[1]) if row else 0, int(row[2] or 0) if row else 0,
                                      float(row[3]) if row is not None and row[3] is not None else None,
                                      int(row[4]) if row is not None and row[4] is not None else None))
    return buckets


def _epoch(column: Any) -> Any:
    """Whole seconds since 1970 of a stored instant, on either database (SQLite keeps naive UTC text)."""
    if db.engine.dialect.name == "postgresql":
        return sa.cast(sa.func.floor(sa.extract("epoch", column)), sa.BigInteger)  # a cast alone would round
    return sa.cast(sa.func.strftime("%s", column), sa.BigInteger)


def _open_outage(target: str) -> Outage | None:
    return db.session.scalar(sa.select(Outage).where(Outage.target == target, Outage.ended_at.is_(None))
                             .order_by(Outage.started_at.desc()).limit(1))


def record_outage(actor: Actor, *, started_at: datetime, ended_at: datetime | None, reason: str,
                  ticket_id: int | None = None, outage: Outage | None = None) -> Outage:
    """An agent records or corrects an outage by hand (with a reason), possibly linked to a ticket."""
    if not reason.strip():
        raise ServiceError(_l("An outage recorded by hand needs a reason."), "reason")
    if ended_at is not None and ended_at <= started_at:
        raise ServiceError(_l("An outage ends after it starts."), "ended_at")
    if outage is None:
        outage = Outage(target="manual", source="manual", started_at=started_at, recorded_by=actor.label)
        db.session.add(outage)
    before = (outage.started_at, outage.ended_at)
    outage.started_at, outage.ended_at = started_at, ended_at
    outage.reason, outage.ticket_id = reason.strip(), ticket_id
    db.session.flush()
    record(actor, "uptime.outage_recorded", outage, before=[str(b) for b in before],
           after=[str(started_at), str(ended_at)], reason=reason)
    return outage


def plan_maintenance(actor: Actor, *, starts_at: datetime, ends_at: datetime, description: str,
                     now: datetime) -> MaintenanceWindow:
    """An admin plans announced maintenance (it should lie outside working hours; it is allowed anyway)."""
    if ends_at <= starts_at:
        raise ServiceError(_l("Maintenance ends after it starts."), "ends_at")
    if starts_at < now:
        raise ServiceError(_l("Maintenance is announced in advance, not afterwards."), "starts_at")
    if not description.strip():
        raise ServiceError(_l("Say what the maintenance is for."), "description")
    window = MaintenanceWindow(starts_at=starts_at, ends_at=ends_at, description=description.strip(),
                               created_by=actor.label)
    db.session.add(window)
    db.session.flush()
    record(actor, "uptime.maintenance_planned", window, starts_at=str(starts_at), ends_at=str(ends_at))
    return window


def intervals(start: datetime, end: datetime, now: datetime) -> tuple[list[Interval], list[Interval]]:
    """Outages and maintenance overlapping [start, end), open outages running until ``now``."""
    outages = [(o.started_at, o.ended_at or now) for o in db.session.scalars(
        sa.select(Outage).where(Outage.started_at < end, sa.or_(Outage.ended_at.is_(None), Outage.ended_at > start)))]
    windows = [(m.starts_at, m.ends_at) for m in db.session.scalars(
        sa.select(MaintenanceWindow).where(MaintenanceWindow.starts_at < end, MaintenanceWindow.ends_at > start))]
    return outages, windows


@dataclass(frozen=True)
class MonthRow:
    """One month of the twelve-month view; ``availability`` is None for a month before measuring began."""

    month: date
    availability: float | None
    downtime: timedelta
    measured: timedelta

    @property
    def no_data(self) -> bool:
        """Tell whether the month ended before measuring began."""
        return self.availability is None


def measured_since(calendar: WorkCalendar) -> datetime | None:
    """Return when measuring began: the local midnight before the first client, outage or maintenance on record.

    None while there is none. Months and days before it have no data; they are not shown as perfect.
    """
    moments = [db.session.scalar(sa.select(sa.func.min(column))) for column in
               (Client.created_at, Outage.started_at, MaintenanceWindow.starts_at)]
    known = [_aware_utc(m) for m in moments if m is not None]
    if not known:
        return None
    first = min(known).astimezone(calendar.zone).date()
    return datetime(first.year, first.month, first.day, tzinfo=calendar.zone).astimezone(UTC)


def _aware_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def month_figures(year: int, month: int, now: datetime, calendar: WorkCalendar, target: float) -> Any:
    start, end = availability.month_bounds(year, month, calendar.zone)
    outages, windows = intervals(start - timedelta(days=31), end, now)
    return availability.month_figures(outages, windows, year, month, now, calendar, target=target)


def last_months(now: datetime, calendar: WorkCalendar, count: int = 12,
                since: datetime | None = None) -> list[MonthRow]:
    """Return the availability of this month and the ones before it.

    With ``since`` (when measuring began) a month counts from then on, and one that ended before it has no data.
    """
    local = now.astimezone(calendar.zone)
    year, month = local.year, local.month
    rows = []
    for _month in range(count):
        start, end = availability.month_bounds(year, month, calendar.zone)
        if since is not None and end <= since:
            rows.append(MonthRow(date(year, month, 1), None, timedelta(0), timedelta(0)))
        else:
            start = max(start, since) if since is not None else start
            outages, windows = intervals(start, end, now)
            stop = max(start, min(end, now))
            rows.append(MonthRow(date(year, month, 1),
                                 availability.availability(outages, windows, start, stop, calendar),
                                 availability.downtime(outages, windows, start, stop, calendar),
                                 availability.measured_time(windows, start, stop, calendar)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return rows


def outages_in(start: datetime, end: datetime) -> list[Outage]:
    return list(db.session.scalars(sa.select(Outage).where(
        Outage.started_at < end, sa.or_(Outage.ended_at.is_(None), Outage.ended_at > start))
        .order_by(Outage.started_at)))


def announce_maintenance(now: datetime, calendar: WorkCalendar, notice_workdays: int, mail_from: str) -> int:
    """Tell every client user about maintenance starting within the notice period, once per window.

    The mail is queued (``app.mail.send_after_commit``): it goes out once the window's ``announced_at`` is committed.
    """
    horizon = calendar.add_workdays(now.astimezone(calendar.zone).date(), notice_workdays)
    limit = datetime.combine(horizon, datetime.max.time(), calendar.zone).astimezone(UTC)
    windows = list(db.session.scalars(sa.select(MaintenanceWindow).where(
        MaintenanceWindow.announced_at.is_(None), MaintenanceWindow.starts_at > now,
        MaintenanceWindow.starts_at <= limit)))
    if not windows:
        return 0
    readers = list(db.session.scalars(sa.select(User).where(User.role == Role.CLIENT, User.active)))
    for window in windows:
        for locale, recipients in addresses_by_locale(readers).items():  # each reader in their own language
            mail.send_after_commit(announcement_mail(window, calendar, mail_from, recipients, locale=locale),
                                   what="maintenance announcement")
        window.announced_at = now
    return len(windows)


def announcement_mail(window: MaintenanceWindow, calendar: WorkCalendar, mail_from: str, recipients: list[str],
                      *, locale: str = "en") -> EmailMessage:
    """The announcement of a maintenance window to client users, written in ``locale`` (Belgian time)."""
    with force_locale(locale):
        starts = formatting.when(window.starts_at.astimezone(calendar.zone))
        ends = formatting.when(window.ends_at.astimezone(calendar.zone))
        subject = _("FleetDesk: planned maintenance on %(start)s", start=starts)
        body = _("Planned maintenance from %(start)s to %(end)s (Belgian time):\n\n%(description)s\n\nThis time"
                 " does not count against the availability target.", start=starts, end=ends,
                 description=window.description)
    msg = EmailMessage()
    msg["From"], msg["To"] = mail_from, mail_from
    msg["Bcc"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body + "\n")
    return msg
