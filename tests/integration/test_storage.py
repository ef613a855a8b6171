"""Blob storage (app.storage) on a directory and on an S3 server on loopback (moto's, real HTTP): what is put is
read back verified, corruption and odd keys are refused, the two-step write follows its row, ``fleetdesk storage
migrate`` moves every blob and verifies it, and the application runs on a bucket as on its data directory."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import pdfs, support
from tests.integration.s3 import REGION, new_bucket

LETTER = b"%PDF-1.4 a fine's letter\n"
BAD_KEYS = ["", "pdf/none.pdf", "../etc/passwd", "pdf/../../etc/passwd", "/etc/passwd", "pdf/ab/cd/" + "0" * 64,
            "secrets/00/00/" + "0" * 64 + ".pdf", "pdf/00/00/" + "0" * 63 + ".pdf", "pdf/00/00/" + "0" * 64 + ".PDF"]


@pytest.fixture(params=["file", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh store of each kind."""
    from app import storage

    if request.param == "file":
        yield storage.FileStore(tmp_path / "blobs")
        return
    endpoint = request.getfixturevalue("s3_server")
    yield storage.open_store(f"s3://{new_bucket(endpoint)}/fleetdesk", endpoint=endpoint, region=REGION)


def _key(data: bytes, kind: str = "pdf", suffix: str = ".pdf") -> str:
    from app import storage

    return storage.blob_key(kind, storage.sha256_of(data), suffix)


def test_a_blob_put_is_read_back_listed_sized_and_deleted(store: Any) -> None:
    key = _key(LETTER)
    assert not store.exists(key) and store.size(key) is None
    assert store.put(key, LETTER) is True
    assert store.put(key, LETTER) is False  # the same bytes again: nothing new
    assert store.get(key) == LETTER and store.exists(key) and store.size(key) == len(LETTER)
    assert [(b.key, b.size, b.temporary) for b in store.listing()] == [(key, len(LETTER), False)]
    assert store.delete(key) is True and store.delete(key) is False
    assert list(store.listing()) == []


def test_a_missing_blob_is_said_to_be_missing(store: Any) -> None:
    from app import storage

    with pytest.raises(storage.BlobMissing):
        store.get(_key(b"never stored"))


def test_bytes_that_do_not_match_their_key_are_refused_on_put(store: Any) -> None:
    with pytest.raises(ValueError, match="do not hash"):
        store.put(_key(b"other bytes"), LETTER)
    assert list(store.listing()) == []


@pytest.mark.parametrize("key", BAD_KEYS)
def test_what_is_not_a_blob_key_is_refused_and_never_read(store: Any, key: str) -> None:
    with pytest.raises(ValueError, match="not a blob key"):
        store.get(key)
    assert store.exists(key) is False and store.size(key) is None and store.delete(key) is False


def test_a_file_changed_on_disk_is_refused_as_corrupt(tmp_path: Path) -> None:
    from app import storage

    store = storage.FileStore(tmp_path)
    key = _key(LETTER)
    store.put(key, LETTER)
    (tmp_path / key).write_bytes(LETTER.replace(b"fine", b"FINE"))
    with pytest.raises(storage.BlobCorrupt):
        store.get(key)


def test_an_object_changed_in_the_bucket_is_refused_as_corrupt(s3_server: str) -> None:
    import boto3

    from app import storage

    bucket = new_bucket(s3_server)
    store = storage.open_store(f"s3://{bucket}/p", endpoint=s3_server, region=REGION)
    key = _key(LETTER)
    store.put(key, LETTER)
    boto3.client("s3", endpoint_url=s3_server, region_name=REGION).put_object(Bucket=bucket, Key=f"p/{key}",
                                                                              Body=b"%PDF-1.4 tampered")
    with pytest.raises(storage.BlobCorrupt):
        store.get(key)


