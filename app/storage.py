"""Content-addressed file storage under the data directory (raw e-mails, PDFs).

A file is written in two steps so that none exists without its database row: ``stage_blob``
writes it under a temporary name (``.incoming-*``), the caller adds and flushes its row, then
``StagedBlob.publish`` renames it into place (and the caller undoes that if the transaction
rolls back). What a crash still leaves behind, ``orphan_blobs`` finds.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: The folders of the data directory that hold blobs named by rows (``previews`` are a cache).
BLOB_KINDS = ("mail", "pdf", "attachment")
INCOMING_PREFIX = ".incoming-"


def sha256_of(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def store_blob(data_dir: str | Path, kind: str, data: bytes, suffix: str) -> tuple[str, str]:
    """Write ``data`` once under ``<data_dir>/<kind>/ab/cd/<sha256><suffix>``; return (relative path, sha256).

    The write is atomic (temporary file, fsync, rename), and storing the same bytes again is a
    no-op, so a retried intake never leaves a half-written or doubled file.
    """
    digest = sha256_of(data)
    relative = Path(kind) / digest[:2] / digest[2:4] / f"{digest}{suffix}"
    target = Path(data_dir) / relative
    if target.exists() and target.stat().st_size == len(data):
        return str(relative), digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return str(relative), digest


@dataclass(frozen=True)
class StagedBlob:
    """A blob written under a temporary name, waiting for its row to be flushed."""

    relative: str
    sha256: str
    target: Path
    temporary: Path | None  # None: the same bytes are already stored

    def publish(self) -> bool:
        """Move the blob into place; True when this created the file (so a rollback must remove it)."""
        if self.temporary is None:
            return False
        created = not self.target.exists()
        os.replace(self.temporary, self.target)
        _fsync_dir(self.target.parent)
        return created

    def discard(self) -> None:
        """Remove the temporary file (the row was not stored)."""
        if self.temporary is not None and self.temporary.exists():
            self.temporary.unlink()


def stage_blob(data_dir: str | Path, kind: str, data: bytes, suffix: str) -> StagedBlob:
    """Write ``data`` under a temporary name beside its place ``<kind>/ab/cd/<sha256><suffix>``."""
    digest = sha256_of(data)
    relative = Path(kind) / digest[:2] / digest[2:4] / f"{digest}{suffix}"
    target = Path(data_dir) / relative
    if target.exists() and target.stat().st_size == len(data):
        return StagedBlob(str(relative), digest, target, None)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=INCOMING_PREFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return StagedBlob(str(relative), digest, target, Path(tmp))


def _fsync_dir(path: Path) -> None:
    dir_fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def stored_blobs(data_dir: str | Path, older_than: float, now: float | None = None) -> Iterator[tuple[str, Path]]:
    """Every blob file (and left-over temporary file) last written more than ``older_than`` seconds ago.

    Yields (path relative to the data directory, absolute path).
    """
    root = Path(data_dir)
    limit = (time.time() if now is None else now) - older_than
    for kind in BLOB_KINDS:
        for path in sorted((root / kind).rglob("*")):
            if path.is_file() and path.stat().st_mtime < limit:
                yield path.relative_to(root).as_posix(), path


def read_blob(data_dir: str | Path, relative: str) -> bytes:
    """Read a stored file back; refuse paths that leave the data directory."""
    root = Path(data_dir).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError(f"{relative!r} is outside the data directory")
    return path.read_bytes()
