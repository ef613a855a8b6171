"""Fines per month: how many arrived in each of the last months, by state and by who answers for a missed deadline.

Grouped by the database in one query each: the month is the Brussels month the fine arrived in
(``created_at``), found by comparing with the months' first instants (the same SQL on SQLite and
PostgreSQL, exact across the change of the clocks); liability is ``queries.liability_condition``,
the SQL form of ``deadlines.assess``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.workcalendar import BRUSSELS
from fines.models import Fine
from fines.workflow.deadlines import Liable
from fines.workflow.queries import liability_condition


@dataclass(frozen=True)
class MonthCounts:
    """The fines that arrived in one month: per state, and the missed deadlines per liable party."""

    month: date
    by_state: dict[str, int]
    by_liability: dict[str, int]


def months_back(last: date, count: int) -> list[date]:
    """``count`` first days of months, oldest first, ending with ``last``'s month."""
    months = [last.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return list(reversed(months))


def _starts(months: list[date]) -> list[datetime]:
    """Each month's first instant in Brussels (UTC), and the instant after the last month."""
    following = (months[-1] + timedelta(days=32)).replace(day=1)
    return [datetime.combine(day, time(0), tzinfo=BRUSSELS).astimezone(UTC) for day in [*months, following]]


def _month_index(starts: list[datetime]) -> Any:
    """The index of the month a fine arrived in (the latest month start not after ``created_at``)."""
    return sa.case(*[(Fine.created_at >= start, index) for index, start in reversed(list(enumerate(starts[:-1])))],
                   else_=-1)


def per_month(client_id: int | None, last: date, today: date, count: int = 12) -> list[MonthCounts]:
    """The last ``count`` months up to ``last``: fines per state, and missed deadlines per liable party."""
    months = months_back(last, count)
    starts = _starts(months)
    index = _month_index(starts).label("month_index")
    scope = [Fine.created_at >= starts[0], Fine.created_at < starts[-1]]
    if client_id is not None:
        scope.append(Fine.client_id == client_id)
    states: list[dict[str, int]] = [{} for _month in months]
    for month, state, n in db.session.execute(sa.select(index, Fine.state, sa.func.count()).where(*scope)
                                              .group_by(index, Fine.state)):
        states[int(month)][str(state)] = int(n)
    liable: list[dict[str, int]] = [{party.value: 0 for party in Liable} for _month in months]
    client_liable = sa.case((liability_condition(Liable.CLIENT.value, today), Liable.CLIENT.value),
                            else_=Liable.OPERATOR.value).label("liable")
    missed = sa.or_(liability_condition(Liable.CLIENT.value, today),
                    liability_condition(Liable.OPERATOR.value, today))
    counted = (sa.select(index, client_liable, sa.func.count())
               .where(*scope, missed, Fine.state.notin_(("cancelled", "duplicate")))
               .group_by(index, client_liable))
    for month, party, n in db.session.execute(counted):
        liable[int(month)][str(party)] = int(n)
    return [MonthCounts(month, states[i], liable[i]) for i, month in enumerate(months)]
