"""Prometheus metrics: request counters and ``/metrics``, correct under several gunicorn workers.

Under gunicorn, ``gunicorn.conf.py`` sets ``PROMETHEUS_MULTIPROC_DIR`` before any worker imports
this module; each worker then writes its samples to files there and ``/metrics`` aggregates all
of them with a ``MultiProcessCollector``, whichever worker answers the scrape.
"""
from __future__ import annotations

import hmac
import os
import time
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess

from app.version import __version__

REQUESTS = Counter("fleetdesk_http_requests", "HTTP requests answered, by endpoint, method and status.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("fleetdesk_http_request_duration_seconds", "Time to answer an HTTP request, by endpoint.",
                    ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
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
            REQUESTS.labels(endpoint=endpoint, method=request.method, status=str(response.status_code)).inc()
        return response

    @app.route("/metrics")
    def metrics() -> Response:
        token = current_app.config.get("METRICS_TOKEN")
        if token:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                abort(401)
        extra = CollectorRegistry(auto_describe=False)
        for collector in current_app.extensions.get("fleetdesk.collectors", []):
            extra.register(collector)  # database-backed figures, read at scrape time by whichever worker
        return Response(generate_latest(registry()) + generate_latest(extra), mimetype=CONTENT_TYPE_LATEST)


def add_collector(app: Flask, collector: Any) -> None:
    """Expose a collector whose figures come from the database (the same in every worker)."""
    app.extensions.setdefault("fleetdesk.collectors", []).append(collector)
