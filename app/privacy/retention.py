"""The nightly retention job: each feature's expired personal data, and the platform's login records.

A feature adds its part with ``add_retention(app, name, func)``; ``func(now, config)`` removes what is past
its period and returns counts by kind. The job logs one line, returns the counts and audits them once a run.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask import Flask, current_app

from app.mail import prune_sent_mail
from app.services import Actor, prune_sessions, record

logger = logging.getLogger(__name__)
RetentionPart = Callable[[datetime, Mapping[str, Any]], dict[str, int]]


def add_retention(app: Flask, name: str, func: RetentionPart) -> None:
    """Let a feature remove its personal data past retention in the nightly job."""
    app.extensions.setdefault("fleetdesk.retention", {})[name] = func


def run_retention(now: datetime) -> dict[str, int]:
    """Remove everything past its retention; log, audit and return the counts (``feature.kind``: n)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    counts: dict[str, int] = {"platform.login_sessions": prune_sessions(now, int(app.config["RETENTION_LOGIN_DAYS"])),
                              "platform.outbox_sent": prune_sent_mail(now, int(app.config["RETENTION_OUTBOX_DAYS"]))}
    parts: dict[str, RetentionPart] = app.extensions.get("fleetdesk.retention", {})
    for name in sorted(parts):
        for kind, number in parts[name](now, app.config).items():
            counts[f"{name}.{kind}"] = number
    record(Actor("retention"), "privacy.retention_run", None, **counts)
    logger.info("retention removed %s", ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def init_app(app: Flask) -> None:
    """Declare the nightly job."""
    from app.scheduler import JobSpec, add_job

    add_job(app, JobSpec("privacy.retention", run_retention, {"hour": 2, "minute": 30},
                         "Remove personal data past its retention (fines by state, raw mails, tickets, logins)."))
