"""Backups on the suite's real database: make, verify, corrupt, prune, restore, drill."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support

SAMPLE_MAIL = b"From: a@b.test\r\n\r\nhello"


@pytest.fixture()
def backup_app(app: Any, tmp_path: Path) -> Any:
    """The suite's app with its backup storage in a fresh temporary folder."""
    app.config.update(BACKUP_SERVER_DIR=str(tmp_path / "server"), BACKUP_DATACENTER_DIR=str(tmp_path / "dc"))
    with app.app_context():
        support.store_blob("mail", SAMPLE_MAIL, ".eml")
    yield app
    app.config.update(BACKUP_SERVER_DIR=None, BACKUP_DATACENTER_DIR=None)


def _run(app: Any, tier: str, when: datetime | None = None) -> Any:
    from app.clock import work_calendar
    from app.extensions import db
    from backups import services
    from backups.policy import Tier

    with app.app_context():
        return services.run_backup(app.config, db.engine, Tier(tier), when or datetime.now(UTC),
                                   work_calendar())


@pytest.mark.parametrize("tier", ["server-db", "dc-db", "dc-files", "weekly-env"])
def test_each_tier_is_written_verified_and_idempotent_per_day(backup_app: Any, world: Any, tier: str) -> None:
    first = _run(backup_app, tier)
    assert first.state == "verified" and first.parts and first.app_version
    again = _run(backup_app, tier)
    assert again.id == first.id and again.started_at == first.started_at  # not made twice the same day
    names = {p.name for p in first.parts}
    if tier in ("server-db", "dc-db", "weekly-env"):
        assert names & {"database.sqlite3", "database.dump"} and "row_counts.json" in names
        assert first.alembic_revision is not None
    if tier in ("dc-files", "weekly-env"):
        assert "files.tar.gz" in names
    if tier == "weekly-env":
        from backups import services

        _manifest, folder = services.find(backup_app.config, first.id)
        config = json.loads((folder / "config.json").read_text())
        assert config["SECRET_KEY"] == "(redacted)"
        from app.security import redact_text

        assert config["DATABASE_URL"] == redact_text(backup_app.config["DATABASE_URL"])  # no password


SECRETS = {
    "DATABASE_URL": "postgresql+psycopg://fleetdesk:S3cret-db-pw@db.internal:5432/fleetdesk",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://fleetdesk:S3cret-db-pw@db.internal:5432/fleetdesk",
    "SQLALCHEMY_BINDS": {"reports": "postgresql://reader:Bind-pw-42@replica.internal/fleetdesk"},
    "BROKER_URL": "redis://:Broker-pw-7@127.0.0.1:6379/0",
    "RESULT_BACKEND": "amqp://guest:Rabbit-pw-9@127.0.0.1:5672//",
    "ARCHIVE_DSN": "host=db.internal dbname=fleetdesk user=fleetdesk password=Dsn-pw-3",
    "SMTP_PASSWORD": "Smtp-pw-5",
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "Session-token-1",
    "IMAP_ACCOUNTS": '[{"name": "intake", "host": "imap.example.be", "password": "Imap-pw-8"}]',
    "S3_URL": "https://s3.example.be/bucket?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE&token=Query-token-2",
}


