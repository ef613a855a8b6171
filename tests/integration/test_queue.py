"""Background tasks (app.queue): on Celery with a real Redis broker and a ``fleetdesk worker`` process, and on the
embedded in-process pools; tasks acknowledged late, retried on transient faults, and safe to run twice."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import pdfs, support
from tests.integration import live

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/11"  # a database of its own on the machine's Redis


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(BROKER, socket_timeout=2).ping())
    except Exception:
        return False


@pytest.fixture()
def broker() -> str:
    support.require("redis", _redis_up(), f"no Redis server answers at {BROKER}")
    import redis

    redis.Redis.from_url(BROKER).flushdb()  # no task of an earlier run left in the queues
    return BROKER


@pytest.fixture()
def queued_app(tmp_path: Path, broker: str) -> Iterator[tuple[Any, str]]:
    """An application of its own, with the broker, its database migrated and a client with a user."""
    from app import create_app, services
    from app.extensions import db
    from app.models import Role

    with support.fresh_database(support.DATABASE_KIND, str(tmp_path)) as url:
        app = create_app(support.test_config(url, str(tmp_path / "data"), BROKER_URL=broker))
        support.migrate_to_head(app)
        with app.app_context():
            actor = services.Actor(label="test")
            client = services.add_client(actor, "ALPHA", "Alpha Lease NV", "fines.fleetdesk.test")
            services.create_user(actor, email="anna@alpha.test", name="Anna", role=Role.CLIENT,
                                 password=support.PASSWORD, client=client)
            db.session.commit()
        try:
            yield app, url
        finally:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture()
def metrics_port() -> int:
    return support.free_port()


@pytest.fixture()
def worker(queued_app: tuple[Any, str], tmp_path: Path, metrics_port: int) -> Iterator[Path]:
    """A ``fleetdesk worker`` process on the same database, data directory and broker (its metrics on
    ``metrics_port``); its log's path."""
    app, url = queued_app
    env = {**os.environ, "FLEETDESK_DATABASE_URL": url, "FLEETDESK_DATA_DIR": app.config["DATA_DIR"],
           "FLEETDESK_BROKER_URL": app.config["BROKER_URL"], "FLEETDESK_SECRET_KEY": "k" * 48,
           "FLEETDESK_ENV": "testing"}
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        command = [str(Path(sys.executable).parent / "fleetdesk"), "worker", "--concurrency", "1",
                   "--metrics-port", str(metrics_port)]
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            yield log_path
        finally:
            live.stop(proc, grace=30)  # a worker's warm shutdown finishes the task it holds


