"""What the screens, jobs and reports read about fines in the workflow (no writes)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.search import TRIGRAM, fine_other_ids, matching_issuers, text_filter
from app.tenancy import current_tenant
from app.workcalendar import BRUSSELS, WorkCalendar
from fines.models import Fine
from fines.workflow.deadlines import CUTOFF_WORKDAYS, Liable, Urgency
from fines.workflow.services import assessment
from fines.workflow.states import OPEN_VALUES, FineState

#: The list's sort keys and the column each sorts on (ties: the fine's id, in the same direction; the state's:
#: the cut-off, then the id).
SORTS: dict[str, Any] = {"received": Fine.created_at, "cutoff": Fine.cutoff, "offence": Fine.offence_at,
                         "amount": Fine.amount_cents, "plate": Fine.plate, "issuer": Fine.issuer,
                         "state": Fine.state, "id": Fine.id}
DIRECTIONS = ("asc", "desc")
#: The urgencies a list can be filtered on (``cutoff_urgency``'s values for open fines).
URGENCIES = tuple(u.value for u in Urgency if u is not Urgency.DONE)
LIABILITIES = tuple(liable.value for liable in Liable)
#: ``state=open``: every open state.
OPEN = "open"


def open_condition() -> ColumnElement[bool]:
    """``state IN (...open states...)`` written into the statement, in ``OPEN_STATES_SQL``'s words and order.

    The partial indexes of open fines (``ix_fines_open_cutoff`` and its per-client twin) are used by SQLite
    only for a query repeating their WHERE term, values and order included, and by PostgreSQL only when the
    values are known while planning (not in a generic plan of bound parameters).
    """
    return Fine.state.in_(sa.bindparam(None, list(OPEN_VALUES), expanding=True, literal_execute=True))


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
    #: What the text search ``q`` found, when ``with_search_found`` looked it up once for the request: the
    #: fines (at most ``FOUND_MAX``), and the issuers whose every fine matches; ``None``: ``q`` is searched
    #: in each query.
    found: tuple[int, ...] | None = None
    found_issuers: tuple[str, ...] | None = None  # ``None``: not looked up


#: The most fines a search hands on as a list of ids (``with_search_found``); past it, a subquery.
FOUND_MAX = 2_000


def with_search_found(flt: FineFilter) -> FineFilter:
    """``flt`` with what its text search finds looked up once, when the database can be handed it as lists.

    The tabs' count and the page each narrow by the search: searching the text indexes once and handing
    both the ids (an ``IN`` list the primary key serves) halves the cost of a search. A search finding
    more fines than ``FOUND_MAX`` through a common issuer ("Politiezone Gent": tens of thousands) hands
    on the matching issuers' names and the other columns' few matches instead: each is an index the
    database weighs against the other filters'. Otherwise the search stays a subquery.
    """
    if not flt.q or len(flt.q.strip()) < TRIGRAM:  # too short for an index: tested row by row
        return flt
    issuers = matching_issuers(flt.q)
    others = fine_other_ids(flt.q).subquery()
    # Straight from the index scans, stopping after FOUND_MAX + 1 (every client's: the list's own query keeps
    # the reader's; a search finding many of another client's fines takes the longer way, as correct).
    ids = list(db.session.scalars(sa.select(others.c[0]).limit(FOUND_MAX + 1)))
    if len(ids) > FOUND_MAX:  # the other columns' matches stay a subquery; the issuers are kept as found
        return replace(flt, found_issuers=tuple(issuers))
    if issuers:
        by_issuer = sa.select(Fine.id).where(Fine.issuer.in_(issuers)).limit(FOUND_MAX + 1 - len(ids))
        more = list(db.session.scalars(by_issuer))
        if len(ids) + len(more) > FOUND_MAX:
            return replace(flt, found=tuple(sorted(set(ids))), found_issuers=tuple(issuers))
        ids += more
    return replace(flt, found=tuple(sorted(set(ids))))


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
    return sa.and_(open_condition(), ranges[urgency])


def liability_condition(liability: str, today: date) -> ColumnElement[bool]:
    """Fines ``deadlines.assess`` makes ``liability`` liable for (``_liability``), read by index.

    The database keeps, on each fine, who would answer for a missed deadline (``liable``) and the first
    day the deadline counts as missed (``missed_from``: the day after it while unprocessed, the day it was
    processed when late): migration 0020 holds the rule, kept in step by triggers.
    """
    return sa.and_(Fine.liable == _known(liability), Fine.missed_from <= today)


def _inline(number: int) -> Any:
    """A page's LIMIT or OFFSET written into the statement: given ``LIMIT ?``, SQLite plans as if the whole
    result were read, and scans the table rather than use a filter's index (0.28 s instead of 4 ms)."""
    return sa.bindparam(None, int(number), type_=sa.Integer, literal_execute=True)


