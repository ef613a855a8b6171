"""Prometheus metrics: request counters and ``/metrics``, correct under several gunicorn workers.

Under gunicorn, ``gunicorn.conf.py`` sets ``PROMETHEUS_MULTIPROC_DIR`` before any worker imports
this module; each worker then writes its samples to files there and ``/metrics`` aggregates all
of them with a ``MultiProcessCollector``, whichever worker answers the scrape.
"""
from __future__ import annotations

import hmac
import logging
import os
import time
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from app.version import __version__

logger = logging.getLogger(__name__)

#: Label values stay few: any other HTTP method a client invents is counted as "other", the endpoint
#: is a route's name (or "unmatched"), the status a code the app itself answered with.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter("fleetdesk_http_requests", "HTTP requests answered, by endpoint, method and status.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("fleetdesk_http_request_duration_seconds", "Time to answer an HTTP request, by endpoint.",
                    ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
COLLECTOR_ERRORS = Counter("fleetdesk_metrics_collector_errors", "Scrapes in which a database-backed collector failed.",
                           ["collector"])
BUILD_INFO = Gauge("fleetdesk_build_info", "FleetDesk version running (always 1).", ["version"],
                   multiprocess_mode="max")


def registry() -> CollectorRegistry:
    """Return the registry to expose: the multiprocess aggregate when running under gunicorn."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
        return reg
    from prometheus_client import REGISTRY

    return REGISTRY


def init_app(app: Flask) -> None:
    """Time and count every request and serve ``/metrics``."""
    BUILD_INFO.labels(version=__version__).set(1)

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response: Any) -> Any:
        endpoint = request.endpoint or "unmatched"
        if endpoint != "metrics":
            started = g.pop("metrics_started", None)
            if started is not None:
                LATENCY.labels(endpoint=endpoint).observe(time.perf_counter() - started)
            method = request.method if request.method in KNOWN_METHODS else "other"
            REQUESTS.labels(endpoint=endpoint, method=method, status=str(response.status_code)).inc()
        return response

    @app.route("/metrics")
    def metrics() -> Response:
        token = current_app.config.get("METRICS_TOKEN")
        if token:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                abort(401)
        body = _core_exposition()
        for collector in current_app.extensions.get("fleetdesk.collectors", []):
            # Database-backed figures, read at scrape time by whichever worker answers. One that fails
            # is logged and left out; the rest of the scrape still answers.
            extra = CollectorRegistry(auto_describe=False)
            extra.register(collector)
            try:
                body += generate_latest(extra)
            except Exception:
                logger.exception("metrics collector %s failed", type(collector).__name__)
                COLLECTOR_ERRORS.labels(collector=type(collector).__name__).inc()
        return Response(body, mimetype=CONTENT_TYPE_LATEST)


def _core_exposition() -> bytes:
    """The request metrics of every worker; read again once if a worker was writing its file meanwhile."""
    try:
        return generate_latest(registry())
    except Exception:
        logger.warning("reading the workers' metric files failed once; reading again", exc_info=True)
        time.sleep(0.05)
        return generate_latest(registry())


def add_collector(app: Flask, collector: Any) -> None:
    """Expose a collector whose figures come from the database (the same in every worker)."""
    app.extensions.setdefault("fleetdesk.collectors", []).append(collector)
