"""Monthly SLA reports: per client and overall, per category."""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.csvout import write_csv
from app.extensions import db
from app.workcalendar import WorkCalendar
from sla.desk.clock import RestoreStatus, SlaStatus
from sla.desk.models import Ticket
from sla.desk.services import restore_status_of, status_of


@dataclass(frozen=True)
class CategoryLine:
    """One category's figures for the month."""

    category: int
    incidents: int
    reaction_met_pct: float | None
    intervention_met_pct: float | None
    reaction_median_h: float | None
    reaction_p90_h: float | None
    intervention_median_h: float | None
    intervention_p90_h: float | None
    escalations: int
    status_reports_missed: int
    chargeable: int


def month_bounds(month: date, calendar: WorkCalendar) -> tuple[datetime, datetime]:
    """The month as an aware [start, end) in UTC, from Belgian midnights."""
    start = datetime.combine(month.replace(day=1), time.min, calendar.zone)
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = datetime.combine(following, time.min, calendar.zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (so the figure is one the month really had)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _pct(flags: list[bool]) -> float | None:
    return round(100 * sum(flags) / len(flags), 1) if flags else None


def summarise(pairs: Iterable[tuple[Ticket, SlaStatus]]) -> list[CategoryLine]:
    """Figures per category (by the category the incident ended in)."""
    groups: dict[int, list[tuple[Ticket, SlaStatus]]] = {}
    for ticket, status in pairs:
        groups.setdefault(status.category, []).append((ticket, status))
    lines = []
    for category in sorted(groups):
        items = groups[category]
        reactions = [s.reaction_elapsed.total_seconds() / 3600 for _t, s in items if s.reaction_at is not None]
        interventions = [s.intervention_elapsed.total_seconds() / 3600 for _t, s in items if s.resolved_at is not None]
        lines.append(CategoryLine(
            category=category, incidents=len(items),
            reaction_met_pct=_pct([bool(s.reaction_met) for _t, s in items if s.reaction_met is not None]),
            intervention_met_pct=_pct([bool(s.intervention_met) for _t, s in items if s.intervention_met is not None]),
            reaction_median_h=_round(_percentile(reactions, 50)), reaction_p90_h=_round(_percentile(reactions, 90)),
            intervention_median_h=_round(_percentile(interventions, 50)),
            intervention_p90_h=_round(_percentile(interventions, 90)),
            escalations=sum(len(s.escalations) for _t, s in items),
            status_reports_missed=sum(s.status_reports_missed for _t, s in items),
            chargeable=sum(1 for t, _s in items if t.chargeable)))
    return lines


@dataclass(frozen=True)
class RestoreLine:
    """One restore request of the month: its target, the time it took (working time, waiting excluded), met."""

    ticket_id: int
    client_code: str
    reported_at: datetime
    workdays: int
    due: datetime
    done_at: datetime | None
    elapsed_h: float
    waiting_h: float
    state: str  # sla.desk.clock.ClockState's value
    met: bool | None


@dataclass(frozen=True)
class RestoreSummary:
    """The month's restore requests (SLA 7.6): how many were asked, done in time, breached, still open."""

    asked: int
    in_time: int
    breached: int  # done later than the target, or still open past it
    open: int
    lines: tuple[RestoreLine, ...]


def summarise_restores(pairs: Iterable[tuple[Ticket, RestoreStatus]]) -> RestoreSummary:
    """Count and list the restore requests, in the order they were asked."""
    lines = tuple(sorted((RestoreLine(
        ticket_id=t.id, client_code=t.client.code if t.client is not None else "", reported_at=t.reported_at,
        workdays=s.workdays, due=s.due, done_at=s.done_at, elapsed_h=round(s.elapsed.total_seconds() / 3600, 2),
        waiting_h=round(s.waiting.total_seconds() / 3600, 2), state=s.state.value, met=s.met)
        for t, s in pairs), key=lambda line: (line.reported_at, line.ticket_id)))
    return RestoreSummary(
        asked=len(lines),
        in_time=sum(1 for line in lines if line.done_at is not None and line.met),
        breached=sum(1 for line in lines if line.met is False),
        open=sum(1 for line in lines if line.done_at is None and line.state != "not_applicable"),
        lines=lines)


def monthly_restores(client_id: int | None, month: date, now: datetime, calendar: WorkCalendar) -> RestoreSummary:
    """The month's restore requests for one client (or all the session may see)."""
    start, end = month_bounds(month, calendar)
    query = (sa.select(Ticket).where(Ticket.kind == "restore", Ticket.reported_at >= start, Ticket.reported_at < end)
             .options(selectinload(Ticket.events), selectinload(Ticket.client)))
    if client_id is not None:
        query = query.where(Ticket.client_id == client_id)
    pairs = []
    for ticket in db.session.scalars(query):
        status = restore_status_of(ticket, now, calendar)
        if status is not None:
            pairs.append((ticket, status))
    return summarise_restores(pairs)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def monthly(client_id: int | None, month: date, now: datetime, calendar: WorkCalendar) -> list[CategoryLine]:
    """The month's report for one client (or all the session may see)."""
    start, end = month_bounds(month, calendar)
    query = (sa.select(Ticket).where(Ticket.reported_at >= start, Ticket.reported_at < end)
             .options(selectinload(Ticket.events)))
    if client_id is not None:
        query = query.where(Ticket.client_id == client_id)
    return summarise((t, status_of(t, now, calendar)) for t in db.session.scalars(query))


REPORT_COLUMNS = ("scope", "category", "incidents", "reaction_met_pct", "intervention_met_pct", "reaction_median_h",
                  "reaction_p90_h", "intervention_median_h", "intervention_p90_h", "escalations",
                  "status_reports_missed", "chargeable")


def as_csv(lines: list[CategoryLine], label: str) -> str:
    """The report as CSV (one line per category)."""
    return write_csv(REPORT_COLUMNS, (
        [label, line.category, line.incidents, line.reaction_met_pct, line.intervention_met_pct,
         line.reaction_median_h, line.reaction_p90_h, line.intervention_median_h, line.intervention_p90_h,
         line.escalations, line.status_reports_missed, line.chargeable]
        for line in lines))


RESTORE_COLUMNS = ("scope", "incident", "client", "reported_at", "target_workdays", "due", "restored_at", "used_h",
                   "waiting_h", "state", "met")


def restores_csv(summary: RestoreSummary, label: str) -> str:
    """The month's restore requests as CSV (one line per request; moments in ISO 8601 with their offset)."""
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return write_csv(RESTORE_COLUMNS, (
        [label, line.ticket_id, line.client_code, iso(line.reported_at), line.workdays, iso(line.due),
         iso(line.done_at), line.elapsed_h, line.waiting_h, line.state, line.met]
        for line in summary.lines))
