"""The S3-compatible target, against an S3 server on loopback (moto's standalone server, real HTTP)."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.s3 import new_bucket


@pytest.fixture()
def s3_app(app: Any, tmp_path: Path, s3_server: str) -> Iterator[Any]:
    name = new_bucket(s3_server, "fleetdesk-backups")
    app.config.update(BACKUP_SERVER_DIR=str(tmp_path / "server"), BACKUP_DATACENTER_DIR=str(tmp_path / "dc"),
                      BACKUP_S3_BUCKET=name, BACKUP_S3_ENDPOINT=s3_server, BACKUP_S3_REGION="eu-west-1")
    yield app
    app.config.update(BACKUP_SERVER_DIR=None, BACKUP_DATACENTER_DIR=None, BACKUP_S3_BUCKET=None,
                      BACKUP_S3_ENDPOINT=None, BACKUP_S3_REGION=None)


def test_a_datacenter_backup_is_uploaded_verified_and_fetched_back(s3_app: Any, world: Any) -> None:
    from app.clock import work_calendar
    from app.extensions import db
    from backups import services
    from backups.policy import Tier

    with s3_app.app_context():
        manifest = services.run_backup(s3_app.config, db.engine, Tier.DC_DB, datetime.now(UTC), work_calendar())
    bucket = services.s3_target(s3_app.config, Tier.DC_DB)
    assert bucket is not None and [m.id for m in bucket.manifests(Tier.DC_DB)] == [manifest.id]
    assert bucket.verify(manifest) == []
    assert services.s3_target(s3_app.config, Tier.SERVER_DB) is None  # the server copy stays on the server

    _m, local = services.find(s3_app.config, manifest.id)
    shutil.rmtree(local)  # the local copy is lost: fetch it back from the bucket
    fetched = services.fetch_from_bucket(s3_app.config, Tier.DC_DB, manifest.id)
    assert fetched.id == manifest.id and services.verify(s3_app.config, manifest.id).state == "verified"


def test_a_flipped_byte_in_the_bucket_is_found(s3_app: Any, world: Any) -> None:
    from app.clock import work_calendar
    from app.extensions import db
    from backups import services
    from backups.policy import Tier

    with s3_app.app_context():
        manifest = services.run_backup(s3_app.config, db.engine, Tier.DC_DB, datetime.now(UTC), work_calendar())
    bucket = services.s3_target(s3_app.config, Tier.DC_DB)
    key = f"fleetdesk/dc-db/{manifest.id}/row_counts.json"
    body = bucket.client.get_object(Bucket=bucket.bucket, Key=key)["Body"].read()
    flipped = bytes([body[0] ^ 1]) + body[1:]
    bucket.client.put_object(Bucket=bucket.bucket, Key=key, Body=flipped)
    problems = bucket.verify(manifest)
    assert problems and "row_counts.json" in problems[0]
    _m, local = services.find(s3_app.config, manifest.id)
    shutil.rmtree(local)
    with pytest.raises(services.BackupError, match="damaged"):
        services.fetch_from_bucket(s3_app.config, Tier.DC_DB, manifest.id)
