"""What the screens, jobs and reports read about fines in the workflow (no writes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from app.database import brussels_day
from app.extensions import db
from app.search import text_filter
from app.tenancy import current_tenant
from app.workcalendar import BRUSSELS, WorkCalendar
from fines.models import Fine
from fines.workflow.deadlines import CUTOFF_WORKDAYS, Liable, Urgency
from fines.workflow.services import assessment
from fines.workflow.states import OPEN_STATES, FineState

#: The list's sort keys and the column each sorts on (ties: the fine's id, in the same direction).
SORTS: dict[str, Any] = {"received": Fine.created_at, "cutoff": Fine.cutoff, "offence": Fine.offence_at,
                         "amount": Fine.amount_cents, "plate": Fine.plate, "issuer": Fine.issuer,
                         "state": Fine.state, "id": Fine.id}
DIRECTIONS = ("asc", "desc")
#: The urgencies a list can be filtered on (``cutoff_urgency``'s values for open fines).
URGENCIES = tuple(u.value for u in Urgency if u is not Urgency.DONE)
LIABILITIES = tuple(liable.value for liable in Liable)
#: ``state=open``: every open state.
OPEN = "open"
_OPEN_VALUES = tuple(s.value for s in OPEN_STATES)


@dataclass(frozen=True)
class FineFilter:
    """What the fines list is narrowed to (every field optional; ``None`` keeps every fine)."""

    q: str | None = None
    state: str | None = None  # a FineState value or ``open``
    client_id: int | None = None
    received_from: date | None = None  # the Brussels-local day the fine arrived, inclusive
    received_to: date | None = None
    urgency: str | None = None
    liability: str | None = None
    reason: str | None = None  # a match reason code


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BRUSSELS)


def this_week_end(calendar: WorkCalendar, today: date) -> date:
    """The last day whose cut-off is still ``this_week`` (``cutoff_urgency``: within 5 workdays)."""
    end = calendar.add_workdays(today, CUTOFF_WORKDAYS)
    while calendar.workdays_between(today, end + timedelta(days=1)) <= CUTOFF_WORKDAYS:
        end += timedelta(days=1)
    return end


def urgency_condition(urgency: str, calendar: WorkCalendar, today: date) -> ColumnElement[bool]:
    """Open fines whose cut-off has ``urgency``, as ranges of ``Fine.cutoff`` computed from ``today``."""
    week_end = this_week_end(calendar, today)
    ranges: dict[str, ColumnElement[bool]] = {
        Urgency.OVERDUE.value: Fine.cutoff < today,
        Urgency.CUTOFF_TODAY.value: Fine.cutoff == today,
        Urgency.THIS_WEEK.value: sa.and_(Fine.cutoff > today, Fine.cutoff <= week_end),
        Urgency.LATER.value: Fine.cutoff > week_end,
        Urgency.UNKNOWN.value: Fine.cutoff.is_(None),
    }
    return sa.and_(Fine.state.in_(_OPEN_VALUES), ranges[urgency])


def liability_condition(liability: str, today: date) -> ColumnElement[bool]:
    """Fines ``deadlines.assess`` makes ``liability`` liable for (``_liability``), as one SQL expression.

    The deadline and cut-off are the stored ones (``update_deadlines``); every moment is compared by its
    Brussels-local day. Missed: processed after the deadline, or not processed and the deadline past.
    The client answers when the fine arrived after the cut-off or its information was not complete by
    it (complete: ``complete_at``, else ``processed_at``); the operator answers otherwise.
    """
    arrived = brussels_day(Fine.created_at)
    complete = brussels_day(sa.func.coalesce(Fine.complete_at, Fine.processed_at))
    missed = sa.case((Fine.processed_at.is_not(None), brussels_day(Fine.processed_at) > Fine.deadline),
                     else_=Fine.deadline < today)
    decided = sa.and_(Fine.deadline.is_not(None), Fine.cutoff.is_not(None), missed)
    client_late = sa.or_(arrived > Fine.cutoff, sa.and_(Fine.complete_at.is_(None), Fine.processed_at.is_(None)),
                         complete > Fine.cutoff)
    if liability == Liable.CLIENT.value:
        return sa.and_(decided, client_late)
    return sa.and_(decided, sa.not_(client_late))


def _received_conditions(flt: FineFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if flt.received_from is not None:
        found.append(Fine.created_at >= _local_midnight(flt.received_from))
    if flt.received_to is not None:
        found.append(Fine.created_at < _local_midnight(flt.received_to + timedelta(days=1)))
    return found


def list_conditions(flt: FineFilter, calendar: WorkCalendar, today: date, *,
                    with_state: bool = True) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the fines list (the state's only ``with_state``: the tabs count without it)."""
    found = _received_conditions(flt)
    if flt.q:
        found.append(text_filter("fines", flt.q))
    if flt.client_id is not None:
        found.append(Fine.client_id == flt.client_id)
    if flt.urgency:
        found.append(urgency_condition(flt.urgency, calendar, today))
    if flt.liability:
        found.append(liability_condition(flt.liability, today))
    if flt.reason:
        found.append(Fine.match_reason_code == flt.reason)
    if with_state and flt.state == OPEN:
        found.append(Fine.state.in_(_OPEN_VALUES))
    elif with_state and flt.state:
        found.append(Fine.state == flt.state)
    return found


def list_query(flt: FineFilter, sort: str, direction: str, calendar: WorkCalendar, today: date) -> sa.Select[Any]:
    """The fines list, filtered and sorted (ties broken by id in the same direction)."""
    column = SORTS[sort]
    order = [column.desc(), Fine.id.desc()] if direction == "desc" else [column.asc(), Fine.id.asc()]
    if sort == "id":
        order = order[1:]
    return sa.select(Fine).where(*list_conditions(flt, calendar, today)).order_by(*order)