def test_a_staged_blob_appears_only_once_published_and_a_rollback_removes_it(store: Any) -> None:
    staged = store.stage("pdf", LETTER, ".pdf")
    assert not store.exists(staged.key)  # nothing under the key before its row is flushed
    assert staged.publish() is True and store.get(staged.key) == LETTER
    staged.undo()
    assert not store.exists(staged.key)
    again = store.stage("pdf", LETTER, ".pdf")
    again.discard()  # the row was never stored
    assert not store.exists(again.key) and [b for b in store.listing() if not b.temporary] == []


def test_a_blob_stored_twice_survives_the_rollback_of_the_second_row(store: Any) -> None:
    first = store.stage("pdf", LETTER, ".pdf")
    first.publish()
    second = store.stage("pdf", LETTER, ".pdf")
    assert second.publish() is False  # there already
    second.undo()
    assert store.get(first.key) == LETTER


@pytest.mark.parametrize("url", ["", "ftp://host/x", "file://relative/path", "s3://", "/just/a/path"])
def test_a_storage_url_that_names_no_store_is_refused(url: str) -> None:
    from app import storage

    with pytest.raises(ValueError, match="not a storage URL"):
        storage.open_store(url)


def test_the_application_refuses_to_start_on_a_bad_storage_url(tmp_path: Path) -> None:
    from app import create_app
    from app.config import ConfigurationError

    config = support.test_config(f"sqlite:///{tmp_path / 'x.db'}", str(tmp_path), STORAGE_URL="ftp://host/blobs")
    with pytest.raises(ConfigurationError, match="STORAGE_URL"):
        create_app(config)


def test_migrate_copies_every_blob_verifies_it_and_runs_again_without_copying(tmp_path: Path, s3_server: str) -> None:
    from app import storage

    source = storage.FileStore(tmp_path / "blobs")
    letters = [f"%PDF-1.4 letter {n}".encode() for n in range(5)]
    for data in letters:
        source.put(_key(data), data)
    source.put(_key(b"From: x\r\n\r\nmail", "mail", ".eml"), b"From: x\r\n\r\nmail")
    target = storage.open_store(f"s3://{new_bucket(s3_server)}/x", endpoint=s3_server, region=REGION)
    dry = storage.migrate(source, target, dry_run=True)
    assert len(dry.copied) == 6 and list(target.listing()) == []
    done = storage.migrate(source, target)
    assert done.ok and len(done.copied) == 6 and done.present == []
    assert {b.key for b in target.listing()} == {b.key for b in source.listing()}
    assert all(target.get(_key(data)) == data for data in letters)
    again = storage.migrate(source, target)
    assert again.copied == [] and len(again.present) == 6
    back = storage.migrate(target, storage.FileStore(tmp_path / "back"))  # and back again, from the bucket
    assert back.ok and len(back.copied) == 6


def test_migrate_does_not_copy_a_corrupt_blob_and_says_so(tmp_path: Path) -> None:
    from app import storage

    source, target = storage.FileStore(tmp_path / "a"), storage.FileStore(tmp_path / "b")
    good, bad = b"%PDF-1.4 good", b"%PDF-1.4 bad"
    source.put(_key(good), good)
    source.put(_key(bad), bad)
    (tmp_path / "a" / _key(bad)).write_bytes(b"%PDF-1.4 changed")
    done = storage.migrate(source, target)
    assert done.copied == [_key(good)] and [key for key, _ in done.failed] == [_key(bad)]
    assert "BlobCorrupt" in done.failed[0][1] and not target.exists(_key(bad))


@pytest.fixture()
def on_a_bucket(app: Any, s3_server: str) -> Iterator[Any]:
    """The application's blob store swapped for a bucket on the S3 server, as ``FLEETDESK_STORAGE_URL`` would."""
    from app import blobs, storage

    before = blobs.store(app)
    bucket = storage.open_store(f"s3://{new_bucket(s3_server)}/blobs", endpoint=s3_server, region=REGION)
    app.extensions["fleetdesk.blob_store"] = bucket
    try:
        yield bucket
    finally:
        app.extensions["fleetdesk.blob_store"] = before