def _wait_until(condition: Any, what: str, timeout: float = 90.0, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = log.read_text()[-4000:] if log is not None else ""
    raise AssertionError(f"{what}: not within {timeout} s\n--- worker log ---\n{tail}")


def test_an_uploaded_fine_is_answered_at_once_and_read_by_a_worker_through_redis(
        queued_app: tuple[Any, str], worker: Path, metrics_port: int) -> None:
    from app.extensions import db
    from fines.models import Fine

    app, _url = queued_app
    client = app.test_client()
    support.login(client, "anna@alpha.test")
    page = client.get("/fines/upload").get_data(as_text=True)
    response = client.post("/fines/upload", data={"csrf_token": support.csrf_token(page),
                                                  "files": [(io.BytesIO(pdfs.text_pdf(pdfs.LETTER)), "fine.pdf")]},
                           content_type="multipart/form-data")
    assert response.status_code == 302

    def state() -> str | None:
        with app.app_context():
            return db.session.scalar(sa.select(Fine.state).order_by(Fine.id.desc()).limit(1))

    assert state() == "received"  # stored and answered; the reading is the worker's
    _wait_until(lambda: state() not in (None, "received"), "the worker reading the fine", log=worker)
    assert "fleetdesk.task_pools" not in app.extensions  # nothing ran in the web process's own pools
    assert "Task fines.read[" in worker.read_text()
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as answer:
        scraped = _samples(answer.read().decode())
    assert scraped[("fleetdesk_task_runs_total", (("outcome", "done"), ("task", "fines.read")))] == 1.0
    assert scraped[("fleetdesk_task_duration_seconds_count", (("task", "fines.read"),))] == 1.0


def test_the_celery_tasks_are_acknowledged_late_and_retried_on_transient_faults(
        queued_app: tuple[Any, str]) -> None:
    import sqlalchemy.exc

    from app import queue

    app, _url = queued_app
    celery = queue.celery_app(app)
    assert {"fines.read", "backups.perform"} <= set(celery.tasks)
    reading = celery.tasks["fines.read"]
    assert reading.acks_late is True and reading.reject_on_worker_lost is True
    assert celery.conf.task_routes["fines.read"] == {"queue": "reading"}
    assert sqlalchemy.exc.OperationalError in reading.autoretry_for and reading.max_retries == 5
    assert celery.conf.worker_prefetch_multiplier == 1  # a worker holds one task at a time, not a batch
    assert celery.tasks["backups.perform"].max_retries == 0  # a backup is asked for again, not retried blindly


def test_reading_a_fine_twice_reads_it_once(app: Any, client: Any, world: Any) -> None:
    """A task redelivered (its worker died) or handed on again by the scheduler finds the fine read already."""
    from app import queue
    from app.extensions import db
    from fines.intake import tasks
    from fines.models import Fine, FineEvent

    support.login(client, world.user_a)
    page = client.get("/fines/upload").get_data(as_text=True)
    original = tasks.read_later
    try:
        tasks.read_later = lambda app, ids: None  # type: ignore[assignment]  # the process stops before reading
        client.post("/fines/upload", data={"csrf_token": support.csrf_token(page),
                                           "files": [(io.BytesIO(pdfs.text_pdf(pdfs.LETTER)), "twice.pdf")]},
                    content_type="multipart/form-data")
    finally:
        tasks.read_later = original  # type: ignore[assignment]
    with app.app_context():
        fine_id = db.session.scalar(sa.select(Fine.id).where(Fine.filename == "twice.pdf"))
    first = queue.run(app, tasks.READ, fine_id)
    second = queue.run(app, tasks.READ, fine_id)
    assert first not in (None, "received") and second is None
    with app.app_context():
        read = db.session.scalar(sa.select(sa.func.count()).select_from(FineEvent).where(
            FineEvent.fine_id == fine_id, FineEvent.from_state == "received"))
        assert read == 1  # one step out of "received", not two


def test_the_worker_command_says_it_needs_a_broker(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0 and "FLEETDESK_BROKER_URL is not set" in result.output


def test_a_task_that_fails_in_an_in_process_pool_is_logged_with_its_arguments(app: Any, caplog: Any) -> None:
    from app import queue

    def broken(fine_id: int) -> None:
        raise RuntimeError(f"cannot read {fine_id}")

    queue.register(app, "test.broken", broken, queue="test")
    try:
        with caplog.at_level("ERROR", logger="app.queue"):
            queue.submit(app, "test.broken", 42)
            assert queue.drain(app, 30, queue="test")
        assert "task test.broken(42,) failed: RuntimeError: cannot read 42" in caplog.text
    finally:
        queue.tasks(app).pop("test.broken")


def _samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus exposition, by name and sorted labels."""
    from prometheus_client.parser import text_string_to_metric_families

    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(exposition) for sample in family.samples}


def _scrape(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return _samples(response.get_data(as_text=True))


def test_the_reading_backlog_and_the_tasks_run_are_on_metrics(app: Any, client: Any, world: Any) -> None:
    from app import queue
    from app.extensions import db
    from fines.intake import tasks
    from fines.models import Fine

    support.login(client, world.user_a)
    page = client.get("/fines/upload").get_data(as_text=True)
    original = tasks.read_later
    try:
        tasks.read_later = lambda app, ids: None  # type: ignore[assignment]  # left for later
        client.post("/fines/upload", data={"csrf_token": support.csrf_token(page),
                                           "files": [(io.BytesIO(pdfs.text_pdf(pdfs.LETTER)), "later.pdf")]},
                    content_type="multipart/form-data")
    finally:
        tasks.read_later = original  # type: ignore[assignment]
    done = ("fleetdesk_task_runs_total", (("outcome", "done"), ("task", "fines.read")))
    before = _scrape(client)
    assert before[("fleetdesk_task_backlog", (("queue", "reading"),))] == 1.0
    assert before[("fleetdesk_task_backlog", (("queue", "backups"),))] == 0.0
    with app.app_context():
        fine_id = db.session.scalar(sa.select(Fine.id).where(Fine.filename == "later.pdf"))
    tasks.read_later(app, [fine_id])
    assert tasks.drain(app, 120)
    after = _scrape(client)
    assert after[("fleetdesk_task_backlog", (("queue", "reading"),))] == 0.0
    assert after[done] == before.get(done, 0.0) + 1
    assert "fleetdesk_queue_messages" not in {name for name, _ in after}  # no broker: no broker depth
    assert queue.uses_broker(app) is False


def test_the_messages_waiting_in_redis_are_on_metrics(queued_app: tuple[Any, str]) -> None:
    from app import queue

    app, _url = queued_app
    for fine_id in (101, 102, 103):  # no worker runs: they wait in the broker
        queue.submit(app, "fines.read", fine_id)
    scraped = _scrape(app.test_client())
    assert scraped[("fleetdesk_queue_messages", (("queue", "reading"),))] == 3.0
    assert scraped[("fleetdesk_queue_messages", (("queue", "backups"),))] == 0.0
