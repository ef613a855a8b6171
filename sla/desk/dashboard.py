"""The support desk's cards on the dashboard: open incidents by time to breach, mine and unassigned.

The figures are one grouped COUNT over the cached clock columns (``is_open``, ``nearest_breach``,
served by ``ix_tickets_open_nearest_breach``), the lists are LIMITed and read no events; each figure
links to the queue it counts with the queue's parameters (``state``, ``agent``, ``breach``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.clock import now, work_calendar
from app.extensions import db
from app.models import Client
from app.workcalendar import WorkCalendar
from sla.desk.models import Ticket

#: Rows a list on the dashboard shows at most (the figure beside it links to the whole queue).
LIST_ROWS = 10
#: Time to the nearest breach, most pressing first: passed, before the end of today, later.
BREACH: tuple[str, ...] = ("breached", "today", "later")
#: The words of ``BREACH`` beside a figure.
BREACH_WORDS = {"breached": _l("time limit passed"), "today": _l("time limit today"),
                "later": _l("time limit later")}


@dataclass(frozen=True)
class Figure:
    """One number of a card, what it counts (a code the template words), and the queue it counts."""

    code: str
    count: int
    href: str


def end_of_today(moment: datetime, calendar: WorkCalendar) -> datetime:
    """The next Brussels midnight after ``moment``: a breach before it is "today"."""
    local = moment.astimezone(calendar.zone).date() + timedelta(days=1)
    return datetime(local.year, local.month, local.day, tzinfo=calendar.zone)


def _breach_case(moment: datetime, midnight: datetime) -> Any:
    """The time to a ticket's nearest breach as SQL; None while no clock runs (paused)."""
    return sa.case((Ticket.nearest_breach.is_(None), None),
                   (Ticket.nearest_breach <= moment, "breached"),
                   (Ticket.nearest_breach < midnight, "today"),
                   else_="later")


def _figures(counts: dict[str | None, int], **args: Any) -> list[Figure]:
    return [Figure(code, counts.get(code, 0), url_for("support.index", state="open", breach=code, **args))
            for code in BREACH]


def _open_rows(*where: Any, limit: int = LIST_ROWS) -> list[Any]:
    """Open tickets, nearest breach first (light rows: no events, the cached clock)."""
    return list(db.session.execute(
        sa.select(Ticket.id, Ticket.title, Ticket.category, Ticket.state, Ticket.clock_state, Ticket.nearest_breach,
                  Client.code.label("client_code"))
        .outerjoin(Client, Client.id == Ticket.client_id)
        .where(Ticket.is_open.is_(True), *where)
        .order_by(Ticket.nearest_breach.asc().nulls_last(), Ticket.id).limit(limit)))


def client_panel() -> dict[str, Any] | None:
    """A client user's open incidents with their clocks, nearest breach first."""
    client_id = current_user.client_id
    if client_id is None:
        return None
    moment = now()
    bucket = _breach_case(moment, end_of_today(moment, work_calendar())).label("bucket")
    counts = {code: int(n) for code, n in db.session.execute(
        sa.select(bucket, sa.func.count()).select_from(Ticket)
        .where(Ticket.is_open.is_(True), Ticket.client_id == client_id).group_by(bucket))}
    return {"total": sum(counts.values()), "href": url_for("support.index", state="open"),
            "figures": _figures(counts), "rows": _open_rows(Ticket.client_id == client_id),
            "can_report": current_user.can_report_incidents, "words": BREACH_WORDS}


def staff_panel() -> dict[str, Any]:
    """The agent's open tickets and the unassigned ones, by time to breach (one grouped query)."""
    me, moment = current_user.id, now()
    bucket = _breach_case(moment, end_of_today(moment, work_calendar())).label("bucket")
    mine = (Ticket.assigned_to_id == me).label("mine")
    grouped: dict[bool, dict[str | None, int]] = {True: {}, False: {}}
    for is_mine, code, n in db.session.execute(
            sa.select(mine, bucket, sa.func.count()).select_from(Ticket)
            .where(Ticket.is_open.is_(True), sa.or_(Ticket.assigned_to_id == me, Ticket.assigned_to_id.is_(None)))
            .group_by(mine, bucket)):
        grouped[bool(is_mine)][code] = int(n)
    return {
        "mine": {"total": sum(grouped[True].values()), "href": url_for("support.index", state="open", agent="me"),
                 "figures": _figures(grouped[True], agent="me"), "rows": _open_rows(Ticket.assigned_to_id == me)},
        "unassigned": {"total": sum(grouped[False].values()),
                       "href": url_for("support.index", state="open", agent="none"),
                       "figures": _figures(grouped[False], agent="none"),
                       "rows": _open_rows(Ticket.assigned_to_id.is_(None))},
        "words": BREACH_WORDS,
    }
