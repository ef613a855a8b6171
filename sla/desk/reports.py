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
from sla.desk.clock import SlaStatus
from sla.desk.models import Ticket
from sla.desk.services import status_of


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
