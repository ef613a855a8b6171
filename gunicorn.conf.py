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
# A request that has not answered in 60 s is stuck: gunicorn kills its worker (and with it any PDF
# worker it started: those die with their parent). No request waits for PDF reading or OCR any
# more (uploads are read in the background, fines.intake.tasks); the slowest request left, a contract
# import of 150,000 rows, takes about 12 s (bench/contract_import.py), so 60 s leaves room for a
# loaded server without letting a stuck worker hold its slot for long. The default, 30 s, was
# not chosen: it killed imports.
timeout = int(os.environ.get("FLEETDESK_WORKER_TIMEOUT", "60"))
# On a restart or shutdown a worker gets this long to finish its request and the background
# readings it holds (a fine not read by then stays "received" and the scheduler reads it).
graceful_timeout = int(os.environ.get("FLEETDESK_GRACEFUL_TIMEOUT", "30"))
forwarded_allow_ips = os.environ.get("FLEETDESK_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Start every server life with an empty metrics directory (stale files would double-count)."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    """Tell prometheus-client that a worker is gone, so its live gauges stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
