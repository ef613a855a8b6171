"""The ticket list's query: its filters, search and sort, as one SELECT the database serves by index.

The same query feeds the page and its CSV (``support.index`` and ``support.index_csv``), so the CSV
holds exactly the filtered list. Tenancy is the session's (``app.tenancy``): a client user's query only
ever finds their client's tickets, whatever the filters say.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from app.workcalendar import BRUSSELS
from sla.desk.models import Ticket

STATES = ("open", "new", "acknowledged", "in_progress", "waiting_client", "resolved", "closed", "all")
BREACH = ("breached", "today", "later")
SORTS = ("breach", "reported", "category", "state", "id", "title")
DIRECTIONS = ("asc", "desc")
CATEGORIES = ("1", "2", "3", "4", "5")  # sla.desk.policy: 1 most urgent .. 5

_SORT_COLUMNS: dict[str, Any] = {
    "reported": Ticket.reported_at, "category": Ticket.category, "state": Ticket.state,
    "id": Ticket.id, "title": Ticket.title,
}


@dataclass(frozen=True)
class TicketFilters:
    """What the list shows: every value as the URL has it (``None``: not filtered)."""

    state: str = "open"
    q: str | None = None
    client: int | None = None
    category: int | None = None
    agent: str | None = None  # a user id, "me" or "none" (unassigned)
    reported_from: date | None = None
    reported_to: date | None = None
    breach: str | None = None
    sort: str = "breach"
    direction: str = "asc"

    def args(self) -> dict[str, Any]:
        """The filters as URL arguments (the defaults left out), for links that keep them."""
        values = {"state": self.state, "q": self.q, "client": self.client, "category": self.category,
                  "agent": self.agent, "from": self.reported_from.isoformat() if self.reported_from else None,
                  "to": self.reported_to.isoformat() if self.reported_to else None, "breach": self.breach,
                  "sort": None if self.sort == "breach" else self.sort,
                  "dir": None if self.direction == "asc" else self.direction}
        return {k: v for k, v in values.items() if v is not None}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), BRUSSELS)


def ticket_query(filters: TicketFilters, *, viewer_id: int, now: datetime, search: Any = None) -> sa.Select[Any]:
    """The SELECT of the tickets the filters keep, sorted; ``search`` is the text filter's WHERE clause."""
    query = sa.select(Ticket)
    for clause in _where(filters, viewer_id, now):
        query = query.where(clause)
    if search is not None:
        query = query.where(search)
    return query.order_by(*_order(filters))


@dataclass(frozen=True)
class TicketPage:
    """One page of the list, with what its pager and total need."""

    items: list[Ticket]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


#: A searched list whose matches are at most this many is read as one ordered list of ids (``ticket_page``).
SEARCH_FEW = 5_000


def ticket_page(session: Any, filters: TicketFilters, *, viewer_id: int, now: datetime, page: int, per_page: int,
                search: Any = None, options: tuple[Any, ...] = ()) -> TicketPage:
    """A page of the list: its ids found first in the list's order, then only their rows read (a deferred
    join: a deep page skips index entries, not rows), and the number of tickets the filters keep.

    A text search is the costly part (trigram or full-text indexes over titles, descriptions and every
    comment), and the count and the page would each run it. The ids it keeps under the filters are read
    once, in the list's order: when they are at most ``SEARCH_FEW``, their number is the total and the page
    is a slice of them; otherwise (a word in most tickets) the count and the page run apart, as without a
    search.
    """
    order = _order(filters)
    listed = ticket_query(filters, viewer_id=viewer_id, now=now, search=search).with_only_columns(Ticket.id)
    start = (page - 1) * per_page
    if search is not None:
        found = list(session.scalars(listed.limit(SEARCH_FEW + 1)))
        if len(found) <= SEARCH_FEW:
            chosen = found[start:start + per_page]
            rows = sa.select(Ticket).where(Ticket.id.in_(chosen)).order_by(*order).options(*options)
            return TicketPage(list(session.scalars(rows)) if chosen else [], len(found), page, per_page)
    ids = listed.limit(per_page).offset(start).scalar_subquery()
    rows = sa.select(Ticket).where(Ticket.id.in_(ids)).order_by(*order).options(*options)
    counted = listed.order_by(None)
    total = session.scalar(sa.select(sa.func.count()).select_from(counted.subquery()))
    return TicketPage(list(session.scalars(rows)), int(total or 0), page, per_page)


def _where(filters: TicketFilters, viewer_id: int, now: datetime) -> list[Any]:
    clauses: list[Any] = []
    if filters.state == "open":
        clauses.append(Ticket.is_open.is_(True))
    elif filters.state != "all":
        clauses.append(Ticket.state == filters.state)
    if filters.client is not None:
        clauses.append(Ticket.client_id == filters.client)
    if filters.category is not None:
        clauses.append(Ticket.category == filters.category)
    if filters.agent == "none":
        clauses.append(Ticket.assigned_to_id.is_(None))
    elif filters.agent is not None:
        clauses.append(Ticket.assigned_to_id == (viewer_id if filters.agent == "me" else int(filters.agent)))
    if filters.reported_from is not None:
        clauses.append(Ticket.reported_at >= _local_midnight(filters.reported_from))
    if filters.reported_to is not None:
        clauses.append(Ticket.reported_at < _local_midnight(filters.reported_to + timedelta(days=1)))
    if filters.breach is not None:
        clauses.append(_breach(filters.breach, now))
    return clauses


def _breach(kind: str, now: datetime) -> Any:
    """Open tickets by the time to their nearest breach: past, before tonight's midnight (Brussels), later."""
    end_of_day = _local_midnight(now.astimezone(BRUSSELS).date() + timedelta(days=1))
    due = Ticket.nearest_breach
    if kind == "breached":
        return sa.and_(Ticket.is_open.is_(True), due <= now)
    if kind == "today":
        return sa.and_(Ticket.is_open.is_(True), due > now, due < end_of_day)
    return sa.and_(Ticket.is_open.is_(True), due >= end_of_day)


def _order(filters: TicketFilters) -> list[Any]:
    descending = filters.direction == "desc"
    if filters.sort == "breach":
        # Open tickets first, nearest breach first: the order of ix_tickets_open_nearest_breach (is_open DESC).
        due = Ticket.nearest_breach.desc() if descending else Ticket.nearest_breach.asc()
        return [Ticket.is_open.desc(), due.nulls_last(), Ticket.id]
    column = _SORT_COLUMNS[filters.sort]
    first = column.desc() if descending else column.asc()
    return [first] if filters.sort == "id" else [first, Ticket.id.desc() if descending else Ticket.id]
