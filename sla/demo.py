"""Demo incidents for ``fleetdesk demo``: a few tickets in different states, through the real services."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import Flask

from app.clock import work_calendar
from app.extensions import db
from app.models import Client, User
from app.services import Actor, client_by_code
from sla import services


def load_demo_tickets(app: Flask) -> None:
    """Three incidents for ACME: one new, one being worked on, one resolved last week."""
    calendar = work_calendar()
    now = datetime.now(timezone.utc)
    acme: Client = client_by_code("ACME")
    reporter = db.session.scalar(sa.select(User).where(User.email == "fleet@acme-lease.test"))
    if reporter is not None:
        reporter.can_report_incidents = True
    agent = Actor("agent@fleetdesk.test")
    services.open_ticket(Actor("fleet@acme-lease.test"), client=acme, reporter=reporter,
                                 title="Upload of fines fails", description="The upload page shows an error.",
                                 level=3, impact="all", channel="web", now=now - timedelta(minutes=20),
                                 calendar=calendar)
    busy = services.open_ticket(agent, client=acme, reporter=None, title="Overview counts look wrong",
                                description="Reported by phone: the overview shows no overdue fines.", level=2,
                                impact="few", channel="phone", now=now - timedelta(hours=3), calendar=calendar)
    services.act(busy, "acknowledge", agent, now=now - timedelta(hours=2, minutes=50), calendar=calendar)
    services.act(busy, "start", agent, now=now - timedelta(hours=2, minutes=45), calendar=calendar)
    done = services.open_ticket(agent, client=acme, reporter=None, title="Login slow", description="Very slow login.",
                                level=2, impact="substantial", channel="phone", now=now - timedelta(days=7),
                                calendar=calendar)
    services.act(done, "acknowledge", agent, now=now - timedelta(days=7) + timedelta(minutes=30), calendar=calendar)
    services.act(done, "resolve", agent, now=now - timedelta(days=6), calendar=calendar)
    services.act(done, "close", agent, now=now - timedelta(days=6), calendar=calendar)
