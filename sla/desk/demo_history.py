"""A year of past incidents for ``fleetdesk demo``, so the monthly report's compliance chart has a trend to show.

Through the real services (``open_ticket``, ``act``), back-dated month by month from the app's clock:
most incidents are answered and solved in time, some late, as a real desk's year would look.
"""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from flask import Flask

from app.clock import now as clock_now
from app.clock import work_calendar
from app.services import Actor, client_by_code
from app.workcalendar import WorkCalendar
from sla.desk import services

MONTHS = 11
#: (level, impact) of the past incidents, drawn at random: mostly the lighter categories, as in real life.
KINDS = ((4, "all"), (4, "substantial"), (3, "all"), (4, "few"), (3, "few"), (2, "few"), (3, "substantial"))


def load_demo_ticket_history(app: Flask) -> None:
    """Three to six closed incidents per client per month for the eleven months before this one."""
    calendar, now = work_calendar(), clock_now()
    rng = random.Random(2026)
    agent = Actor("agent@fleetdesk.test")
    first = now.astimezone(calendar.zone).date().replace(day=1)
    for back in range(MONTHS, 0, -1):
        month = first
        for _step in range(back):
            month = (month - timedelta(days=1)).replace(day=1)
        for code in ("ACME", "BRAFL"):
            client = client_by_code(code)
            for _n in range(rng.randint(3, 6)):
                day = calendar.add_workdays(month, rng.randint(1, 18))
                reported = datetime.combine(day, time(9, rng.randint(0, 59)), calendar.zone)
                level, impact = rng.choice(KINDS)
                ticket = services.open_ticket(agent, client=client, reporter=None, title=f"Past incident {month:%m/%Y}",
                                              description="Demo history", level=level, impact=impact, channel="phone",
                                              now=reported, calendar=calendar)
                late = rng.random() < 0.15
                reacted = _after(calendar, reported, 200 if late else 20, rng)
                services.act(ticket, "acknowledge", agent, now=reacted, calendar=calendar)
                solved = _after(calendar, reacted, 60 * (30 if rng.random() < 0.12 else 4), rng)
                services.act(ticket, "resolve", agent, now=solved, calendar=calendar)
                services.act(ticket, "close", agent, now=solved + timedelta(hours=1), calendar=calendar)


def _after(calendar: WorkCalendar, start: datetime, minutes: int, rng: random.Random) -> datetime:
    """A moment some working time after ``start``: up to ``minutes`` working minutes, at least one."""
    return calendar.add_working_time(start, timedelta(minutes=rng.randint(1, minutes)))
