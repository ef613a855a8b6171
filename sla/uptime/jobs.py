"""Uptime jobs: the prober, maintenance announcements; and the uptime gauges for Prometheus."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, current_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.clock import now as clock_now
from app.clock import work_calendar
from app.extensions import db
from app.uow import job_unit_of_work
from sla.uptime import probes, services
from sla.uptime.models import MaintenanceWindow, ProbeState

logger = logging.getLogger(__name__)


def probe_all(now: datetime) -> int:
    """Check every target once, record each sample and state change, prune old samples; returns the targets checked.

    Each target's result is its own unit of work, committed before the next target is checked: no
    transaction stays open while a check waits on the network, and a target that fails to be
    recorded does not undo the results recorded before it.
    """
    config = current_app.config
    targets = probes.configured_targets(config)
    for target in targets:
        result = probes.check(target)
        with job_unit_of_work():
            # Each result at the moment it came back (checking takes time), from the app's clock.
            services.record_check(target.name, result, clock_now(),
                                  int(config["PROBE_FAILURES_FOR_OUTAGE"]))
    prune_samples(clock_now())
    return len(targets)


#: At most this many batches per run; the prober runs every minute, so a backlog drains over a few runs.
PRUNE_BATCHES_PER_RUN = 20


def prune_samples(now: datetime) -> int:
    """Delete the samples older than 90 days, a batch per unit of work; returns how many went."""
    removed = 0
    for _batch in range(PRUNE_BATCHES_PER_RUN):
        with job_unit_of_work():
            gone = services.prune_samples(now)
        removed += gone
        if gone < services.PRUNE_BATCH:
            break
    if removed:
        logger.info("pruned %s probe samples older than %s days", removed, services.SAMPLE_DAYS)
    return removed


def announce(now: datetime) -> int:
    """Workdays: announce maintenance to clients the configured number of workdays ahead."""
    config = current_app.config
    return services.announce_maintenance(now, work_calendar(), int(config["MAINTENANCE_NOTICE_WORKDAYS"]),
                                         config["MAIL_FROM"])


class UptimeCollector(Collector):
    """Business hours, maintenance, availability and error budget, computed at scrape time."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        calendar = self.app.extensions["fleetdesk.calendar"]
        now = clock_now()
        target = float(self.app.config["UPTIME_TARGET"])
        local = now.astimezone(calendar.zone)
        figures = services.month_figures(local.year, local.month, now, calendar, target)
        in_maintenance = db.session.scalar(sa.select(sa.func.count()).select_from(MaintenanceWindow).where(
            MaintenanceWindow.starts_at <= now, MaintenanceWindow.ends_at > now)) or 0
        yield _gauge("fleetdesk_business_hours_open", "1 inside the operator's working hours, else 0.",
                     1.0 if calendar.is_working_time(now) else 0.0)
        yield _gauge("fleetdesk_maintenance_active", "1 while announced maintenance runs, else 0.",
                     1.0 if in_maintenance else 0.0)
        ratio = GaugeMetricFamily("fleetdesk_availability_ratio",
                                  "Availability within working hours, announced maintenance excluded.",
                                  labels=["window"])
        ratio.add_metric(["month"], figures.month_availability)
        ratio.add_metric(["rolling_30d"], figures.rolling_availability)
        yield ratio
        yield _gauge("fleetdesk_error_budget_remaining_seconds", "Error budget left this month (may be negative).",
                     figures.budget_left.total_seconds())
        yield _gauge("fleetdesk_error_budget_total_seconds",
                     "This month's error budget: 2 % of its measured working time.",
                     figures.budget_total.total_seconds())
        up = GaugeMetricFamily("fleetdesk_probe_up", "1 when the target answered as expected.", labels=["target"])
        for state in db.session.scalars(sa.select(ProbeState)):
            up.add_metric([state.target], 1.0 if state.up else 0.0)
        yield up


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc)
    family.add_metric([], value)
    return family


def init_app(app: Flask) -> None:
    """Declare the prober and the announcements, and expose the uptime gauges."""
    from app.metrics import add_collector
    from app.scheduler import JobSpec, add_job

    add_job(app, JobSpec("uptime.probe", probe_all, {"seconds": int(app.config["PROBE_INTERVAL_SECONDS"])},
                         "Check the probe targets; outages start after N failures and end at a success.",
                         trigger="interval"))
    add_job(app, JobSpec("uptime.announce", announce, {"day_of_week": "mon-fri", "hour": 9, "minute": 0},
                         "Announce planned maintenance to clients in advance."))
    add_collector(app, UptimeCollector(app))


