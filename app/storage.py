"""Content-addressed blob storage (raw e-mails, fine PDFs and pictures, ticket attachments) behind one interface.

Every blob is named by its bytes: ``<kind>/ab/cd/<sha256><suffix>`` (a *key*), which rows store in their
``*_path`` columns. Two stores hold them:

* ``FileStore`` (``file:///path``; the default is the data directory itself): files written atomically
  (temporary file, fsync, rename);
* ``S3Store`` (``s3://bucket/prefix``, with an endpoint for S3-compatible services such as MinIO or
  Ceph): one object per key, through boto3.

Whichever holds it, a blob is read back only if its bytes still hash to the sha256 its key names
(``BlobCorrupt`` otherwise), and a key that is not a blob key is refused (``ValueError``): nothing a row
holds can make the store read outside its blobs.

Writing takes two steps, so that no blob exists without its row (``app.blobs`` ties them to the
session): ``stage`` prepares the blob, the caller adds and flushes its row, ``StagedBlob.publish``
puts it in place, and a rollback undoes it. What a crash still leaves behind, the orphan sweep finds
through ``listing``. ``open_store`` makes a store from its URL; ``migrate`` copies every blob from one
store to another and verifies each copy.

No Flask here: the application's store is ``app.blobs.store()``.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

__all__ = ["BLOB_KINDS", "INCOMING_PREFIX", "BlobCorrupt", "BlobMissing", "BlobStore", "FileStore", "Migration",
           "S3Store", "StagedBlob", "StoredBlob", "blob_key", "check_key", "configured_store", "is_key", "key_digest",
           "migrate", "open_store", "sha256_of"]

#: The kinds of blobs named by rows (the page images of ``previews`` are a cache on each node, not blobs).
BLOB_KINDS = ("mail", "pdf", "attachment")
#: A file store's temporary files (a blob being written) start with this.
INCOMING_PREFIX = ".incoming-"
_KEY = re.compile(r"(?P<kind>mail|pdf|attachment)/(?P<a>[0-9a-f]{2})/(?P<b>[0-9a-f]{2})/"
                  r"(?P<digest>[0-9a-f]{64})(?P<suffix>\.[a-z0-9]{1,8})?\Z")
_SUFFIX = re.compile(r"(\.[a-z0-9]{1,8})?\Z")


class BlobMissing(LookupError):
    """No blob under this key in the store."""


class BlobCorrupt(ValueError):
    """The stored bytes no longer hash to the sha256 their key names."""


def sha256_of(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def blob_key(kind: str, digest: str, suffix: str) -> str:
    """The key of a blob of ``kind`` with sha256 ``digest``: ``<kind>/ab/cd/<digest><suffix>``."""
    if kind not in BLOB_KINDS or not _SUFFIX.match(suffix):
        raise ValueError(f"not a blob kind and suffix: {kind!r}, {suffix!r}")
    return f"{kind}/{digest[:2]}/{digest[2:4]}/{digest}{suffix}"


def check_key(key: str) -> str:
    """``key`` itself when it is a blob key; ``ValueError`` otherwise (paths out of the store included)."""
    found = _KEY.match(key or "")
    if not found or found["a"] + found["b"] != found["digest"][:4]:
        raise ValueError(f"{key!r} is not a blob key")
    return key


def is_key(key: str) -> bool:
    """Is ``key`` a blob key? (A row may hold anything: nothing is stored under what is not one.)"""
    try:
        check_key(key)
    except ValueError:
        return False
    return True


def key_digest(key: str) -> str:
    """The sha256 a blob key names."""
    found = _KEY.match(check_key(key))
    assert found is not None  # checked just above
    return found["digest"]


def _verified(key: str, data: bytes) -> bytes:
    if sha256_of(data) != key_digest(key):
        raise BlobCorrupt(f"{key}: the stored bytes do not hash to the sha256 the key names")
    return data


@dataclass(frozen=True)
class StoredBlob:
    """One entry of a store's listing: a blob (``temporary``: a file store's half-written left-over)."""

    key: str
    size: int
    modified: datetime
    temporary: bool = False


@dataclass
class StagedBlob:
    """A blob prepared for its row: ``publish`` puts it in place once the row is flushed."""

    store: BlobStore
    key: str
    sha256: str
    data: bytes | None = field(default=None, repr=False)  # kept until published (object stores)
    temporary: Path | None = None  # a file store's file under a temporary name
    created: bool = False  # did ``publish`` create the blob (so that a rollback removes it)?

    def publish(self) -> bool:
        """Put the blob in place; True when this created it (the same bytes may be stored already)."""
        self.created = self.store._publish(self)
        self.data = None
        return self.created

    def discard(self) -> None:
        """Forget the prepared blob (its row was not stored)."""
        if self.temporary is not None and self.temporary.exists():
            self.temporary.unlink()
        self.data = None

    def undo(self) -> None:
        """Remove the blob again if ``publish`` created it (its row was rolled back)."""
        if self.created:
            self.store.delete(self.key)
            self.created = False


class BlobStore(ABC):
    """Where blobs live: put, get (verified), exists, delete, listing; ``stage`` for the two-step write."""

    url: str

    @abstractmethod
    def put(self, key: str, data: bytes) -> bool:
        """Store ``data`` under ``key`` (its sha256 must be the key's); True when this created the blob."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The bytes under ``key``, checked against the sha256 the key names (``BlobMissing``, ``BlobCorrupt``)."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Is there a blob under ``key``? (Never one under what is not a blob key.)"""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The blob's size in bytes; None when there is none under ``key`` (or it is not a blob key)."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove the blob (and a file store's left-over); True when there was one."""

    @abstractmethod
    def listing(self) -> Iterator[StoredBlob]:
        """Every blob in the store, by key (a file store's temporary left-overs too, ``temporary``)."""

    def stage(self, kind: str, data: bytes, suffix: str) -> StagedBlob:
        """Prepare ``data`` as a blob of ``kind``; nothing is visible under its key until ``publish``."""
        digest = sha256_of(data)
        return StagedBlob(self, blob_key(kind, digest, suffix), digest, data=data)

    def _publish(self, staged: StagedBlob) -> bool:
        assert staged.data is not None, "a staged blob is published once"
        return self.put(staged.key, staged.data)

    def _checked_put(self, key: str, data: bytes) -> str:
        if sha256_of(data) != key_digest(key):
            raise ValueError(f"{key}: the bytes given do not hash to the sha256 the key names")
        return key


class FileStore(BlobStore):
    """Blobs as files under a root directory (the data directory by default)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.url = self.root.as_uri()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> bool:
        target = self._path(self._checked_put(key, data))
        if target.exists() and target.stat().st_size == len(data):
            return False
        temporary = self._write_temporary(target, data)
        os.replace(temporary, target)
        _fsync_dir(target.parent)
        return True

    def get(self, key: str) -> bytes:
        try:
            data = self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(key) from None
        return _verified(key, data)

    def exists(self, key: str) -> bool:
        return is_key(key) and self._path(key).is_file()

    def size(self, key: str) -> int | None:
        if not is_key(key):
            return None
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def delete(self, key: str) -> bool:
        if Path(key).name.startswith(INCOMING_PREFIX):  # a left-over of a write that did not finish
            path = self.root / key
            if self.root not in path.resolve().parents:
                raise ValueError(f"{key!r} is outside the store")
        elif is_key(key):
            path = self._path(key)
        else:
            return False
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def listing(self) -> Iterator[StoredBlob]:
        for kind in BLOB_KINDS:
            for path in sorted((self.root / kind).rglob("*")):
                if not path.is_file():
                    continue
                key = path.relative_to(self.root).as_posix()
                temporary = path.name.startswith(INCOMING_PREFIX)
                if not temporary and not _KEY.match(key):
                    continue  # not a blob (nothing this store wrote)
                info = path.stat()
                yield StoredBlob(key, info.st_size, datetime.fromtimestamp(info.st_mtime, UTC), temporary)

    def stage(self, kind: str, data: bytes, suffix: str) -> StagedBlob:
        digest = sha256_of(data)
        key = blob_key(kind, digest, suffix)
        target = self._path(key)
        if target.exists() and target.stat().st_size == len(data):
            return StagedBlob(self, key, digest)  # the same bytes are stored already: nothing to publish
        return StagedBlob(self, key, digest, temporary=self._write_temporary(target, data))

    def _publish(self, staged: StagedBlob) -> bool:
        if staged.temporary is None:
            return False
        target = self._path(staged.key)
        created = not target.exists()
        os.replace(staged.temporary, target)
        staged.temporary = None
        _fsync_dir(target.parent)
        return created

    @staticmethod
    def _write_temporary(target: Path, data: bytes) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=INCOMING_PREFIX)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            os.unlink(name)
            raise
        return Path(name)


def _fsync_dir(path: Path) -> None:
    dir_fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class S3Store(BlobStore):
    """Blobs as objects ``<prefix>/<key>`` in an S3 bucket (AWS, or any S3-compatible service by its endpoint).

    Credentials come from boto3's usual places (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile,
    an instance role). An object is written whole or not at all, so a put needs no temporary name.
    """

    def __init__(self, bucket: str, prefix: str = "", *, endpoint: str | None = None, region: str | None = None,
                 client: Any = None) -> None:
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client("s3", endpoint_url=endpoint or None, region_name=region or None,
                                  config=Config(retries={"max_attempts": 5, "mode": "standard"}))
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"

    def _object(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> bool:
        name = self._object(self._checked_put(key, data))
        if self.exists(key):
            return False
        self.client.put_object(Bucket=self.bucket, Key=name, Body=data,
                               ChecksumAlgorithm="SHA256", Metadata={"sha256": key_digest(key)})
        return True

    def get(self, key: str) -> bytes:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._object(key))["Body"]
        except self.client.exceptions.NoSuchKey:
            raise BlobMissing(key) from None
        return _verified(key, body.read())

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        if not is_key(key):
            return None
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    def delete(self, key: str) -> bool:
        present = self.exists(key)
        if present:
            self.client.delete_object(Bucket=self.bucket, Key=self._object(key))
        return present

    def listing(self) -> Iterator[StoredBlob]:
        start = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        for kind in BLOB_KINDS:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{start}{kind}/"):
                for item in page.get("Contents", []):
                    key = item["Key"][len(start):]
                    if _KEY.match(key):
                        yield StoredBlob(key, int(item["Size"]), item["LastModified"].astimezone(UTC))


def open_store(url: str, *, endpoint: str | None = None, region: str | None = None) -> BlobStore:
    """The store a URL names: ``file:///absolute/path`` or ``s3://bucket[/prefix]`` (``ValueError`` otherwise)."""
    parsed = urlparse(url or "")
    if parsed.scheme == "file" and parsed.path and not parsed.netloc:
        return FileStore(unquote(parsed.path))
    if parsed.scheme == "s3" and parsed.netloc:
        return S3Store(parsed.netloc, unquote(parsed.path), endpoint=endpoint, region=region)
    raise ValueError(f"not a storage URL: {url!r} (expected file:///path or s3://bucket/prefix)")