def _known(value: str) -> Any:
    """A value from a fixed list (a state, a reason, a liability) written into the statement itself.

    SQLite plans a statement before it sees its parameters: for ``match_reason_code = ?`` it assumes the
    average share of a reason (most fines have none, so a large one) and scans every fine (0.46 s at a
    million), where the value itself lets its statistics find the 845 waiting for a contract in 4 ms. The
    value comes from the list the request was checked against, never from free text.
    """
    return sa.bindparam(None, value, type_=sa.String, literal_execute=True)


def _received_conditions(flt: FineFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if flt.received_from is not None:
        found.append(Fine.created_at >= _local_midnight(flt.received_from))
    if flt.received_to is not None:
        found.append(Fine.created_at < _local_midnight(flt.received_to + timedelta(days=1)))
    return found


def _search_condition(flt: FineFilter) -> ColumnElement[bool] | None:
    """What the text search keeps, as ``with_search_found`` handed it on (or the search itself)."""
    if flt.found_issuers is not None:  # looked up once for the request (``with_search_found``)
        # IN lists under an OR are not turned into joins: the database tests each row's issuer against the
        # few names and probes the set of the other columns' matches, row by row in the list's own order
        # (which stops at the page's end) or for the few rows the other filters' indexes keep.
        others = Fine.id.in_(flt.found if flt.found is not None else fine_other_ids(flt.q or ""))
        if not flt.found_issuers:
            return others
        issuers = Fine.issuer.in_(flt.found_issuers)
        # Nothing but the issuers: no OR with an empty list, which would keep the planner off the indexes.
        return issuers if flt.found == () else sa.or_(issuers, others)
    if flt.found is not None:
        return Fine.id.in_(flt.found)
    if flt.q:  # not looked up (a short query, tested row by row in the list's order; or no lookup asked)
        return text_filter("fines", flt.q)
    return None


def list_conditions(flt: FineFilter, calendar: WorkCalendar, today: date, *,
                    with_state: bool = True) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the fines list (the state's only ``with_state``: the tabs count without it)."""
    found = _received_conditions(flt)
    searched = _search_condition(flt)
    if searched is not None:
        found.append(searched)
    if flt.client_id is not None:
        found.append(Fine.client_id == flt.client_id)
    if flt.urgency:
        found.append(urgency_condition(flt.urgency, calendar, today))
    if flt.liability:
        found.append(liability_condition(flt.liability, today))
    if flt.reason:
        found.append(Fine.match_reason_code == _known(flt.reason))
    if with_state and flt.state == OPEN:
        if not flt.urgency:  # an urgency keeps open fines already
            found.append(open_condition())
    elif with_state and flt.state:
        found.append(Fine.state == _known(flt.state))
    return found


def _order(sort: str, direction: str) -> list[Any]:
    """The ORDER BY of a sort: its column, then the id (the state: then the cut-off), all in one direction.

    Each is the exact order of an index (``ix_fines_<column>`` ends in the id; the state's is
    ``ix_fines_state_cutoff``): a page is one walk of it.
    """
    columns = [Fine.state, Fine.cutoff, Fine.id] if sort == "state" else [SORTS[sort], Fine.id]
    if sort == "id":
        columns = [Fine.id]
    return [c.desc() for c in columns] if direction == "desc" else [c.asc() for c in columns]


def list_page(flt: FineFilter, sort: str, direction: str, calendar: WorkCalendar, today: date, *,
              limit: int, offset: int, few: bool = False) -> sa.Select[Any]:
    """One page of the list: the page's ids found first, then only their rows read (a deferred join).

    Skipping ``offset`` fines then walks an index alone (SQLite's indexes hold the row id, PostgreSQL's
    list ones include it) instead of reading every skipped fine's row: page 2,000 of a million fines
    costs an index range, not 100,000 row reads.

    ``few``: the filters keep few fines (the counts said so). SQLite, which does not weigh a range's
    size, would still walk the sort's index from one end and test every fine against the filters
    (seconds, when few or none match); its ids are then ordered by a copy of the sort key, which no
    index serves, so the filters' own indexes find them and the few are sorted.
    """
    order = _order(sort, direction)
    ids_order = order
    if few and db.session.get_bind().dialect.name == "sqlite":
        ids_order = [_unindexed(term) for term in order]
    ids = _page_ids(flt, ids_order, calendar, today, limit=limit, offset=offset)
    return sa.select(Fine).where(Fine.id.in_(ids)).order_by(*order)


def _page_ids(flt: FineFilter, order: list[Any], calendar: WorkCalendar, today: date, *, limit: int,
              offset: int) -> Any:
    """The ids of one page of the list, in ``order``: the inner half of the deferred join."""
    return (sa.select(Fine.id).where(*list_conditions(flt, calendar, today)).order_by(*order)
            .limit(_inline(limit)).offset(_inline(offset)).scalar_subquery())


def list_rows(flt: FineFilter, sort: str, direction: str, calendar: WorkCalendar, today: date, *,
              limit: int, offset: int) -> list[Any]:
    """A page of the list as light rows (the CSV's columns, the client's code, the contract's driver).

    The same deferred join as ``list_page``; plain rows, not ORM objects: an export of thousands of
    fines builds no object per fine.
    """
    from app.fleet.models import Contract
    from app.models import Client

    order = _order(sort, direction)
    ids = _page_ids(flt, order, calendar, today, limit=limit, offset=offset)
    query = (sa.select(Fine.id, Client.code.label("client_code"), Fine.state, Fine.issuer, Fine.notice_number,
                       Fine.plate, Fine.plate_country, Fine.offence_at, Fine.created_at, Fine.amount_cents,
                       Fine.currency, Fine.payment_reference, Fine.deadline, Fine.cutoff, Fine.liable,
                       Fine.missed_from, Fine.match_reason_code, Contract.driver_name)
             .outerjoin(Client, Client.id == Fine.client_id).outerjoin(Contract, Contract.id == Fine.contract_id)
             .where(Fine.id.in_(ids)).order_by(*order))
    return list(db.session.execute(query))


def urgency_of(state: str, cutoff: date | None, today: date, week_end: date) -> str | None:
    """The urgency of an open fine's cut-off (``cutoff_urgency``, with ``this_week_end`` worked out once)."""
    if state not in OPEN_VALUES:
        return None
    if cutoff is None:
        return Urgency.UNKNOWN.value
    if cutoff < today:
        return Urgency.OVERDUE.value
    if cutoff == today:
        return Urgency.CUTOFF_TODAY.value
    return Urgency.THIS_WEEK.value if cutoff <= week_end else Urgency.LATER.value


def liable_on(liable: str | None, missed_from: date | None, today: date) -> str | None:
    """Who answers for the fine's missed deadline on ``today`` (the kept ``liable``/``missed_from``)."""
    return liable if missed_from is not None and missed_from <= today else None


def _unindexed(term: Any) -> Any:
    """``col ASC|DESC`` as ``coalesce(col, col) ASC|DESC``: the same order, out of an index's reach."""
    column = term.element
    copy = sa.func.coalesce(column, column)
    return copy.desc() if term.modifier is operators.desc_op else copy.asc()


#: The exact number of fines per client and state, kept by triggers on ``fines`` (migration 0016).
FINE_COUNTS = sa.table("search_fine_counts", sa.column("client_id", sa.Integer), sa.column("state", sa.String),
                       sa.column("n", sa.BigInteger))
#: A filtered list counts its fines up to this many; past it, it says "more than 1,000". Counting every
#: match of a broad filter (a year of fines, a common issuer) over a million fines takes most of a second,
#: and a list that long is narrowed, not paged through (its pages still lead on, one after the other).
COUNT_CAP = 1_000


@dataclass(frozen=True)
class ListCounts:
    """The tabs' counts and the list's length; past ``COUNT_CAP`` neither is exact."""

    by_state: dict[str, int]  # each state tab's count under the other filters (empty when not ``tabs_exact``)
    total: int  # the list's length; when not ``total_exact``, ``COUNT_CAP + 1`` stands for "more than COUNT_CAP"
    tabs_exact: bool
    total_exact: bool = True

    @property
    def few(self) -> bool:
        """Does the list hold at most ``COUNT_CAP`` fines?"""
        return self.total_exact and self.total <= COUNT_CAP

    @property
    def open_total(self) -> int:
        return sum(n for state, n in self.by_state.items() if state in OPEN_VALUES)

    @property
    def all_total(self) -> int:
        return sum(self.by_state.values())


def list_counts(flt: FineFilter, calendar: WorkCalendar, today: date) -> ListCounts:
    """How many fines the list and each state tab (under every other filter) hold.

    Narrowed by nothing but the client and the state, the kept counts answer exactly. Otherwise one
    grouped COUNT over at most ``COUNT_CAP + 1`` matches gives the tabs; when more match, the tabs go
    uncounted and the list's own length is counted up to the cap.
    """
    client_id = flt.client_id if flt.client_id is not None else current_tenant(db.session)
    if not (flt.q or flt.received_from or flt.received_to or flt.urgency or flt.liability or flt.reason):
        kept = sa.select(FINE_COUNTS.c.state, sa.func.sum(FINE_COUNTS.c.n)).group_by(FINE_COUNTS.c.state)
        if client_id is not None:
            kept = kept.where(FINE_COUNTS.c.client_id == client_id)
        by_state = {state: int(n) for state, n in db.session.execute(kept) if n}
        return ListCounts(by_state, _total(flt, by_state), tabs_exact=True)
    matches = (sa.select(Fine.state).where(*list_conditions(flt, calendar, today, with_state=False))
               .limit(COUNT_CAP + 1).subquery())
    by_state = {state: int(n) for state, n in
                db.session.execute(sa.select(matches.c.state, sa.func.count()).group_by(matches.c.state))}
    if sum(by_state.values()) <= COUNT_CAP:
        return ListCounts(by_state, _total(flt, by_state), tabs_exact=True)
    if not flt.state:
        return ListCounts({}, COUNT_CAP + 1, tabs_exact=False, total_exact=False)
    listed = sa.select(Fine.id).where(*list_conditions(flt, calendar, today)).limit(COUNT_CAP + 1).subquery()
    total = int(db.session.scalar(sa.select(sa.func.count()).select_from(listed)) or 0)
    return ListCounts({}, total, tabs_exact=False, total_exact=total <= COUNT_CAP)


def _total(flt: FineFilter, by_state: dict[str, int]) -> int:
    if flt.state == OPEN:
        return sum(n for state, n in by_state.items() if state in OPEN_VALUES)
    if flt.state:
        return by_state.get(flt.state, 0)
    return sum(by_state.values())


def counts_by_urgency(client_id: int | None, calendar: WorkCalendar, today: date) -> dict[str, int]:
    """Open fines by urgency of their cut-off: overdue, cut-off today, this week, later, unknown.

    The same ranges as the list's ``urgency`` filter (``urgency_condition``), so a count and its list agree.
    """
    week_end = this_week_end(calendar, today)
    base = sa.select(sa.func.count()).select_from(Fine).where(open_condition())
    if client_id is not None:
        base = base.where(Fine.client_id == client_id)
    return {
        "overdue": db.session.scalar(base.where(Fine.cutoff < today)) or 0,
        "cutoff_today": db.session.scalar(base.where(Fine.cutoff == today)) or 0,
        "this_week": db.session.scalar(base.where(Fine.cutoff > today, Fine.cutoff <= week_end)) or 0,
        "later": db.session.scalar(base.where(Fine.cutoff > week_end)) or 0,
        "unknown": db.session.scalar(base.where(Fine.cutoff.is_(None))) or 0,
    }


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
