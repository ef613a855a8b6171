"""Scheduled backups and drills, and the backup gauges for Prometheus."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.clock import work_calendar
from app.extensions import db
from backups import services
from backups.policy import Tier, due_today

logger = logging.getLogger(__name__)


def nightly(now: datetime) -> dict[str, str]:
    """Run every tier due on this business date (workdays; the weekly one on the week's first workday)."""
    calendar = work_calendar()
    day = now.astimezone(calendar.zone).date()
    done: dict[str, str] = {}
    for tier in Tier:
        if not due_today(tier, day, calendar):
            continue
        try:
            done[tier.value] = services.run_backup(current_app.config, db.engine, tier, now, calendar).state
        except services.BackupError as exc:
            logger.error("backup %s failed: %s", tier.value, exc)
            done[tier.value] = "failed"
    return done


def weekly_drill(now: datetime) -> dict[str, Any]:
    """The weekly restore drill into a scratch database."""
    return services.drill(current_app.config, db.engine, now, work_calendar())


def _pending_jobs(now: datetime) -> int:
    from backups import tasks

    return tasks.pending(now)


class BackupCollector(Collector):
    """Backup state read from the manifests on the storage at scrape time."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        config = self.app.config
        manifests = services.list_backups(config)
        last_ok = GaugeMetricFamily("fleetdesk_backup_last_success_timestamp_seconds",
                                    "When the newest verified backup of a tier finished.", labels=["tier"])
        size = GaugeMetricFamily("fleetdesk_backup_size_bytes", "Size of the newest verified backup.", labels=["tier"])
        duration = GaugeMetricFamily("fleetdesk_backup_duration_seconds", "How long the newest verified backup took.",
                                     labels=["tier"])
        verified = GaugeMetricFamily("fleetdesk_backup_last_verify_timestamp_seconds",
                                     "When a backup of the tier was last verified.", labels=["tier"])
        count = GaugeMetricFamily("fleetdesk_backups", "Backups on the storage, by tier and state.",
                                  labels=["tier", "state"])
        for tier in Tier:
            mine = [m for m in manifests if m.tier is tier]
            good = [m for m in mine if m.state == "verified" and m.finished_at]
            if good:
                newest = good[0]
                assert newest.finished_at is not None
                last_ok.add_metric([tier.value], newest.finished_at.timestamp())
                size.add_metric([tier.value], float(newest.total_size))
                duration.add_metric([tier.value], (newest.finished_at - newest.started_at).total_seconds())
            checked = [m.verified_at for m in mine if m.verified_at]
            if checked:
                verified.add_metric([tier.value], max(checked).timestamp())
            for state in ("verified", "failed", "complete"):
                count.add_metric([tier.value, state], float(sum(1 for m in mine if m.state == state)))
        yield from (last_ok, size, duration, verified, count)
        drills = services.drills(config)
        drill = GaugeMetricFamily("fleetdesk_restore_drill_last_success_timestamp_seconds",
                                  "When the last successful restore drill finished.")
        drill_seconds = GaugeMetricFamily("fleetdesk_restore_drill_duration_seconds", "How long the last drill took.")
        ok = [d for d in drills if d.get("ok")]
        if ok:
            drill.add_metric([], datetime.fromisoformat(ok[0]["at"]).timestamp())
        if drills:
            drill_seconds.add_metric([], float(drills[0]["seconds"]))
        yield drill
        yield drill_seconds


def init_app(app: Flask) -> None:
    """Declare the nightly backups and the weekly drill; expose the backup gauges."""
    from app.metrics import add_collector
    from app.scheduler import JobSpec, add_job

    add_job(app, JobSpec("backups.nightly", nightly, {"hour": 1, "minute": 30},
                         "Back up every tier due today, verify, prune."))
    add_job(app, JobSpec("backups.pending", _pending_jobs, {"seconds": 60},
                         "Run backup jobs a stopped web process left queued; fail abandoned ones.",
                         trigger="interval"))
    add_job(app, JobSpec("backups.drill", weekly_drill, {"day_of_week": "sat", "hour": 4, "minute": 0},
                         "Weekly restore drill into a scratch database."))
    add_collector(app, BackupCollector(app))
