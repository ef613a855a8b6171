"""Admin → Backups: run a tier and verify a backup from the page, in the background, with progress.

Against the real backup code and storage (a temporary folder), on the suite's database (SQLite or PostgreSQL).
"""
from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support

PAGE = "/admin/backups/"


@pytest.fixture()
def backup_app(app: Any, tmp_path: Path) -> Iterator[Any]:
    """The suite's app with its backup storage in a fresh temporary folder."""
    app.config.update(BACKUP_SERVER_DIR=str(tmp_path / "server"), BACKUP_DATACENTER_DIR=str(tmp_path / "dc"))
    yield app
    from backups import tasks

    assert tasks.drain(app)
    app.config.update(BACKUP_SERVER_DIR=None, BACKUP_DATACENTER_DIR=None)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Wait for a condition the background job brings about (checked every 20 ms)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _jobs(app: Any) -> list[Any]:
    from app.extensions import db
    from backups.models import BackupJob

    with app.app_context():
        rows = list(db.session.scalars(sa.select(BackupJob).order_by(BackupJob.id)))
        db.session.expunge_all()
        return rows


def _post(client: Any, action: str, data: dict[str, str]) -> Any:
    return support.post_form(client, f"{PAGE}{action}", data, token_from=PAGE)


def _tier_lock(app: Any, tier: str) -> Any:
    """Hold the tier's run lock, as a nightly run of the same tier would: a job waits for it."""
    from backups import services
    from backups.policy import Tier

    handle = (services.target_root(app.config, Tier(tier)) / ".lock").open("a")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def test_an_admin_runs_a_tier_now_and_sees_it_finish(backup_app: Any, client: Any, world: Any, clock: Any) -> None:
    from backups import services, tasks

    support.login(client, world.admin)
    response = _post(client, "run", {"tier": "dc-db"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/backups/#jobs")
    assert tasks.drain(backup_app)
    [job] = _jobs(backup_app)
    assert (job.kind, job.tier, job.state, job.progress, job.requested_by) == ("run", "dc-db", "done", 100,
                                                                               world.admin)
    manifest, _folder = services.find(backup_app.config, job.backup_id)
    assert manifest.state == "verified" and manifest.tier.value == "dc-db"
    page = client.get(PAGE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Run of dc-db" in page and "done" in page and job.backup_id in page
    assert "Verify now" in page and "A job is running" not in page
    body = client.get(f"{PAGE}jobs.json").get_json()
    assert body["active"] is False and body["jobs"][0]["state"] == "done"
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Backup run asked for" in audit and "Backup job finished" in audit


def test_the_progress_shows_while_it_runs_and_a_second_run_is_refused(backup_app: Any, client: Any, world: Any,
                                                                      clock: Any) -> None:
    from backups import tasks

    support.login(client, world.admin)
    lock = _tier_lock(backup_app, "server-db")
    try:
        assert _post(client, "run", {"tier": "server-db"}).status_code == 302
        wait_until(lambda: _jobs(backup_app)[0].step == "waiting", "the job to wait for the tier's lock")
        page = client.get(PAGE, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "waiting for another run of this tier to end" in page and '<progress id="job-progress-' in page
        assert 'data-active="1"' in page and "A job is running: this page follows it." in page
        assert "backup_jobs.js" in page
        body = client.get(f"{PAGE}jobs.json").get_json()
        assert body["active"] is True
        assert body["jobs"][0] | {"id": 0} == {
            "id": 0, "what": "Run of server-db", "state": "running", "state_label": "running", "active": True,
            "progress": 0, "step": "waiting for another run of this tier to end", "backup": None, "error": "",
            "detail": ""}
        second = _post(client, "run", {"tier": "server-db"})
        assert second.status_code == 302
        page = client.get(PAGE, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "A job for server-db is already queued or running; wait for it to finish." in page
        assert len(_jobs(backup_app)) == 1
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    assert tasks.drain(backup_app)
    assert [(j.state, j.progress) for j in _jobs(backup_app)] == [("done", 100)]


def test_the_database_itself_refuses_a_second_active_job_for_a_tier(backup_app: Any, world: Any,
                                                                     clock: Any) -> None:
    from app.extensions import db
    from backups.models import BackupJob

    with backup_app.app_context():
        db.session.add(BackupJob(kind="run", tier="dc-files", state="running", progress=10, requested_by="a"))
        db.session.add(BackupJob(kind="run", tier="dc-files", state="done", progress=100, requested_by="a"))
        db.session.commit()
        db.session.add(BackupJob(kind="verify", tier="dc-files", state="queued", progress=0, requested_by="b"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_a_verification_that_fails_says_why_in_the_readers_language(backup_app: Any, client: Any, world: Any,
                                                                    clock: Any) -> None:
    from app.clock import work_calendar
    from app.extensions import db
    from backups import services, tasks
    from backups.policy import Tier

    with backup_app.app_context():
        manifest = services.run_backup(backup_app.config, db.engine, Tier.DC_DB, clock(), work_calendar())
    _m, folder = services.find(backup_app.config, manifest.id)
    damaged = folder / manifest.parts[0].name
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"!")  # one byte changed: the checksum no longer matches
    support.login(client, world.admin)
    assert _post(client, "verify", {"backup": manifest.id}).status_code == 302
    assert tasks.drain(backup_app)
    [job] = _jobs(backup_app)
    assert (job.kind, job.state, job.error_code, job.backup_id) == ("verify", "failed", "verify_failed", manifest.id)
    assert "sha256" in (job.error_detail or "")
    page = client.get(PAGE, headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "De back-up is niet geslaagd voor de controle." in page and "mislukt" in page
    audit = client.get("/admin/audit", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Back-uptaak mislukt" in audit and "De back-up is niet geslaagd voor de controle." in audit


def test_verifying_a_backup_that_is_not_there_is_a_404(backup_app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.admin)
    assert _post(client, "verify", {"backup": "dc-db-1999-01-01"}).status_code == 404
    assert _post(client, "run", {"tier": "everything"}).status_code == 400
    assert _jobs(backup_app) == []


@pytest.mark.parametrize("who", ["agent", "user_a"])
def test_agents_and_clients_can_neither_run_nor_follow_jobs(backup_app: Any, client: Any, world: Any, clock: Any,
                                                            who: str) -> None:
    support.login(client, getattr(world, who))
    mine = support.csrf_token(client.get("/account").get_data(as_text=True))  # a valid token of their own
    assert client.get(PAGE).status_code == 404
    assert client.post(f"{PAGE}run", data={"tier": "dc-db", "csrf_token": mine}).status_code == 404
    assert client.post(f"{PAGE}verify", data={"backup": "x", "csrf_token": mine}).status_code == 404
    assert client.get(f"{PAGE}jobs.json").status_code == 404
    assert _jobs(backup_app) == []


def test_a_run_without_its_csrf_token_is_refused(backup_app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.admin)
    assert client.post(f"{PAGE}run", data={"tier": "dc-db"}).status_code == 403
    assert _jobs(backup_app) == []


def test_a_job_its_process_abandoned_no_longer_blocks_the_tier(backup_app: Any, client: Any, world: Any,
                                                              clock: Any) -> None:
    from app.extensions import db
    from backups import tasks
    from backups.models import BackupJob

    with backup_app.app_context():
        db.session.add(BackupJob(kind="run", tier="dc-db", state="running", progress=30, step="database",
                                 requested_by="admin@op.test", requested_at=clock() - timedelta(hours=4),
                                 updated_at=clock() - timedelta(hours=4)))
        db.session.commit()
    support.login(client, world.admin)
    assert _post(client, "run", {"tier": "dc-db"}).status_code == 302
    assert tasks.drain(backup_app)
    assert [(j.state, j.error_code) for j in _jobs(backup_app)] == [("failed", "interrupted"), ("done", None)]
    page = client.get(PAGE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The job was interrupted: its process stopped." in page


def test_the_scheduler_runs_a_job_its_web_process_left_queued(backup_app: Any, world: Any, clock: Any) -> None:
    from app.services import Actor
    from app.uow import job_unit_of_work
    from backups import services, tasks
    from backups.policy import Tier

    with backup_app.app_context(), job_unit_of_work():
        services.request_job(Actor("admin@op.test"), "run", backup_app.config, clock(), tier=Tier.DC_FILES)
    with backup_app.app_context():
        assert tasks.pending(clock()) == 0  # just queued: its web process is expected to take it
        clock.advance(timedelta(minutes=2))
        assert tasks.pending(clock()) == 1
    assert [(j.state, j.progress) for j in _jobs(backup_app)] == [("done", 100)]


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_backups_page_with_its_jobs_shows_no_english_message(backup_app: Any, client: Any, world: Any,
                                                                  clock: Any, language: str) -> None:
    from app.extensions import db
    from backups import tasks
    from backups.models import BackupJob
    from tests import crawl
    from tests.web.test_i18n_pages import english_messages

    support.login(client, world.admin)
    token = support.csrf_token(client.get(PAGE).get_data(as_text=True))
    assert client.post(f"{PAGE}run", data={"tier": "dc-files", "csrf_token": token},
                       headers={"Accept-Language": language}).status_code == 302
    assert tasks.drain(backup_app)
    with backup_app.app_context():
        db.session.add_all([
            BackupJob(kind="run", tier="dc-db", state="running", progress=40, step="checksums",
                      requested_by=world.admin, requested_at=clock(), updated_at=clock()),
            BackupJob(kind="verify", tier="server-db", backup_id="server-db-2026-11-13", state="failed",
                      progress=0, error_code="verify_failed", requested_by=world.admin, requested_at=clock())])
        db.session.commit()
    page = client.get(PAGE, headers={"Accept-Language": language}).get_data(as_text=True)
    text = crawl.visible_text(page)
    for data in ("dc-files", "dc-db", "server-db", "weekly-env", world.admin, "FleetDesk testing"):
        text = text.replace(data, " ¦ ")
    leaks = [english for english, pattern in english_messages(language) if pattern.search(text)]
    assert leaks == []