def test_the_environment_backup_keeps_no_secret_not_even_inside_urls(backup_app: Any, world: Any) -> None:
    from backups import services

    saved = {key: backup_app.config.get(key) for key in SECRETS}
    backup_app.config.update(SECRETS)
    try:
        manifest = _run(backup_app, "weekly-env")
    finally:
        backup_app.config.update(saved)
    _manifest, folder = services.find(backup_app.config, manifest.id)
    text = (folder / "config.json").read_text()
    for secret in ("S3cret-db-pw", "Bind-pw-42", "Broker-pw-7", "Rabbit-pw-9", "Dsn-pw-3", "Smtp-pw-5",
                   "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "Session-token-1", "Imap-pw-8", "Query-token-2"):
        assert secret not in text, secret
    config = json.loads(text)
    # What a restore needs to know stays: where the database was, without its password.
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://fleetdesk:(redacted)@db.internal:5432/fleetdesk"
    assert config["SQLALCHEMY_BINDS"]["reports"] == "postgresql://reader:(redacted)@replica.internal/fleetdesk"


def test_a_corrupted_part_fails_verification_with_its_reason(backup_app: Any, world: Any) -> None:
    from backups import services

    manifest = _run(backup_app, "dc-db")
    _m, folder = services.find(backup_app.config, manifest.id)
    part = folder / "row_counts.json"
    part.write_text(part.read_text() + " ")
    with pytest.raises(services.BackupError, match=r"row_counts\.json"):
        services.verify(backup_app.config, manifest.id)
    assert services.find(backup_app.config, manifest.id)[0].state == "failed"
    with pytest.raises(services.BackupError, match="not verified"):  # never offered for a restore
        services.restore(backup_app.config, manifest.id,
                         "sqlite:///" + str(Path(backup_app.config["DATA_DIR"]) / "x.db"))


def test_retention_never_removes_the_newest_verified_backup(backup_app: Any, world: Any) -> None:
    from backups import services
    from backups.policy import Tier

    old = _run(backup_app, "server-db", datetime.now(UTC) - timedelta(days=10))
    assert services.prune(backup_app.config, Tier.SERVER_DB, datetime.now(UTC)) == []  # the only one
    today = _run(backup_app, "server-db")  # a successful run prunes its tier afterwards
    assert [m.id for m in services.list_backups(backup_app.config, Tier.SERVER_DB)] == [today.id]
    assert old.id != today.id


def test_restore_into_an_empty_database_then_migrate_and_compare(backup_app: Any, world: Any, tmp_path: Path) -> None:
    from app.extensions import db
    from backups import services

    manifest = _run(backup_app, "dc-db")
    with backup_app.app_context():
        live = services.row_counts(db.engine)
    with support.fresh_database(support.DATABASE_KIND, str(tmp_path)) as url:
        result = services.restore(backup_app.config, manifest.id, url)
        services.migrate_to_head(url, str(tmp_path))
        engine = sa.create_engine(url)
        try:
            assert services.row_counts(engine) == live and result["revision"]
        finally:
            engine.dispose()
        with pytest.raises(services.BackupError, match="not empty"):
            services.restore(backup_app.config, manifest.id, url)


def test_restore_files_brings_the_stored_mail_back(backup_app: Any, world: Any, tmp_path: Path) -> None:
    from app import storage
    from backups import services

    manifest = _run(backup_app, "dc-files")
    count = services.restore_files(backup_app.config, manifest.id, str(tmp_path / "restored"))
    key = storage.blob_key("mail", storage.sha256_of(SAMPLE_MAIL), ".eml")
    assert count >= 1 and (tmp_path / "restored" / key).read_bytes() == SAMPLE_MAIL


def test_the_drill_restores_into_a_scratch_database_and_records_its_duration(backup_app: Any, world: Any) -> None:
    from app.clock import work_calendar
    from app.extensions import db
    from backups import services

    _run(backup_app, "dc-db")
    with backup_app.app_context():
        entry = services.drill(backup_app.config, db.engine, datetime.now(UTC), work_calendar())
    assert entry["ok"] and entry["rows"] > 0 and entry["within_target"] is True
    assert services.drills(backup_app.config)[0]["backup"] == entry["backup"]


def test_cli_lists_backups_as_json_and_metrics_show_them(backup_app: Any, world: Any) -> None:
    _run(backup_app, "dc-db")
    result = backup_app.test_cli_runner().invoke(args=["backups", "list", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)[0]["tier"] == "dc-db"
    text = backup_app.test_client().get("/metrics").get_data(as_text=True)
    assert 'fleetdesk_backup_last_success_timestamp_seconds{tier="dc-db"}' in text
    assert 'fleetdesk_backups{state="verified",tier="dc-db"} 1.0' in text


def test_only_admins_see_the_backups_page(backup_app: Any, world: Any) -> None:
    admin, agent = backup_app.test_client(), backup_app.test_client()
    support.login(admin, world.admin)
    support.login(agent, world.agent)
    page = admin.get("/admin/backups/")
    assert page.status_code == 200 and "fleetdesk backups restore" in page.get_data(as_text=True)
    assert agent.get("/admin/backups/").status_code == 404


def test_two_processes_never_make_the_same_tier_twice(backup_app: Any, world: Any, tmp_path: Path) -> None:
    """Two `fleetdesk backups run` at once: one makes the backup, the other finds it."""
    import os
    import subprocess
    import sys

    from backups import services

    env = {**os.environ, "FLEETDESK_DATABASE_URL": backup_app.config["DATABASE_URL"],
           "FLEETDESK_DATA_DIR": backup_app.config["DATA_DIR"], "FLEETDESK_ENV": "development",
           "FLEETDESK_BACKUP_SERVER_DIR": backup_app.config["BACKUP_SERVER_DIR"],
           "FLEETDESK_BACKUP_DATACENTER_DIR": backup_app.config["BACKUP_DATACENTER_DIR"]}
    script = str(Path(sys.executable).parent / "fleetdesk")
    runs = [subprocess.Popen([script, "backups", "run", "--tier", "dc-db"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    made = services.list_backups(backup_app.config)
    assert len(made) == 1 and made[0].state == "verified"
    assert outputs[0][0].split(":")[0] == outputs[1][0].split(":")[0] == made[0].id