#: The exact number of fines per client and state, kept by triggers on ``fines`` (migration 0016).
FINE_COUNTS = sa.table("search_fine_counts", sa.column("client_id", sa.Integer), sa.column("state", sa.String),
                       sa.column("n", sa.BigInteger))


def list_counts(flt: FineFilter, calendar: WorkCalendar, today: date) -> dict[str, int]:
    """How many fines each state tab holds under every other filter: one grouped COUNT.

    Narrowed by nothing but the client (and the state, which the tabs ignore), the kept counts answer
    instead: counting a million rows takes most of a second.
    """
    client_id = flt.client_id if flt.client_id is not None else current_tenant(db.session)
    if not (flt.q or flt.received_from or flt.received_to or flt.urgency or flt.liability or flt.reason):
        kept = sa.select(FINE_COUNTS.c.state, sa.func.sum(FINE_COUNTS.c.n)).group_by(FINE_COUNTS.c.state)
        if client_id is not None:
            kept = kept.where(FINE_COUNTS.c.client_id == client_id)
        return {state: int(n) for state, n in db.session.execute(kept) if n}
    query = (sa.select(Fine.state, sa.func.count()).where(*list_conditions(flt, calendar, today, with_state=False))
             .group_by(Fine.state))
    return {state: int(n) for state, n in db.session.execute(query)}


def list_total(flt: FineFilter, counts: dict[str, int]) -> int:
    """The filtered list's length, from the tabs' counts (no second COUNT)."""
    if flt.state == OPEN:
        return sum(n for state, n in counts.items() if state in _OPEN_VALUES)
    if flt.state:
        return counts.get(flt.state, 0)
    return sum(counts.values())


def counts_by_urgency(client_id: int | None, calendar: WorkCalendar, today: date) -> dict[str, int]:
    """Open fines by urgency of their cut-off: overdue, cut-off today, this week, later, unknown.

    The same ranges as the list's ``urgency`` filter (``urgency_condition``), so a count and its list agree.
    """
    week_end = this_week_end(calendar, today)
    open_states = [s.value for s in FineState if s.value in _open_values()]
    base = sa.select(sa.func.count()).select_from(Fine).where(Fine.state.in_(open_states))
    if client_id is not None:
        base = base.where(Fine.client_id == client_id)
    return {
        "overdue": db.session.scalar(base.where(Fine.cutoff < today)) or 0,
        "cutoff_today": db.session.scalar(base.where(Fine.cutoff == today)) or 0,
        "this_week": db.session.scalar(base.where(Fine.cutoff > today, Fine.cutoff <= week_end)) or 0,
        "later": db.session.scalar(base.where(Fine.cutoff > week_end)) or 0,
        "unknown": db.session.scalar(base.where(Fine.cutoff.is_(None))) or 0,
    }


def _open_values() -> set[str]:
    from fines.workflow.states import OPEN_STATES

    return {s.value for s in OPEN_STATES}


def counts_by_state(client_id: int | None) -> dict[str, int]:
    query = sa.select(Fine.state, sa.func.count()).group_by(Fine.state)
    if client_id is not None:
        query = query.where(Fine.client_id == client_id)
    return {state: int(n) for state, n in db.session.execute(query)}


def worklist(calendar: WorkCalendar, today: date, limit: int = 500) -> list[Fine]:
    """Fines agents should process today: ready ones, nearest deadline first."""
    return list(db.session.scalars(sa.select(Fine).where(Fine.state == FineState.READY.value)
                                   .options(sa.orm.joinedload(Fine.client), sa.orm.joinedload(Fine.contract))
                                   .order_by(Fine.deadline.is_(None), Fine.deadline, Fine.id).limit(limit)))


def reminders_due(calendar: WorkCalendar, today: date, within_workdays: int) -> dict[int, list[Any]]:
    """Per client, the fines still waiting for information whose cut-off is near or passed (light rows)."""
    horizon = calendar.add_workdays(today, within_workdays)
    rows = db.session.execute(
        sa.select(Fine.id, Fine.client_id, Fine.issuer, Fine.notice_number, Fine.plate, Fine.cutoff,
                  Fine.match_reason_code, Fine.match_reason_params)
        .where(Fine.state == FineState.WAITING_INFO.value, Fine.cutoff.is_not(None), Fine.cutoff <= horizon)
        .order_by(Fine.client_id, Fine.cutoff))
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.client_id or 0, []).append(row)
    return grouped


def to_json(fine: Fine, calendar: WorkCalendar, today: date) -> dict[str, Any]:
    """The workflow view of a fine: state, contract, deadlines and liability."""
    judged = assessment(fine, calendar, today)
    return {
        "id": fine.id, "state": fine.state, "contract_number": fine.contract.contract_number if fine.contract else None,
        "instruction": fine.contract.instruction if fine.contract else None,
        "match_reason_code": fine.match_reason_code, "match_reason_params": dict(fine.match_reason_params or {}),
        "payment_due": _iso(fine.payment_due), "designation_due": _iso(fine.designation_due),
        "deadline": _iso(fine.deadline), "cutoff": _iso(fine.cutoff), "urgency": judged.urgency.value,
        "delivered_on_time": judged.delivered_on_time, "liable": judged.liable.value if judged.liable else None,
        "liability": judged.liability_reason, "liability_code": judged.liability_code,
        "liability_params": dict(judged.liability_params),
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
