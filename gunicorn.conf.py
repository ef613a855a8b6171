"""Gunicorn settings for FleetDesk: production mode and Prometheus multiprocess metrics.

Start with ``gunicorn -c gunicorn.conf.py wsgi:app``. Every worker writes its metrics to files in
``PROMETHEUS_MULTIPROC_DIR``; ``/metrics`` adds them up, so any worker answers for all of them.
"""
import os
import shutil
import tempfile

os.environ.setdefault("FLEETDESK_ENV", "production")

# prometheus-client picks its value store when it is first imported, so the directory must be
# known before the workers import the app.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if not _metrics_dir:
    _metrics_dir = tempfile.mkdtemp(prefix="fleetdesk-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir

bind = os.environ.get("FLEETDESK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("FLEETDESK_WORKERS", "4"))
accesslog = "-"
forwarded_allow_ips = os.environ.get("FLEETDESK_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):  # noqa: ANN001 - gunicorn hook signature
    """Start every server life with an empty metrics directory (stale files would double-count)."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):  # noqa: ANN001 - gunicorn hook signature
    """Tell prometheus-client that a worker is gone, so its live gauges stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
