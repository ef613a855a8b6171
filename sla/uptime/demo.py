"""Demo uptime for ``fleetdesk demo``: a few months of outages and maintenance, dated relative to the app's clock.

Everything goes through the real services (``record_check``, ``record_outage``, ``plan_maintenance``), counted
back in working time from now like the demo incidents (``sla.desk.demo``).
"""
from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from app.clock import now as clock_now
from app.clock import work_calendar
from app.extensions import db
from app.models import Client
from app.services import Actor
from sla.desk.demo import working_before
from sla.uptime import services
from sla.uptime.models import ProbeSample
from sla.uptime.probes import ProbeResult

H = timedelta(hours=1)
M = timedelta(minutes=1)


def load_demo_uptime(app: Flask) -> None:
    """Three months of measuring: a short and a long outage, one recorded by hand, and maintenance."""
    calendar, now = work_calendar(), clock_now()

    def ago(amount: timedelta) -> datetime:
        return working_before(calendar, now, amount)

    # Measuring began with the first clients, a few months ago (the demo's clients are older than today).
    for client in db.session.scalars(sa.select(Client)):
        client.created_at = now - timedelta(days=100)
    failures = int(current_app.config["PROBE_FAILURES_FOR_OUTAGE"])

    down: list[tuple[datetime, datetime]] = []

    def probe_outage(start: datetime, length: timedelta, detail: str) -> None:
        down.append((start, start + length))
        for i in range(failures):
            services.record_check("web", ProbeResult(False, detail), start + i * M, failures)
        services.record_check("web", ProbeResult(True, "200"), start + length, failures)

    # Oldest first, so the prober's last check is the newest one. About a month ago: 1 h 50 min down (98.9 %
    # for that month, just above the target).
    probe_outage(ago(22 * 7.5 * H), 110 * M, "timeout")
    # This month so far: a 25-minute outage two workdays ago (well within the allowed downtime).
    probe_outage(ago(15 * H), 25 * M, "503")
    # About two months ago: a morning lost to a database failure, recorded by hand (below the target).
    start = ago(44 * 7.5 * H)
    services.record_outage(Actor("agent@fleetdesk.test"), started_at=start, ended_at=start + 3 * H + 30 * M,
                           reason="Database server failure; restored from the night's backup")
    add_demo_samples(now, down)
    # Announced maintenance: one done last month in the evening, one planned next week.
    admin = Actor("admin@fleetdesk.test")
    past_day = (now - timedelta(days=30)).astimezone(calendar.zone).date()
    past = datetime(past_day.year, past_day.month, past_day.day, 19, 0, tzinfo=calendar.zone)
    services.plan_maintenance(admin, starts_at=past, ends_at=past + 2 * H,
                              description="Operating system updates", now=past - timedelta(days=7))
    next_day = calendar.add_workdays(now.astimezone(calendar.zone).date(), 5)
    coming = datetime(next_day.year, next_day.month, next_day.day, 19, 0, tzinfo=calendar.zone)
    services.plan_maintenance(admin, starts_at=coming, ends_at=coming + 3 * H,
                              description="PostgreSQL upgrade", now=now)


def add_demo_samples(now: datetime, down: list[tuple[datetime, datetime]], days: int = 8) -> None:
    """A check every five minutes for the last ``days``: busier (slower) in office hours, none answered while down."""
    rng = random.Random(19)
    zone = work_calendar().zone
    step = timedelta(minutes=5)
    moment = now - timedelta(days=days)
    samples = []
    while moment < now:
        if any(start <= moment < end for start, end in down):
            samples.append(ProbeSample(target="web", at=moment, ok=False, response_ms=None))
        else:
            local = moment.astimezone(zone)
            busy = 1.0 + 0.8 * max(0.0, math.sin((local.hour + local.minute / 60 - 7) / 12 * math.pi))
            spike = 6.0 if rng.random() < 0.01 else 1.0
            samples.append(ProbeSample(target="web", at=moment, ok=True,
                                       response_ms=round(rng.gauss(85, 12) * busy * spike)))
        moment += step
    db.session.add_all(samples)
