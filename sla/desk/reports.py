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
from sla.desk.clock import RestoreStatus, SlaStatus, sla_status
from sla.desk.models import Ticket, TicketEvent
from sla.desk.services import clock_events_from, restore_status_of, status_of


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


@dataclass(frozen=True)
class MonthCompliance:
    """One month's SLA compliance per category: the share of incidents whose decided clocks were all met."""

    month: date
    #: category (1..4) -> (incidents decided, met); a category without decided incidents is absent.
    counts: dict[int, tuple[int, int]]

    def pct(self, category: int) -> float | None:
        """The percentage met in ``category``, None when nothing was decided."""
        decided, met = self.counts.get(category, (0, 0))
        return round(100 * met / decided, 1) if decided else None


def months_back(last: date, count: int) -> list[date]:
    """``count`` first days of months, oldest first, ending with ``last``'s month."""
    months = [last.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return list(reversed(months))


#: One incident's outcome for the compliance chart: its category, reaction met, intervention met (None: undecided).
Outcome = tuple[int, bool | None, bool | None]


def compliance(items: Iterable[tuple[date, Outcome]], months: list[date]) -> list[MonthCompliance]:
    """Per month and category (the one the incident ended in): incidents with a decided clock, and those met.

    An incident counts as met when none of its decided clocks (reaction, intervention) was missed; one
    whose clocks all still run is not counted yet.
    """
    counts: dict[date, dict[int, list[int]]] = {month: {} for month in months}
    for month, (category, reaction_met, intervention_met) in items:
        decided = [flag for flag in (reaction_met, intervention_met) if flag is not None]
        if month not in counts or not decided:
            continue
        pair = counts[month].setdefault(category, [0, 0])
        pair[0] += 1
        pair[1] += all(decided)
    return [MonthCompliance(month, {c: (n, m) for c, (n, m) in sorted(counts[month].items())}) for month in months]


#: Outcomes of incidents whose clocks are all decided, by the incident's version (id, last event, ...): such an
#: outcome never changes until a new event comes (a reopening, a correction), which makes a new key. A year of
#: incidents is tens of thousands of clock readings; a process reads each settled one once.
_SETTLED: dict[tuple[object, ...], Outcome] = {}
_SETTLED_MAX = 500_000
#: Up to this many unread incidents, their events are read by id (in chunks), else the period's all at once.
_BY_ID = 5000


def compliance_by_month(client_id: int | None, last: date, now: datetime, calendar: WorkCalendar,
                        count: int = 12) -> list[MonthCompliance]:
    """The last ``count`` months' compliance per category.

    One grouped query for the period's incidents (with their last event, the version of their clocks),
    one for the events of those not read before, then the clocks (pure) for those only.
    """
    months = months_back(last, count)
    start, _first_end = month_bounds(months[0], calendar)
    _last_start, end = month_bounds(months[-1], calendar)
    scope = [Ticket.reported_at >= start, Ticket.reported_at < end]
    if client_id is not None:
        scope.append(Ticket.client_id == client_id)
    tickets = db.session.execute(
        sa.select(Ticket.id, Ticket.level, Ticket.impact, Ticket.reported_at, Ticket.closed_at,
                  sa.func.max(TicketEvent.id)).join(TicketEvent, TicketEvent.ticket_id == Ticket.id).where(*scope)
        .group_by(Ticket.id, Ticket.level, Ticket.impact, Ticket.reported_at, Ticket.closed_at)).all()
    keys = {row[0]: tuple(row) for row in tickets}
    unread = {ticket_id for ticket_id, key in keys.items() if key not in _SETTLED}
    events: dict[int, list[tuple[str, datetime, int | None]]] = {ticket_id: [] for ticket_id in unread}
    columns = (TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.at, TicketEvent.id)
    if len(unread) > _BY_ID:  # most of the period unread: its events in one go
        queries = [sa.select(*columns).join(Ticket, TicketEvent.ticket_id == Ticket.id).where(*scope)]
    else:  # a few (the open ones, today's): only theirs
        ids = sorted(unread)
        queries = [sa.select(*columns).where(TicketEvent.ticket_id.in_(ids[n:n + 1000]))
                   for n in range(0, len(ids), 1000)]
    for query in queries:
        for ticket_id, kind, at, event_id in db.session.execute(query):
            if ticket_id in events:
                events[ticket_id].append((kind, at, event_id))
    zone = calendar.zone
    return compliance(((row[3].astimezone(zone).date().replace(day=1), _outcome(keys[row[0]], events, now, calendar))
                       for row in tickets), months)


def _outcome(key: tuple[object, ...], events: dict[int, list[tuple[str, datetime, int | None]]], now: datetime,
             calendar: WorkCalendar) -> Outcome:
    settled = _SETTLED.get(key)
    if settled is not None:
        return settled
    ticket_id, level, impact, reported_at = key[0], key[1], key[2], key[3]
    assert isinstance(ticket_id, int) and isinstance(level, int) and isinstance(impact, str)
    assert isinstance(reported_at, datetime)
    read = clock_events_from(events.get(ticket_id, []))
    latest = max([reported_at, *(at for _kind, at in read)])
    status = sla_status(level, impact, reported_at, read, max(now, latest), calendar)
    outcome: Outcome = (status.category, status.reaction_met, status.intervention_met)
    if status.reaction_met is not None and status.intervention_met is not None:
        if len(_SETTLED) >= _SETTLED_MAX:
            _SETTLED.clear()
        _SETTLED[key] = outcome
    return outcome


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
