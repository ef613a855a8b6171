"""What the screens, jobs and reports read about fines in the workflow (no writes)."""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.workcalendar import WorkCalendar
from fines.models import Fine
from fines.workflow.services import assessment
from fines.workflow.states import FineState


def counts_by_urgency(client_id: int | None, calendar: WorkCalendar, today: date) -> dict[str, int]:
    """Open fines by urgency of their cut-off: overdue, cut-off today, this week, later, unknown."""
    week_end = calendar.add_workdays(today, 5)
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
