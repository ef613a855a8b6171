"""Background work: one task interface over Celery (a broker: Redis or RabbitMQ) or, with none, in-process pools.

A task is a plain function of a few JSON-able arguments (ids), registered under a name and a queue
(``register``), run in an application context and written to be safe to run twice: it claims its row
(a state, a row lock) before working and leaves alone what another run has done. A request or a
scheduled job hands work on with ``submit`` once its transaction is committed.

* ``FLEETDESK_BROKER_URL`` set (``redis://127.0.0.1:6379/0``, ``amqp://guest:guest@127.0.0.1:5672//``):
  ``submit`` sends the task to the broker and ``fleetdesk worker`` processes run it (in threads: the heavy
  part of reading a fine, PDF and OCR, runs in a sandboxed child process of its own).
  Tasks are acknowledged late (after they return, so after their commit) and given back to the queue
  when their worker dies (``acks_late``, ``reject_on_worker_lost``); a transient fault (the database or
  the network gone for a moment) is retried with exponential back-off.
* Unset (the embedded default, the demo, the SQLite suite): each queue is a small bounded pool of
  threads in the submitting process, running the same functions. Work a stopped process left behind
  is taken up again by the scheduler's catch-up jobs, as before.

The platform knows tasks by name only; features register theirs at start-up (``register_tasks``).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from prometheus_client import Counter, Histogram

logger = logging.getLogger(__name__)

TASK_RUNS = Counter("fleetdesk_task_runs", "Background tasks run, by task and outcome (done or failed).",
                    ["task", "outcome"])
TASK_DURATION = Histogram("fleetdesk_task_duration_seconds", "Time a background task ran, by task.", ["task"],
                          buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 180.0, 600.0, 1800.0))

_TASKS = "fleetdesk.tasks"
_POOLS = "fleetdesk.task_pools"
_CELERY = "celery"
_CREATE = threading.Lock()
#: Faults worth another try later (with ``transient_faults``' database ones): a server unreachable for a moment.
TRANSIENT: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)


@dataclass(frozen=True)
class Task:
    """A registered task: its name, its function, its queue and how many threads run that queue in-process.

    ``backlog``: how much of its work waits (counted in the database, the same whichever process asks), for
    ``fleetdesk_task_backlog``.
    """

    name: str
    function: Callable[..., Any]
    queue: str
    threads: int = 2
    max_retries: int = 5
    backlog: Callable[[], int] | None = None


@dataclass
class _Pool:
    executor: ThreadPoolExecutor
    pending: set[Future[Any]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def forget(self, future: Future[Any]) -> None:
        with self.lock:
            self.pending.discard(future)


def register(app: Flask, name: str, function: Callable[..., Any], *, queue: str, threads: int = 2,
             max_retries: int = 5, backlog: Callable[[], int] | None = None) -> Task:
    """Register ``function`` as the task ``name`` on ``queue`` (``threads``: its in-process pool's size)."""
    task = Task(name, function, queue, max(1, threads), max_retries, backlog)
    app.extensions.setdefault(_TASKS, {})[name] = task
    if _CELERY in app.extensions:
        _celery_task(app, app.extensions[_CELERY], task)
    return task


def tasks(app: Flask) -> dict[str, Task]:
    found: dict[str, Task] = app.extensions.get(_TASKS, {})
    return found


def uses_broker(app: Flask) -> bool:
    """Does work go to a broker (``FLEETDESK_BROKER_URL``) rather than to this process's pools?"""
    return bool(app.config.get("BROKER_URL"))


def submit(app: Flask, name: str, *args: Any) -> None:
    """Have the task ``name`` run with ``args`` in the background (call after the commit that made the work)."""
    task = tasks(app)[name]
    if uses_broker(app):
        celery_app(app).send_task(name, args=list(args), queue=task.queue)
        return
    pool = _pool(app, task)
    future = pool.executor.submit(_run_logged, app, name, *args)
    with pool.lock:
        pool.pending.add(future)
    future.add_done_callback(pool.forget)


def _run_logged(app: Flask, name: str, *args: Any) -> Any:
    """``run`` in a pool thread: a task that raises is logged there (the scheduler's catch-up takes it up again)."""
    try:
        return run(app, name, *args)
    except Exception as error:
        logger.error("task %s%s failed: %s: %s", name, args, type(error).__name__, error)
        raise


def run(app: Flask, name: str, *args: Any) -> Any:
    """Run the task ``name`` now, in an application context of its own (what a worker or a pool thread does).

    Counted and timed (``fleetdesk_task_runs_total``, ``fleetdesk_task_duration_seconds``) in the process
    that runs it: a web process's pools under its own ``/metrics``, a worker under ``--metrics-port``.
    """
    started = time.perf_counter()
    try:
        with app.app_context():
            result = tasks(app)[name].function(*args)
    except Exception:
        TASK_RUNS.labels(task=name, outcome="failed").inc()
        raise
    finally:
        TASK_DURATION.labels(task=name).observe(time.perf_counter() - started)
    TASK_RUNS.labels(task=name, outcome="done").inc()
    return result


def _pool(app: Flask, task: Task) -> _Pool:
    pools: dict[str, _Pool] = app.extensions.setdefault(_POOLS, {})
    pool = pools.get(task.queue)
    if pool is None:
        with _CREATE:
            pool = pools.get(task.queue)
            if pool is None:
                pool = _Pool(ThreadPoolExecutor(max_workers=task.threads, thread_name_prefix=f"task-{task.queue}"))
                pools[task.queue] = pool
    return pool


def drain(app: Flask, timeout: float = 300.0, queue: str | None = None) -> bool:
    """Wait until the work handed to this process's pools (or one queue's) has finished; False on timeout."""
    pools: dict[str, _Pool] = app.extensions.get(_POOLS, {})
    pending: list[Future[Any]] = []
    for name, pool in list(pools.items()):
        if queue is None or name == queue:
            with pool.lock:
                pending.extend(pool.pending)
    _, not_done = wait(pending, timeout=timeout)
    return not not_done


def celery_app(app: Flask) -> Any:
    """The Celery application bound to ``app`` (made once): every registered task, acknowledged late."""
    found = app.extensions.get(_CELERY)
    if found is not None:
        return found
    from celery import Celery

    celery = Celery(app.import_name, set_as_current=False)
    celery.conf.update(
        broker_url=app.config.get("BROKER_URL"), task_ignore_result=True, task_acks_late=True,
        task_reject_on_worker_lost=True, worker_prefetch_multiplier=1, broker_connection_retry_on_startup=True,
        task_default_queue="default", worker_hijack_root_logger=False, worker_send_task_events=True,
        task_send_sent_event=True, broker_transport_options={"visibility_timeout": 3600})
    app.extensions[_CELERY] = celery
    for task in tasks(app).values():
        _celery_task(app, celery, task)
    return celery


def _celery_task(app: Flask, celery: Any, task: Task) -> None:
    def body(*args: Any) -> Any:
        return run(app, task.name, *args)

    body.__name__ = task.name.replace(".", "_")
    body.__doc__ = task.function.__doc__
    celery.conf.task_routes = {**(celery.conf.task_routes or {}), task.name: {"queue": task.queue}}
    celery.task(name=task.name, shared=False, acks_late=True, reject_on_worker_lost=True,
                autoretry_for=transient_faults(), retry_backoff=2, retry_backoff_max=300, retry_jitter=True,
                max_retries=task.max_retries)(body)


def transient_faults() -> tuple[type[BaseException], ...]:
    """The faults a task raises for the queue to retry it later: the network, the database gone for a moment."""
    import sqlalchemy.exc

    return (*TRANSIENT, sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)


def queues(app: Flask) -> list[str]:
    """Every queue a registered task runs on."""
    return sorted({task.queue for task in tasks(app).values()})


class QueueCollector:
    """``fleetdesk_task_backlog``: the work waiting per queue, counted in the database (fines not read yet,
    backup jobs not started); with a Redis broker, ``fleetdesk_queue_messages``: the messages waiting in it."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        waiting: dict[str, int] = {}
        with self.app.app_context():
            for task in tasks(self.app).values():
                if task.backlog is not None:
                    waiting[task.queue] = waiting.get(task.queue, 0) + int(task.backlog())
        backlog = GaugeMetricFamily("fleetdesk_task_backlog", "Work waiting for a background task, by queue "
                                    "(fines not read yet, backup jobs not started).", labels=["queue"])
        for name, count in sorted(waiting.items()):
            backlog.add_metric([name], float(count))
        yield backlog
        broker = str(self.app.config.get("BROKER_URL") or "")
        if broker.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(broker, socket_timeout=2)
            messages = GaugeMetricFamily("fleetdesk_queue_messages", "Messages waiting in the broker, by queue.",
                                         labels=["queue"])
            for name in queues(self.app):
                depth: Any = client.llen(name)  # a plain int from the synchronous client
                messages.add_metric([name], float(depth))
            yield messages
