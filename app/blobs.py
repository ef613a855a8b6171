"""The application's blob store, and blobs tied to their rows in one transaction.

``store()`` is the store ``FLEETDESK_STORAGE_URL`` names (``app.storage``: the data directory by default,
or an S3 bucket), made once per application. ``publish_after_flush`` puts a staged blob in place once
the row that names it is flushed, so no blob exists without its row: a transaction rolled back before
the flush forgets the staged blob, one rolled back after it removes the blob it created, and only a
crash between the put and the commit leaves an orphan, which ``named_blob_paths`` lets the orphan
sweep (``fleetdesk fines gc-blobs``) tell apart.
"""
from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from app import storage
from app.extensions import db

logger = logging.getLogger(__name__)

BLOB_SUFFIX = "_path"  # a String column named *_path holds a blob's key (app.storage)
_EXTENSION = "fleetdesk.blob_store"
_STAGED_BLOBS = "fleetdesk.staged_blobs"
_NEW_BLOBS = "fleetdesk.new_blobs"


def init_app(app: Flask) -> None:
    """Open the store ``STORAGE_URL`` names (default: the data directory) for ``app``."""
    app.extensions[_EXTENSION] = storage.configured_store(app.config)


def store(app: Flask | None = None) -> storage.BlobStore:
    """The blob store of ``app`` (default: the current application)."""
    found: storage.BlobStore = (app or current_app).extensions[_EXTENSION]
    return found


def read(key: str) -> bytes | None:
    """The blob under ``key`` for a screen or a download; None when it is not there to give.

    Missing (removed by retention or an erasure), not a blob key, or corrupt (its bytes no longer hash to
    the key's sha256: logged as an error for the operator, never served): the caller answers 404 or 410.
    """
    try:
        return store().get(key)
    except storage.BlobCorrupt:
        logger.error("blob %s is corrupt: its bytes no longer hash to its sha256; not served", key)
    except (storage.BlobMissing, ValueError):
        pass
    return None


def stage(kind: str, data: bytes, suffix: str) -> storage.StagedBlob:
    """Stage ``data`` in the application's store and publish it once its row is flushed (the usual write)."""
    staged = store().stage(kind, data, suffix)
    publish_after_flush(staged)
    return staged


def publish_after_flush(staged: storage.StagedBlob) -> None:
    """Put ``staged`` in place once the row that names it is flushed; a rollback removes it again."""
    db.session.info.setdefault(_STAGED_BLOBS, []).append(staged)


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _publish_staged(session: sa.orm.Session, flush_context: Any) -> None:
    for staged in session.info.pop(_STAGED_BLOBS, []):
        if staged.publish():
            session.info.setdefault(_NEW_BLOBS, []).append(staged)


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _blobs_kept(session: sa.orm.Session) -> None:
    session.info.pop(_NEW_BLOBS, None)


@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _blobs_undone(session: sa.orm.Session) -> None:
    for staged in session.info.pop(_STAGED_BLOBS, []):
        staged.discard()
    for staged in session.info.pop(_NEW_BLOBS, []):
        staged.undo()
        logger.info("removed %s: its row was rolled back", staged.key)


def blob_path_columns() -> list[sa.Column[Any]]:
    """Every column of every table that names a stored blob (a ``String`` column named ``*_path``)."""
    return [column for table in db.metadata.sorted_tables for column in table.c
            if column.name.endswith(BLOB_SUFFIX) and isinstance(column.type, sa.String)]


def named_blob_paths(paths: Collection[str]) -> set[str]:
    """Those of ``paths`` that some row still names (one query per blob column, whatever the feature)."""
    named: set[str] = set()
    for column in blob_path_columns():
        named |= set(db.session.scalars(sa.select(column).where(column.in_(list(paths)))))
    return named


def remove_unnamed(keys: Collection[str]) -> list[str]:
    """Remove those of ``keys`` that no row names any more from the store; return the removed ones."""
    if not keys:
        return []
    named = named_blob_paths(keys)
    removed = [key for key in keys if key and key not in named and store().delete(key)]
    return removed
