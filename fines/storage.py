"""Content-addressed file storage under the data directory (raw e-mails, PDFs)."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


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


def read_blob(data_dir: str | Path, relative: str) -> bytes:
    """Read a stored file back; refuse paths that leave the data directory."""
    root = Path(data_dir).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError(f"{relative!r} is outside the data directory")
    return path.read_bytes()