def configured_store(config: Mapping[str, Any]) -> BlobStore:
    """The store an application's configuration names: ``STORAGE_URL`` (default: ``file://<DATA_DIR>``), with
    ``S3_ENDPOINT`` and ``S3_REGION`` for a bucket."""
    url = config.get("STORAGE_URL") or Path(config["DATA_DIR"]).resolve().as_uri()
    return open_store(url, endpoint=config.get("S3_ENDPOINT"), region=config.get("S3_REGION"))


@dataclass
class Migration:
    """What ``migrate`` did: blobs copied, blobs already there (verified), and those it could not copy, why."""

    copied: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def migrate(source: BlobStore, target: BlobStore, *, dry_run: bool = False) -> Migration:
    """Copy every blob of ``source`` to ``target``, then read each back from ``target`` and check its sha256.

    A blob already in ``target`` is verified there, not copied again; a blob whose bytes in ``source`` no
    longer match its key is not copied (it is reported). Re-running after a failure copies what is left.
    """
    started, done = time.monotonic(), Migration()
    for blob in source.listing():
        if blob.temporary:
            continue
        try:
            if target.exists(blob.key):
                target.get(blob.key)
                done.present.append(blob.key)
                continue
            data = source.get(blob.key)
            if not dry_run:
                target.put(blob.key, data)
                target.get(blob.key)
            done.copied.append(blob.key)
        except Exception as exc:  # one blob's fault (corrupt, missing, the network) is reported; the rest go on
            done.failed.append((blob.key, f"{type(exc).__name__}: {exc}"))
    done.seconds = time.monotonic() - started
    return done