def test_an_app_configured_with_a_bucket_stores_its_blobs_there(tmp_path: Path, s3_server: str) -> None:
    from app import blobs, create_app

    bucket = new_bucket(s3_server)
    config = support.test_config(f"sqlite:///{tmp_path / 'x.db'}", str(tmp_path), STORAGE_URL=f"s3://{bucket}/fd",
                                 S3_ENDPOINT=s3_server, S3_REGION=REGION)
    assert blobs.store(create_app(config)).url == f"s3://{bucket}/fd"


def test_an_uploaded_fine_lives_in_the_bucket_and_is_served_from_it(app: Any, client: Any, world: Any,
                                                                   on_a_bucket: Any) -> None:
    import io

    import sqlalchemy as sa

    from app.extensions import db
    from fines.intake import tasks
    from fines.models import Fine

    support.login(client, world.user_a)
    page = client.get("/fines/upload").get_data(as_text=True)
    pdf = pdfs.text_pdf([*pdfs.LETTER, "Only in the bucket."])  # bytes no other test has stored on disk
    response = client.post("/fines/upload", data={"csrf_token": support.csrf_token(page),
                                                  "files": [(io.BytesIO(pdf), "fine.pdf")]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert tasks.drain(app, timeout=120), "the background reader did not finish"
    with app.app_context():
        fine = db.session.scalar(sa.select(Fine).where(Fine.client_id == world.client_a).order_by(Fine.id.desc()))
        assert fine is not None and fine.state != "received"  # read from the bucket by the background reader
        key, fine_id = fine.pdf_path, fine.id
    assert on_a_bucket.get(key) == pdf
    assert not (Path(app.config["DATA_DIR"]) / key).exists()  # nothing on this node's disk
    served = client.get(f"/fines/{fine_id}/pdf")
    assert served.status_code == 200 and served.get_data() == pdf


def test_the_storage_commands_migrate_to_a_bucket_and_verify(app: Any, s3_server: str, tmp_path: Path) -> None:
    from app import blobs, storage
    from app.extensions import db
    from fines.models import IntakeMessage

    before, local = blobs.store(app), storage.FileStore(tmp_path / "blobs")
    app.extensions["fleetdesk.blob_store"] = local  # a store of its own (the suite's data directory is shared)
    with app.app_context():
        key, _ = support.store_blob("pdf", LETTER, ".pdf")
    bucket = new_bucket(s3_server)
    runner = app.test_cli_runner()
    app.config["S3_ENDPOINT"], app.config["S3_REGION"] = s3_server, REGION
    try:
        result = runner.invoke(args=["storage", "migrate", "--to", f"s3://{bucket}/m"])
        assert result.exit_code == 0, result.output
        assert f"-> s3://{bucket}/m: 1 blob(s) copied and verified, 0 already there" in result.stdout
        again = runner.invoke(args=["storage", "migrate", "--to", f"s3://{bucket}/m"])
        assert "0 blob(s) copied and verified, 1 already there (verified), 0 failed" in again.stdout
        same = runner.invoke(args=["storage", "migrate", "--to", local.url])
        assert same.exit_code != 0 and "in use already" in same.output
        verified = runner.invoke(args=["storage", "verify"])
        assert verified.exit_code == 0 and "1 blob(s) verified, 0 problem(s)" in verified.stdout
        (tmp_path / "blobs" / key).write_bytes(b"%PDF-1.4 changed on disk")
        broken = runner.invoke(args=["storage", "verify"])
        assert broken.exit_code == 1 and f"{key}: BlobCorrupt" in broken.output
        lost = _key(b"a mail whose file is lost", "mail", ".eml")
        with app.app_context():
            db.session.add(IntakeMessage(source="upload", message_key="<lost@test>", raw_path=lost, raw_sha256="0" * 64,
                                         size=0, status="triage", recipients=[], refusals=[], replies_sent=[]))
            db.session.commit()
        named = runner.invoke(args=["storage", "verify"])
        assert named.exit_code == 1 and f"{lost}: named by a row, not in the store" in named.output
    finally:
        app.config["S3_ENDPOINT"] = app.config["S3_REGION"] = None
        app.extensions["fleetdesk.blob_store"] = before

